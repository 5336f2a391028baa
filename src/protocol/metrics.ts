/** Per-step training metrics, as the worker sends them and the charts plot them. */

/** The values one training step reports, in the order trainStep stacks them. */
export const STEP_METRICS = [
  'dRealLoss',
  'dRealAccuracy',
  'dFakeLoss',
  'dFakeAccuracy',
  'gLoss',
  /** Share of fakes the discriminator judged real (Heaton's "generator accuracy"). */
  'gAccuracy',
] as const;
export type StepMetricName = (typeof STEP_METRICS)[number];

export type MetricRow = { step: number } & Record<StepMetricName, number>;
