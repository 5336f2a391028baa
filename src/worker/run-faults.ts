/**
 * What can go wrong inside a training run's turn, and how it is recognised: a divergence (a
 * metric or weight no longer finite) and the loss of the GPU context. training-run.ts throws
 * these inside a turn and turns them into the rolling-back or recovering phase.
 */
import type { Checkpoint } from '../gan/checkpoint.ts';
import type { BackendName } from '../protocol/messages.ts';
import { STEP_METRICS, type MetricRow } from '../protocol/metrics.ts';
import type { BackendLossWatch } from './backend.ts';

/** How long an error on a GPU backend waits for the loss watch before counting as an ordinary error. */
const LOSS_GRACE_MS = 2000;

/** The first row with a non-finite metric (a diverged step), if any. */
export function firstNonFiniteRow(rows: readonly MetricRow[]): { row: MetricRow; value: number } | null {
  for (const row of rows) {
    for (const name of STEP_METRICS) {
      if (!Number.isFinite(row[name])) return { row, value: row[name] };
    }
  }
  return null;
}

/** Whether any weight or optimiser slot of the checkpoint is NaN or infinite. */
export function hasNonFiniteWeights(checkpoint: Checkpoint): boolean {
  const groups = [checkpoint.generator, checkpoint.discriminator, checkpoint.generatorOptimizer.slots, checkpoint.discriminatorOptimizer.slots];
  return groups.some((group) => group.some(({ values }) => values.some((v) => !Number.isFinite(v))));
}

/** Thrown inside a turn when a metric or weight became non-finite; the loop then rolls back. */
export class Diverged extends Error {
  constructor(
    readonly atStep: number,
    readonly what: string,
  ) {
    super(`Training diverged at step ${atStep} (${what}).`);
  }
}

/** Thrown inside the loop when the GPU context was lost, so no result of the lost context is used. */
export class BackendLostError extends Error {
  constructor() {
    super('the GPU context was lost');
  }
}

export interface LossChecks {
  assertBackendAlive(): void;
  lossConfirmed(): Promise<boolean>;
  untilLost<T>(read: Promise<T>): Promise<T>;
}

/** The loss checks of one run; `source` is read at each call (the run's context). */
export function createLossChecks(source: { readonly lossWatch?: BackendLossWatch | null; readonly backend: BackendName | null }): LossChecks {
  /** Throws before anything computed on a lost context is read, kept or shown. */
  function assertBackendAlive(): void {
    if (source.lossWatch?.isLost()) throw new BackendLostError();
  }

  /**
   * After an unexpected error: whether the GPU context is lost. A destroyed WebGPU device fails
   * pending reads ("Buffer was unmapped before mapping was resolved") a moment before
   * `device.lost` resolves, so a GPU backend's watch gets a short grace period to report it.
   */
  async function lossConfirmed(): Promise<boolean> {
    const watch = source.lossWatch;
    if (!watch) return false;
    if (watch.isLost()) return true;
    if (source.backend !== 'webgpu' && source.backend !== 'webgl') return false;
    await Promise.race([watch.lost, new Promise((resolve) => setTimeout(resolve, LOSS_GRACE_MS))]);
    return watch.isLost();
  }

  /** A read from the device that gives up when the context is lost (its fence would never signal). */
  function untilLost<T>(read: Promise<T>): Promise<T> {
    const watch = source.lossWatch;
    if (!watch) return read;
    return Promise.race([
      read,
      watch.lost.then((): never => {
        throw new BackendLostError();
      }),
    ]);
  }

  return { assertBackendAlive, lossConfirmed, untilLost };
}
