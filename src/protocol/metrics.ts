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

/**
 * One measurement of sample quality: multi-scale sliced Wasserstein distance (×10³; lower is
 * better) between held-back real images and the generator's images at `step`.
 */
export interface QualityRow {
  step: number;
  /** The average over pyramid levels (Karras et al.'s single number). */
  swd: number;
  /** Per pyramid level, finest (full resolution) first, coarsest (16 px) last. */
  perLevel: number[];
  /** Images on each side of the comparison. */
  images: number;
}
