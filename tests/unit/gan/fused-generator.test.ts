/**
 * Training with G's UpSampling2D + Conv2D pairs fused (src/gan/fused-generator.ts) must give the
 * same step as the plain layers, and leave a generator that saves and loads as plain
 * Keras-compatible layers.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, test } from 'vitest';
import { buildGeneratorFromZip, readGeneratorZip } from '../../../src/data/exports/generator-zip.ts';
import { createImageSet, sampleBatch } from '../../../src/data/dataset.ts';
import { buildModels } from '../../../src/gan/architectures.ts';
import { countFusablePairs } from '../../../src/gan/fused-generator.ts';
import { modelArtifacts } from '../../../src/gan/model-artifacts.ts';
import { PHASE_DEINTERLEAVE, PHASE_INTERLEAVE } from '../../../src/gan/upsample-conv.ts';
import { createGan, disposeGan, trainStep, type Gan } from '../../../src/gan/train-step.ts';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../src/protocol/config.ts';
import type { RunSummary } from '../../../src/protocol/messages.ts';
import { generatorZip } from '../../../src/ui/downloads.ts';
import { useCpuBackend, useWasmBackend } from '../backends.ts';

/** 64 px: all four of Heaton's generator blocks upsample by 2, so all four are fused. */
const TINY_64: TrainConfig = { ...HEATON_DEFAULTS, resolution: 64, width: 1 / 32, batchSize: 4, latentSize: 16, gridRows: 2, gridCols: 2 };
const STEPS = 3;
const TOL = 1e-4;

let gans: Gan[] = [];
afterEach(() => {
  gans.forEach(disposeGan);
  gans = [];
});

function tracked(config: TrainConfig, fusedUpsampleConv: boolean): Gan {
  const gan = createGan(config, { fusedUpsampleConv });
  gans.push(gan);
  return gan;
}

/** A toy data set of random pixels, the same for every run. */
function randomImageSet(config: TrainConfig, count = 8) {
  const side = config.resolution;
  const pixels = new Uint8Array(count * side * side * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  return createImageSet(pixels, side, 3);
}

/** Runs real training steps and returns each step's metrics (losses and accuracies). */
function train(gan: Gan, steps = STEPS): number[][] {
  const set = randomImageSet(gan.config);
  const rows: number[][] = [];
  for (let step = 0; step < steps; step++) {
    const real = sampleBatch(set, gan.config.seed, step, gan.config.batchSize, false);
    const metrics = trainStep(gan, real, step, { labelSmoothing: 0 });
    rows.push(Array.from(metrics.dataSync()));
    tf.dispose([real, metrics]);
  }
  return rows;
}

test('Heaton generators have a fusable pair per upsample-by-2 block; DCGAN has none', async () => {
  await useCpuBackend();
  const pairs = (config: TrainConfig): number => {
    const models = buildModels(config);
    const count = countFusablePairs(models.generator);
    models.generator.dispose();
    models.discriminator.dispose();
    return count;
  };
  expect(pairs({ ...TINY_64, resolution: 16 })).toBe(2);
  expect(pairs(TINY_64)).toBe(4);
  // 96 px: the last block upsamples by 3 and stays plain.
  expect(pairs({ ...TINY_64, resolution: 96 })).toBe(3);
  expect(pairs({ ...TINY_64, architecture: 'dcgan' })).toBe(0);
});

describe.each([
  ['cpu', useCpuBackend],
  ['wasm', useWasmBackend],
] as const)('training on %s', (name, use) => {
  test(`${STEPS} steps with and without the fused blocks give the same losses to 1e-4`, async () => {
    await use();
    expect(tf.getBackend()).toBe(name);
    const plain = train(tracked(TINY_64, false));
    let fused: number[][] = [];
    const profile = await tf.profile(() => {
      fused = train(tracked(TINY_64, true));
    });
    // The fused path really ran: interleaves instead of upsampling.
    expect(profile.kernelNames).toContain(PHASE_INTERLEAVE);
    expect(profile.kernelNames).toContain(PHASE_DEINTERLEAVE);
    expect(profile.kernelNames).not.toContain('ResizeNearestNeighbor');
    expect(fused).toHaveLength(STEPS);
    fused.forEach((row, step) =>
      row.forEach((value, i) => expect(Math.abs(value - (plain[step]?.[i] ?? NaN)), `step ${step}, metric ${i}`).toBeLessThan(TOL)),
    );
  });

  test('a fused step leaks no tensors', async () => {
    await use();
    const gan = tracked(TINY_64, true);
    train(gan, 1); // burn-in: optimiser slots are created on the first step
    const before = tf.memory().numTensors;
    train(gan, 1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

test('a generator trained fused downloads as plain Keras layers and loads with the same weights', async () => {
  await useWasmBackend();
  const gan = tracked(TINY_64, true);
  train(gan);
  const artifacts = await modelArtifacts(gan.generator);
  const summary: RunSummary = {
    config: TINY_64,
    step: STEPS,
    seed: TINY_64.seed,
    dataset: { name: 'random.zip', count: 8, side: 64, channels: 3, crop: 'centre' },
    backend: 'wasm',
    savedAt: '2026-12-05T17:00:00.000Z',
  };
  const file = new File([await generatorZip(artifacts, summary)], 'ganvas-generator.zip');
  const model = await buildGeneratorFromZip(await readGeneratorZip(file, file.name), file.name);
  try {
    // The same layers, in Keras's classes, as an unfused generator of the same config.
    const plain = tracked(TINY_64, false);
    const classes = (m: tf.LayersModel) => m.layers.map((layer) => `${layer.name}:${layer.getClassName()}`);
    expect(classes(model)).toEqual(classes(plain.generator));
    expect(classes(model).filter((c) => c.endsWith(':UpSampling2D'))).toHaveLength(4);
    // The saved weights have the names and shapes a plain generator saves.
    const plainSpecs = (await modelArtifacts(plain.generator)).weightSpecs;
    expect(artifacts.weightSpecs).toEqual(plainSpecs);
    expect(plainSpecs.map((spec) => spec.name)).toContain('g_conv_4/kernel');
    expect(model.countParams()).toBe(plain.generator.countParams());
    // And the trained values: the loaded model draws what the trained one draws.
    const z = tf.randomNormal([2, TINY_64.latentSize], 0, 1, 'float32', 9);
    const [trained, loaded] = [gan.generator.predict(z) as tf.Tensor, model.predict(z) as tf.Tensor];
    expect(Array.from(await loaded.data())).toEqual(Array.from(await trained.data()));
    tf.dispose([z, trained, loaded]);
  } finally {
    model.dispose();
  }
});
