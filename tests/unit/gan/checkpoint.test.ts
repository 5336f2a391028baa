import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createImageSet, sampleBatch, type ImageSet } from '../../../src/data/dataset.ts';
import {
  CheckpointError,
  captureCheckpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  restoreCheckpoint,
  type Checkpoint,
} from '../../../src/gan/checkpoint.ts';
import { createGan, disposeGan, trainStep, type Gan } from '../../../src/gan/train-step.ts';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../src/protocol/config.ts';
import type { MetricRow } from '../../../src/protocol/metrics.ts';
import { useCpuBackend } from '../backends.ts';

beforeAll(useCpuBackend);

/** Tiny configs with dropout on, so the mask counters matter. */
const TINY: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, batchSize: 4, latentSize: 8, dropout: 0.25, gridRows: 1, gridCols: 2 };
const TINY_DCGAN: TrainConfig = { ...TINY, architecture: 'dcgan' };

let gans: Gan[] = [];
function tracked(gan: Gan): Gan {
  gans.push(gan);
  return gan;
}
afterEach(() => {
  gans.forEach(disposeGan);
  gans = [];
});

function noiseSet(config: TrainConfig, count = 8): ImageSet {
  const side = config.resolution;
  const pixels = new Uint8Array(count * side * side * 3).map((_, i) => (i * 37 + 11) % 256);
  return createImageSet(pixels, side, 3);
}

/** Trains steps [from, to) and returns each step's metric values, read back asynchronously. */
async function train(gan: Gan, set: ImageSet, from: number, to: number): Promise<number[][]> {
  const rows: number[][] = [];
  for (let step = from; step < to; step++) {
    const batch = sampleBatch(set, gan.config.seed, step, gan.config.batchSize, gan.config.flip);
    const metrics = trainStep(gan, batch, step, { labelSmoothing: 0 });
    batch.dispose();
    rows.push(Array.from(await metrics.data()));
    metrics.dispose();
  }
  return rows;
}

function allWeights(gan: Gan): number[][] {
  return [...gan.generator.getWeights(), ...gan.discriminator.getWeights()].map((w) => Array.from(w.dataSync()));
}

const history: MetricRow[] = [
  { step: 0, dRealLoss: 0.7, dRealAccuracy: 0.5, dFakeLoss: 0.69, dFakeAccuracy: 0.25, gLoss: 0.8, gAccuracy: 0 },
  { step: 1, dRealLoss: NaN, dRealAccuracy: 1, dFakeLoss: Infinity, dFakeAccuracy: 0.5, gLoss: -Infinity, gAccuracy: 0.75 },
];

async function checkpointAfter(config: TrainConfig, steps: number): Promise<{ gan: Gan; checkpoint: Checkpoint; set: ImageSet }> {
  const gan = tracked(createGan(config));
  const set = noiseSet(config);
  await train(gan, set, 0, steps);
  const checkpoint = await captureCheckpoint(gan, { step: steps, metrics: history, datasetIdentity: 'faces.zip@16' });
  return { gan, checkpoint, set };
}

describe.each([
  ['heaton', TINY],
  ['dcgan', TINY_DCGAN],
] as const)('%s checkpoint round trip', (_name, config) => {
  test('a restored run continues bit-identically', async () => {
    const { gan, checkpoint, set } = await checkpointAfter(config, 3);
    // Heaton's discriminator has dropout, so its counters are live state here; dcgan has none.
    expect(checkpoint.dropoutMaskCounts.some((count) => count > 0)).toBe(config.architecture === 'heaton');
    const restored = tracked(await restoreCheckpoint(decodeCheckpoint(encodeCheckpoint(checkpoint))));

    const original = await train(gan, set, 3, 6);
    const resumed = await train(restored, set, 3, 6);
    expect(resumed).toEqual(original);
    expect(allWeights(restored)).toEqual(allWeights(gan));
    expect(restored.dropouts.map((d) => d.maskCount)).toEqual(gan.dropouts.map((d) => d.maskCount));
  });

  test('preserves step, config, metrics, dataset identity and app version', async () => {
    const { checkpoint } = await checkpointAfter(config, 1);
    const decoded = decodeCheckpoint(encodeCheckpoint(checkpoint));
    expect(decoded.step).toBe(1);
    expect(decoded.config).toEqual(config);
    expect(decoded.metrics).toEqual(history);
    expect(decoded.datasetIdentity).toBe('faces.zip@16');
    expect(decoded.appVersion).toBe(checkpoint.appVersion);
    expect(decoded.dropoutMaskCounts).toEqual(checkpoint.dropoutMaskCounts);
    expect(decoded.generatorOptimizer.slots.length).toBe(checkpoint.generatorOptimizer.slots.length);
    expect(decoded.quality).toEqual([]);
  });

  test('carries the quality history, and refuses a malformed one', async () => {
    const { checkpoint } = await checkpointAfter(config, 1);
    const quality = [
      { step: 0, swd: 120.5, perLevel: [100, 141], images: 20 },
      { step: 1, swd: 98.25, perLevel: [90, 106.5], images: 20 },
    ];
    expect(decodeCheckpoint(encodeCheckpoint({ ...checkpoint, quality })).quality).toEqual(quality);
    const malformed = { ...checkpoint, quality: [{ step: 0, swd: Number.NaN, perLevel: [], images: 20 }] };
    expect(() => decodeCheckpoint(encodeCheckpoint(malformed))).toThrow(/quality history is malformed/);
  });
});

