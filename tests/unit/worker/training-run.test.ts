import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { createImageSet } from '../../../src/data/dataset.ts';
import { HEATON_DEFAULTS, gridSize, type TrainConfig } from '../../../src/protocol/config.ts';
import type { FromWorker } from '../../../src/protocol/messages.ts';
import { createTrainingRun } from '../../../src/worker/training-run.ts';
import { useWasmBackend } from '../backends.ts';

beforeAll(useWasmBackend);

const TINY: TrainConfig = {
  ...HEATON_DEFAULTS,
  resolution: 16,
  width: 1 / 16,
  batchSize: 4,
  latentSize: 8,
  steps: 12,
  previewEvery: 5,
  gridRows: 2,
  gridCols: 3,
};

function harness(config: TrainConfig = TINY) {
  const posted: FromWorker[] = [];
  const pixels = new Uint8Array(8 * 16 * 16 * 3).map((_, i) => (i * 37) % 256);
  const run = createTrainingRun(config, {
    set: createImageSet(pixels, 16, 3),
    backend: 'wasm',
    datasetSummary: { name: 'test', count: 8, side: 16, channels: 3, crop: 'centre' },
    post: (message) => posted.push(message),
  });
  const of = <T extends FromWorker['type']>(type: T) => posted.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
  return { run, posted, of };
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error('timed out waiting for the run');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createTrainingRun', () => {
  test('runs to the end: every step reported once, grids at each preview interval and the end', async () => {
    const { run, of } = harness();
    run.start();
    await until(() => run.state === 'done');
    await until(() => of('grid').some((g) => g.step === 12));
    const steps = of('metrics').flatMap((m) => m.rows.map((r) => r.step));
    expect(steps).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // Step 0 (untrained) when starting, every 5 steps, and the final weights at step 12.
    expect(of('grid').map((g) => g.step)).toEqual([0, 5, 10, 12]);
    const { width, height } = gridSize(TINY);
    expect(of('grid').every((g) => g.kind === 'training' && g.image.width === width && g.image.height === height)).toBe(true);
    expect(of('run-state').at(-1)).toEqual({ type: 'run-state', state: 'done', step: 12, totalSteps: 12 });
    run.dispose();
  });

  test('pause stops stepping, single steps add exactly one, resume continues, stop ends', async () => {
    const { run, of } = harness({ ...TINY, steps: 1000, previewEvery: 1000 });
    run.start();
    await until(() => run.step >= 3);
    await run.pause();
    await until(() => of('run-state').at(-1)?.state === 'paused');
    const pausedAt = run.step;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(run.step).toBe(pausedAt);

    run.stepOnce();
    await until(() => run.step === pausedAt + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(run.step).toBe(pausedAt + 1);
    expect(run.state).toBe('paused');

    run.resume();
    await until(() => run.step >= pausedAt + 4);
    await run.stop();
    await until(() => of('run-state').at(-1)?.state === 'stopped');
    const stoppedAt = run.step;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(run.step).toBe(stoppedAt);
    // Metric rows cover every step exactly once, in order.
    expect(of('metrics').flatMap((m) => m.rows.map((r) => r.step))).toEqual(Array.from({ length: stoppedAt }, (_, i) => i + 1));
    run.dispose();
  });

  test('live settings apply from the next step and are echoed with the metrics', async () => {
    const { run, of } = harness({ ...TINY, steps: 1000, previewEvery: 1000 });
    run.start();
    await until(() => run.step >= 2);
    run.setLive({ generatorLearningRate: 1e-3, discriminatorLearningRate: 2e-3, labelSmoothing: 0.1, previewEvery: 3 });
    const changedAt = run.step;
    await until(() => of('metrics').some((m) => m.rows.some((r) => r.step > changedAt + 3)));
    await run.stop();
    const after = of('metrics').filter((m) => m.rows.some((r) => r.step > changedAt + 1));
    expect(after.at(-1)?.live).toEqual({ generatorLearningRate: 1e-3, discriminatorLearningRate: 2e-3, labelSmoothing: 0.1, previewEvery: 3 });
    // The new preview interval took effect: grids now come every 3 steps.
    expect(of('grid').some((g) => g.step > changedAt && g.step % 3 === 0)).toBe(true);
    run.dispose();
  });

  test('the exported generator reproduces the preview grid and leaves no tensors behind', async () => {
    const { run, of } = harness({ ...TINY, steps: 5 });
    run.start();
    await until(() => run.state === 'done' && of('grid').some((g) => g.step === 5));
    const before = tf.memory().numTensors;
    const { artifacts, summary } = await run.exportGenerator();
    expect(tf.memory().numTensors).toBe(before);
    expect(summary).toMatchObject({ step: 5, seed: TINY.seed, backend: 'wasm', dataset: { name: 'test', count: 8 } });
    expect(summary.config.resolution).toBe(16);
    const model = await tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, weightData: artifacts.weightData } as tf.io.ModelArtifacts));
    expect(model.outputs[0]?.shape).toEqual([null, 16, 16, 3]);
    model.dispose();
    run.dispose();
  });
});
