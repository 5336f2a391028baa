import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createImageSet, sampleBatch } from '../../../src/data/dataset.ts';
import { readMetricRows } from '../../../src/gan/metrics.ts';
import {
  createGan,
  discriminatorFakePhase,
  discriminatorRealPhase,
  disposeGan,
  generatePreview,
  generatorPhase,
  stepNoise,
  trainStep,
  type Gan,
} from '../../../src/gan/train-step.ts';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../src/protocol/config.ts';
import { STEP_METRICS } from '../../../src/protocol/metrics.ts';
import { useCpuBackend, useWasmBackend } from '../backends.ts';

beforeAll(useCpuBackend);

/** Tiny configs: real steps in well under a second on the cpu backend. */
const TINY: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 32, batchSize: 4, latentSize: 16, gridRows: 2, gridCols: 2 };
const TINY_DCGAN: TrainConfig = { ...TINY, architecture: 'dcgan', width: 1 / 16 };

const live = { labelSmoothing: 0 };
let gans: Gan[] = [];
function tracked(config: TrainConfig): Gan {
  const gan = createGan(config);
  gans.push(gan);
  return gan;
}
afterEach(() => {
  gans.forEach(disposeGan);
  gans = [];
});

/** A toy data set: every image one flat colour. */
function flatColourSet(config: TrainConfig, rgb: readonly [number, number, number], count = 16) {
  const { resolution: side } = config;
  const pixels = new Uint8Array(count * side * side * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rgb[i % 3] ?? 0;
  return createImageSet(pixels, side, 3);
}

function snapshot(model: tf.LayersModel, which: 'trainable' | 'all'): Float32Array[] {
  const weights = which === 'trainable' ? model.trainableWeights.map((w) => w.read()) : model.getWeights();
  return weights.map((w) => w.dataSync() as Float32Array).map((values) => values.slice());
}

function changed(before: Float32Array[], after: Float32Array[]): boolean[] {
  return before.map((values, i) => values.some((v, j) => v !== after[i]?.[j]));
}

describe.each([
  ['heaton', TINY],
  ['dcgan', TINY_DCGAN],
] as const)('%s training step', (_name, config) => {
  test("each phase moves only its own network's trainable weights", () => {
    const gan = tracked(config);
    const set = flatColourSet(config, [200, 40, 40]);
    const real = sampleBatch(set, config.seed, 0, config.batchSize, false);
    const noise = stepNoise(config, 0);
    const fakes = gan.generator.apply(noise, { training: true }) as tf.Tensor4D;

    const phases = [
      ['D real', () => discriminatorRealPhase(gan, real, live), gan.discriminator],
      ['D fake', () => discriminatorFakePhase(gan, fakes), gan.discriminator],
      ['G', () => generatorPhase(gan, noise), gan.generator],
    ] as const;
    for (const [label, run, updated] of phases) {
      const other = updated === gan.generator ? gan.discriminator : gan.generator;
      const updatedBefore = snapshot(updated, 'trainable');
      const otherBefore = snapshot(other, 'trainable');
      const { loss, accuracy } = run();
      tf.dispose([loss, accuracy]);
      // Byte-identical: not one value of the other network's trainable weights moved.
      expect(changed(otherBefore, snapshot(other, 'trainable')), `${label} touched the other network`).not.toContain(true);
      // Every trainable weight of the updated network moved (Adam moves all with a gradient).
      expect(changed(updatedBefore, snapshot(updated, 'trainable')), `${label} left weights unchanged`).not.toContain(false);
    }
    tf.dispose([real, noise, fakes]);
  });

  test('the tensor count is flat between step 3 and step 20', async () => {
    const gan = tracked(config);
    const set = flatColourSet(config, [10, 200, 90]);
    const counts: number[] = [];
    for (let step = 0; step <= 20; step++) {
      const real = sampleBatch(set, config.seed, step, config.batchSize, true);
      const metrics = trainStep(gan, real, step, live);
      real.dispose();
      const [row] = await readMetricRows([{ step, values: metrics }]);
      expect(row && Number.isFinite(row.dRealLoss)).toBe(true);
      counts.push(tf.memory().numTensors);
    }
    expect(counts[20]).toBe(counts[3]);
    const preview = generatePreview(gan);
    preview.dispose();
    expect(tf.memory().numTensors).toBe(counts[20]);
  });

  test('the same seed gives identical losses for 5 steps; another seed does not', async () => {
    const losses = async (seed: number) => {
      const gan = tracked({ ...config, seed });
      const set = flatColourSet(config, [120, 130, 140]);
      const pending = [];
      for (let step = 0; step < 5; step++) {
        const real = sampleBatch(set, seed, step, config.batchSize, true);
        pending.push({ step, values: trainStep(gan, real, step, live) });
        real.dispose();
      }
      return readMetricRows(pending);
    };
    const first = await losses(3);
    expect(first).toHaveLength(5);
    expect(await losses(3)).toEqual(first);
    expect((await losses(4)).map((r) => r.gLoss)).not.toEqual(first.map((r) => r.gLoss));
  });
});

describe('metrics', () => {
  test('are losses in [0, ∞) and accuracies in [0, 1], in STEP_METRICS order', async () => {
    const gan = tracked(TINY);
    const set = flatColourSet(TINY, [0, 0, 0]);
    const real = sampleBatch(set, 1, 0, TINY.batchSize, false);
    const metrics = trainStep(gan, real, 0, live);
    real.dispose();
    expect(metrics.shape).toEqual([STEP_METRICS.length]);
    const [row] = await readMetricRows([{ step: 0, values: metrics }]);
    expect(row?.step).toBe(0);
    for (const name of STEP_METRICS) {
      const value = row?.[name] ?? Number.NaN;
      expect(value).toBeGreaterThanOrEqual(0);
      if (name.endsWith('Accuracy')) {
        expect(value).toBeLessThanOrEqual(1);
        // With batch 4, an accuracy is a multiple of 1/4.
        expect(value * TINY.batchSize).toBeCloseTo(Math.round(value * TINY.batchSize), 6);
      }
    }
    expect(metrics.isDisposed).toBe(true);
  });

  test('label smoothing raises the loss of a confident real judgement', () => {
    const gan = tracked(TINY);
    const set = flatColourSet(TINY, [90, 90, 90]);
    const real = sampleBatch(set, 1, 0, TINY.batchSize, false);
    const twin = tracked(TINY);
    const plain = discriminatorRealPhase(gan, real, { labelSmoothing: 0 });
    const smoothed = discriminatorRealPhase(twin, real, { labelSmoothing: 0.1 });
    // Same weights, same batch: only the target differs (1 vs 0.9), so the losses differ.
    expect(plain.loss.dataSync()[0]).not.toBeCloseTo(smoothed.loss.dataSync()[0] ?? 0, 4);
    tf.dispose([real, plain.loss, plain.accuracy, smoothed.loss, smoothed.accuracy]);
  });
});

describe('learning (wasm backend, with our training kernels)', () => {
  beforeAll(useWasmBackend);
  afterAll(useCpuBackend);

  /**
   * On images of one flat colour, the generator's fixed-seed output must move toward that
   * colour. Every random choice derives from the seed and single-threaded wasm is
   * deterministic, so for a given seed this is not a matter of luck; two seeds guard against
   * a lucky one.
   */
  test.each([1, 2])('the generator moves toward a flat-colour data set (seed %i)', async (seed) => {
    // Width 1/16 (1/32 starves the generator of channels) and a higher learning rate than
    // Heaton's, so the effect shows within 40 steps.
    const config: TrainConfig = { ...TINY, width: 1 / 16, batchSize: 8, seed, generatorLearningRate: 1e-3, discriminatorLearningRate: 1e-3 };
    const target = [220, 60, 30] as const;
    const targetScaled = tf.tensor1d(target.map((v) => v / 127.5 - 1));
    const gan = tracked(config);
    const set = flatColourSet(config, target);
    const distance = async () => {
      const images = generatePreview(gan);
      const mean = tf.tidy(() => tf.mean(tf.abs(tf.sub(images, targetScaled))));
      const value = (await mean.data())[0] ?? Number.NaN;
      tf.dispose([images, mean]);
      return value;
    };
    const before = await distance();
    for (let step = 0; step < 40; step++) {
      const real = sampleBatch(set, seed, step, config.batchSize, true);
      trainStep(gan, real, step, live).dispose();
      real.dispose();
    }
    const after = await distance();
    targetScaled.dispose();
    // Untrained output sits near 0, about 0.65 from the target on average; after 40 steps it
    // was measured at about 0.4 of that (seeds 1–3); require at least 0.6.
    expect(before).toBeGreaterThan(0.5);
    expect(after).toBeLessThan(before * 0.6);
  });
});

describe('backends agree', () => {
  afterAll(useCpuBackend);

  test.each([
    ['heaton', TINY],
    ['dcgan', TINY_DCGAN],
  ] as const)('%s: the first two steps on wasm match cpu', async (_name, config) => {
    const run = async () => {
      const gan = tracked({ ...config, dropout: 0 });
      const set = flatColourSet(config, [30, 160, 220]);
      const pending = [];
      for (let step = 0; step < 2; step++) {
        const real = sampleBatch(set, config.seed, step, config.batchSize, true);
        pending.push({ step, values: trainStep(gan, real, step, live) });
        real.dispose();
      }
      return readMetricRows(pending);
    };
    await useCpuBackend();
    const onCpu = await run();
    await useWasmBackend();
    const onWasm = await run();
    onCpu.forEach((row, i) => {
      for (const name of STEP_METRICS) expect(onWasm[i]?.[name], name).toBeCloseTo(row[name], 3);
    });
  });
});
