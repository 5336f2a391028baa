import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, test } from 'vitest';
import { createImageSet, sampleBatch } from '../../../src/data/dataset.ts';
import { renderGrid } from '../../../src/gan/grid.ts';
import { readMetricRows, type PendingMetrics } from '../../../src/gan/metrics.ts';
import { createGan, disposeGan, generatePreview, trainStep } from '../../../src/gan/train-step.ts';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../src/protocol/config.ts';
import { useWasmBackend } from '../backends.ts';

beforeAll(useWasmBackend);

/**
 * A long run the way the worker drives it (steps, metrics read in batches, a preview grid every
 * 100 steps) must not leak: tensor count and backend bytes stay flat after warm-up.
 */
test('2,000 tiny steps keep the tensor count and backend memory flat', async () => {
  const config: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, batchSize: 4, latentSize: 8, gridRows: 2, gridCols: 2 };
  const pixels = new Uint8Array(32 * 16 * 16 * 3).map((_, i) => (i * 131) % 256);
  const set = createImageSet(pixels, 16, 3);
  const gan = createGan(config);
  const samples: { step: number; numTensors: number; numBytes: number }[] = [];
  let pending: PendingMetrics[] = [];
  for (let step = 0; step < 2000; step++) {
    const real = sampleBatch(set, config.seed, step, config.batchSize, true);
    pending.push({ step: step + 1, values: trainStep(gan, real, step, { labelSmoothing: 0 }) });
    real.dispose();
    if (pending.length === 10) {
      const rows = await readMetricRows(pending);
      expect(rows.every((r) => Number.isFinite(r.gLoss))).toBe(true);
      pending = [];
    }
    if ((step + 1) % 100 === 0) {
      const images = generatePreview(gan);
      await renderGrid(images, config);
      images.dispose();
      const { numTensors, numBytes } = tf.memory();
      samples.push({ step: step + 1, numTensors, numBytes });
    }
  }
  console.log(`soak: tensors ${samples.map((s) => s.numTensors).join(' ')}; bytes ${samples[0]?.numBytes} → ${samples.at(-1)?.numBytes}`);
  const afterWarmUp = samples.slice(1);
  expect(new Set(afterWarmUp.map((s) => s.numTensors)).size).toBe(1);
  expect(new Set(afterWarmUp.map((s) => s.numBytes)).size).toBe(1);
  disposeGan(gan);
}, 300_000);
