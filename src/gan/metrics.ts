/**
 * Turning per-step metric tensors into plain rows, read back in batches so the training loop
 * never waits on the device (GAN Lab's "visualisation runs slower than training").
 */
import * as tf from '@tensorflow/tfjs';
import { STEP_METRICS, type MetricRow } from '../protocol/metrics.ts';

export interface PendingMetrics {
  step: number;
  /** [STEP_METRICS.length] in STEP_METRICS order, as returned by trainStep. */
  values: tf.Tensor1D;
}

/**
 * Reads many steps' metrics with one asynchronous download and disposes their tensors.
 * Rows come back in the order given.
 */
export async function readMetricRows(pending: readonly PendingMetrics[]): Promise<MetricRow[]> {
  if (pending.length === 0) return [];
  const stacked = tf.stack(pending.map((p) => p.values));
  tf.dispose(pending.map((p) => p.values));
  try {
    const flat = await stacked.data();
    return pending.map(({ step }, row) => {
      const entry = { step } as MetricRow;
      STEP_METRICS.forEach((name, column) => {
        entry[name] = flat[row * STEP_METRICS.length + column] ?? Number.NaN;
      });
      return entry;
    });
  } finally {
    stacked.dispose();
  }
}