test('a checkpoint taken before the first step (no Adam slots yet) restores', async () => {
  const gan = tracked(createGan(TINY));
  const checkpoint = await captureCheckpoint(gan, { step: 0, metrics: [], datasetIdentity: null });
  expect(checkpoint.generatorOptimizer.slots).toEqual([]);
  const restored = tracked(await restoreCheckpoint(decodeCheckpoint(encodeCheckpoint(checkpoint))));
  const set = noiseSet(TINY);
  expect(await train(restored, set, 0, 2)).toEqual(await train(gan, set, 0, 2));
});

test('capture, restore and dispose leak no tensors', async () => {
  const { gan, checkpoint } = await checkpointAfter(TINY, 1);
  const baseline = tf.memory().numTensors;
  await captureCheckpoint(gan, { step: 1, metrics: [], datasetIdentity: null });
  expect(tf.memory().numTensors).toBe(baseline);
  const restored = await restoreCheckpoint(decodeCheckpoint(encodeCheckpoint(checkpoint)));
  disposeGan(restored);
  expect(tf.memory().numTensors).toBe(baseline);
  // A failed restore frees what it built.
  await expect(restoreCheckpoint({ ...checkpoint, generator: checkpoint.generator.slice(1) })).rejects.toThrow(CheckpointError);
  expect(tf.memory().numTensors).toBe(baseline);
});

describe('decodeCheckpoint refuses bad files', () => {
  async function encoded(): Promise<Uint8Array> {
    const { checkpoint } = await checkpointAfter(TINY, 1);
    return encodeCheckpoint(checkpoint);
  }

  function errorOf(run: () => unknown): CheckpointError {
    try {
      run();
    } catch (error) {
      if (error instanceof CheckpointError) return error;
      throw error;
    }
    throw new Error('expected a CheckpointError');
  }

  test('wrong magic', () => {
    const error = errorOf(() => decodeCheckpoint(new TextEncoder().encode('PK\u0003\u0004 a zip, not a checkpoint')));
    expect(error.code).toBe('not-a-checkpoint');
    expect(error.message).toBe('This file is not a Ganvas checkpoint.');
  });

  test('a flipped payload byte', async () => {
    const bytes = await encoded();
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0x40;
    const error = errorOf(() => decodeCheckpoint(bytes));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/damaged.*checksum/);
  });

  test('a flipped header byte', async () => {
    const bytes = await encoded();
    bytes[40] = (bytes[40] ?? 0) ^ 0x01;
    expect(errorOf(() => decodeCheckpoint(bytes)).code).toBe('corrupt');
  });

  test('a truncated file', async () => {
    const bytes = await encoded();
    for (const length of [12, 100, bytes.length - 1]) {
      const error = errorOf(() => decodeCheckpoint(bytes.subarray(0, length)));
      expect(error.code, `cut at ${length}`).toBe('truncated');
      expect(error.message).toMatch(/incomplete/);
    }
  });

  test('a newer format version', async () => {
    const bytes = await encoded();
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(8, 99, true);
    const error = errorOf(() => decodeCheckpoint(bytes));
    expect(error.code).toBe('unsupported-version');
    expect(error.message).toMatch(/newer version of Ganvas/);
  });

  test('an invalid config', async () => {
    const { checkpoint } = await checkpointAfter(TINY, 1);
    const error = errorOf(() => decodeCheckpoint(encodeCheckpoint({ ...checkpoint, config: { ...checkpoint.config, batchSize: 0 } })));
    expect(error.code).toBe('invalid-config');
    expect(error.message).toMatch(/Batch size: enter a whole number from 1 to 512 \(0 is too small\)/);
  });
});

test('a checkpoint saved before quality was measured (no qualityEvery) loads, with quality off as its run had it', async () => {
  const { checkpoint } = await checkpointAfter(TINY, 1);
  const { qualityEvery: _dropped, ...older } = checkpoint.config;
  const decoded = decodeCheckpoint(encodeCheckpoint({ ...checkpoint, config: older as TrainConfig }));
  expect(decoded.config).toEqual({ ...checkpoint.config, qualityEvery: 0 });
});

test('weights that do not fit the architecture are refused on restore', async () => {
  const { checkpoint: small } = await checkpointAfter(TINY, 1);
  const { checkpoint: large } = await checkpointAfter({ ...TINY, resolution: 32 }, 1);
  // A 32 px run's tensors under a 16 px header: what an edited or mismatched file looks like.
  const mislabelled = decodeCheckpoint(encodeCheckpoint({ ...large, config: small.config }));
  const error = await restoreCheckpoint(mislabelled).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as CheckpointError).code).toBe('incompatible');
  expect((error as CheckpointError).message).toMatch(/^This checkpoint is for heaton at 16 px .*; it was probably saved by another version of Ganvas/);
});
