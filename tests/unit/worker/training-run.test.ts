import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { createImageSet } from '../../../src/data/dataset.ts';
import { HEATON_DEFAULTS, gridSize, type TrainConfig } from '../../../src/protocol/config.ts';
import type { FromWorker } from '../../../src/protocol/messages.ts';
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from '../../../src/gan/checkpoint.ts';
import { createTrainingRun, type RunContext, type TrainingRun } from '../../../src/worker/training-run.ts';
import { createMemoryCheckpointStore } from './memory-checkpoint-store.ts';
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

/**
 * The run's time is the test's: its clock advances 100 ms per reading (metrics flush every third
 * step), and between turns it runs `at`'s action once the step is reached. Tests wait on
 * whenSettled, never on a timer.
 */
function timed(at: [number, (run: TrainingRun) => void][] = []): Pick<RunContext, 'now' | 'yieldTurn'> & { bind(run: TrainingRun): void } {
  let clock = 0;
  let bound: TrainingRun | null = null;
  const left = [...at];
  return {
    now: () => (clock += 100),
    yieldTurn: async () => {
      if (!bound) return;
      const run = bound;
      const due = left.findIndex(([step]) => run.step >= step);
      if (due >= 0) left.splice(due, 1)[0]?.[1](run);
    },
    bind: (run) => (bound = run),
  };
}

function harness(config: TrainConfig = TINY, store: ReturnType<typeof createMemoryCheckpointStore> | null = null, at: [number, (run: TrainingRun) => void][] = []) {
  const posted: FromWorker[] = [];
  const pixels = new Uint8Array(8 * 16 * 16 * 3).map((_, i) => (i * 37) % 256);
  const time = timed(at);
  const run = createTrainingRun(config, {
    set: createImageSet(pixels, 16, 3),
    backend: 'wasm',
    datasetSummary: { name: 'test', count: 8, side: 16, channels: 3, crop: 'centre' },
    datasetIdentity: 'pixels:v1:test:8:16:3:centre',
    store,
    post: (message) => posted.push(message),
    now: time.now,
    yieldTurn: time.yieldTurn,
  });
  time.bind(run);
  const of = <T extends FromWorker['type']>(type: T) => posted.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
  return { run, posted, of, store };
}

describe('createTrainingRun', () => {
  test('runs to the end: every step reported once, grids at each preview interval and the end', async () => {
    const { run, of } = harness();
    await run.start();
    await run.whenSettled();
    expect(run.state).toBe('done');
    const steps = of('metrics').flatMap((m) => m.rows.map((r) => r.step));
    expect(steps).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // Step 0 (untrained) when starting, every 5 steps, and the final weights at step 12.
    expect(of('grid').map((g) => g.step)).toEqual([0, 5, 10, 12]);
    const { width, height } = gridSize(TINY);
    expect(of('grid').every((g) => g.kind === 'training' && g.image.width === width && g.image.height === height)).toBe(true);
    expect(of('run-state').at(-1)).toEqual({ type: 'run-state', state: 'done', step: 12, totalSteps: 12 });
    await run.dispose();
  });

  test('pause stops stepping, single steps add exactly one, resume continues, stop ends', async () => {
    const { run, of } = harness({ ...TINY, steps: 1000, previewEvery: 1000 }, null, [
      [3, (r) => void r.pause()],
      [8, (r) => void r.stop()],
    ]);
    await run.start();
    await run.whenSettled();
    const pausedAt = run.step;
    expect(pausedAt).toBe(3);
    expect(of('run-state').at(-1)?.state).toBe('paused');

    await run.stepOnce();
    await run.whenSettled();
    expect(run.step).toBe(pausedAt + 1);
    expect(run.state).toBe('paused');

    await run.resume();
    await run.whenSettled();
    expect(of('run-state').at(-1)?.state).toBe('stopped');
    const stoppedAt = run.step;
    expect(stoppedAt).toBe(8);
    // Metric rows cover every step exactly once, in order.
    expect(of('metrics').flatMap((m) => m.rows.map((r) => r.step))).toEqual(Array.from({ length: stoppedAt }, (_, i) => i + 1));
    await run.dispose();
  });

  test('live settings apply from the next step and are echoed with the metrics', async () => {
    const live = { generatorLearningRate: 1e-3, discriminatorLearningRate: 2e-3, labelSmoothing: 0.1, previewEvery: 3 };
    const { run, of } = harness({ ...TINY, steps: 1000, previewEvery: 1000 }, null, [
      [2, (r) => void r.setLive(live)],
      [9, (r) => void r.stop()],
    ]);
    await run.start();
    await run.whenSettled();
    const changedAt = 2;
    const after = of('metrics').filter((m) => m.rows.some((r) => r.step > changedAt + 1));
    expect(after.at(-1)?.live).toEqual({ generatorLearningRate: 1e-3, discriminatorLearningRate: 2e-3, labelSmoothing: 0.1, previewEvery: 3 });
    // The new preview interval took effect: grids now come every 3 steps.
    expect(of('grid').some((g) => g.step > changedAt && g.step % 3 === 0)).toBe(true);
    await run.dispose();
  });

  test('the exported generator reproduces the preview grid and leaves no tensors behind', async () => {
    const { run, of } = harness({ ...TINY, steps: 5 });
    await run.start();
    await run.whenSettled();
    expect(run.state === 'done' && of('grid').some((g) => g.step === 5)).toBe(true);
    const before = tf.memory().numTensors;
    const { artifacts, summary } = await run.exportGenerator();
    expect(tf.memory().numTensors).toBe(before);
    expect(summary).toMatchObject({ step: 5, seed: TINY.seed, backend: 'wasm', dataset: { name: 'test', count: 8 } });
    expect(summary.config.resolution).toBe(16);
    const model = await tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, weightData: artifacts.weightData } as tf.io.ModelArtifacts));
    expect(model.outputs[0]?.shape).toEqual([null, 16, 16, 3]);
    model.dispose();
    await run.dispose();
  });
});

describe('checkpoints and divergence', () => {
  /** A run saving into a real (in-memory) implementation of the checkpoint store. */
  const storedHarness = (config: TrainConfig, at: [number, (run: TrainingRun) => void][] = []) => {
    const { run, posted, of, store } = harness(config, createMemoryCheckpointStore(), at);
    if (!store) throw new Error('storedHarness needs a store');
    return { run, posted, of, store };
  };

  test('saves a checkpoint at every preview interval and on pause, with the metric history', async () => {
    const { run, of, store } = storedHarness({ ...TINY, steps: 1000, previewEvery: 3 }, [[7, (r) => void r.pause()]]);
    await run.start();
    await run.whenSettled();
    expect(of('run-state').at(-1)?.state).toBe('paused');
    expect(of('checkpoint-saved').map((m) => m.step)).toEqual([3, 6, 7]);
    const latest = await store.loadLatest();
    if (!latest) throw new Error('nothing stored');
    const checkpoint = decodeCheckpoint(latest.bytes);
    expect(checkpoint.step).toBe(run.step);
    expect(checkpoint.datasetIdentity).toBe('pixels:v1:test:8:16:3:centre');
    expect(checkpoint.metrics.map((r) => r.step)).toEqual(Array.from({ length: run.step }, (_, i) => i + 1));
    expect(latest.summary).toMatchObject({ step: run.step, datasetName: 'test' });
    await run.dispose();
  });

  test('a failing store is reported and training carries on', async () => {
    const { run, of, store } = storedHarness({ ...TINY, steps: 7, previewEvery: 3 });
    store.failWith = { ok: false, reason: 'quota', message: 'Not enough browser storage to save a checkpoint.' };
    await run.start();
    await run.whenSettled();
    expect(run.state).toBe('done');
    expect(of('checkpoint-save-failed').length).toBeGreaterThanOrEqual(2);
    expect(of('checkpoint-save-failed').map((m) => m.message)[0]).toBe('Not enough browser storage to save a checkpoint.');
    expect(run.step).toBe(7);
    await run.dispose();
  });

  test('a restored run continues exactly like the original', async () => {
    const config = { ...TINY, steps: 1000, previewEvery: 4 };
    const original = storedHarness(config, [[4, (r) => void r.pause()]]);
    await original.run.start();
    await original.run.whenSettled();
    expect([original.run.step, original.run.state]).toEqual([4, 'paused']);
    // Round-trip through the file format, as a download and a later load would.
    const snapshot = await original.run.captureNow();
    const bytes = encodeCheckpoint(snapshot);
    await original.run.stepOnce();
    await original.run.whenSettled();
    expect(original.run.step).toBe(snapshot.step + 1);
    const expected = await original.run.captureNow();

    const restoredCheckpoint = decodeCheckpoint(bytes);
    const gan = await restoreCheckpoint(restoredCheckpoint);
    const posted: FromWorker[] = [];
    const pixels = new Uint8Array(8 * 16 * 16 * 3).map((_, i) => (i * 37) % 256);
    const resumed = createTrainingRun(restoredCheckpoint.config, {
      set: createImageSet(pixels, 16, 3),
      backend: 'wasm',
      datasetSummary: null,
      datasetIdentity: restoredCheckpoint.datasetIdentity,
      store: null,
      post: (message) => posted.push(message),
    }, { gan, step: restoredCheckpoint.step, metrics: restoredCheckpoint.metrics, quality: restoredCheckpoint.quality, reason: 'loaded' });
    resumed.announceRestored('loaded');
    expect(posted.find((m) => m.type === 'run-restored')).toMatchObject({ type: 'run-restored', reason: 'loaded', step: snapshot.step });
    expect(resumed.state).toBe('paused');
    await resumed.stepOnce();
    await resumed.whenSettled();
    expect(resumed.step).toBe(snapshot.step + 1);
    const actual = await resumed.captureNow();
    expect(actual.generator.map((w) => Array.from(w.values))).toEqual(expected.generator.map((w) => Array.from(w.values)));
    expect(actual.metrics.at(-1)).toEqual(expected.metrics.at(-1));
    await original.run.dispose();
    await resumed.dispose();
  });

  test('non-finite losses pause the run and roll back to the last good checkpoint', async () => {
    // After the step-3 checkpoint, an infinite learning rate sends the weights to ±Infinity/NaN on the next update.
    const { run, of } = storedHarness({ ...TINY, steps: 1000, previewEvery: 3 }, [
      [4, (r) => void r.setLive({ generatorLearningRate: Infinity, discriminatorLearningRate: Infinity, labelSmoothing: 0, previewEvery: 3 })],
    ]);
    await run.start();
    await run.whenSettled();
    expect(of('run-state').at(-1)?.state).toBe('paused');
    const restored = of('run-restored')[0];
    if (!restored) throw new Error('no rollback');
    expect(restored.reason).toBe('rolled-back');
    expect(restored.step % 3).toBe(0);
    expect(run.step).toBe(restored.step);
    expect(restored.rows.map((r) => r.step)).toEqual(Array.from({ length: restored.step }, (_, i) => i + 1));
    const message = of('error').at(-1)?.message ?? '';
    expect(message).toMatch(/^Training diverged at step \d+ \((the loss became (NaN|infinite)|a weight became NaN or infinite)\); rolled back to step \d+\. Try a lower learning rate\.$/);
    expect(message).toContain(`rolled back to step ${restored.step}.`);
    // Metrics after the rollback never include a non-finite row.
    expect(of('metrics').flatMap((m) => m.rows).every((r) => Number.isFinite(r.gLoss) && Number.isFinite(r.dRealLoss))).toBe(true);
    await run.dispose();
  });
});

describe('quality measurements', () => {
  test('a run with 120 images holds back 12 and reports SWD at step 0 and every interval; checkpoints carry it', async () => {
    const posted: FromWorker[] = [];
    const store = createMemoryCheckpointStore();
    const pixels = new Uint8Array(120 * 16 * 16 * 3).map((_, i) => (i * 29) % 256);
    const config = { ...TINY, steps: 10, previewEvery: 5, qualityEvery: 5 };
    const run = createTrainingRun(config, {
      set: createImageSet(pixels, 16, 3),
      backend: 'wasm',
      datasetSummary: null,
      datasetIdentity: 'pixels:v1:test:120:16:3:centre',
      store,
      post: (message) => posted.push(message),
    });
    const quality = () => posted.flatMap((m) => (m.type === 'quality' ? [m.row] : []));
    await run.start();
    await run.whenSettled();
    expect(run.state).toBe('done');
    const steps = quality().map((row) => row.step);
    // Step 0, then each interval (a measurement that falls due while one is in flight starts at
    // the next free step boundary instead of holding training up), and the final step.
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(10);
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(steps.some((s) => s >= 5 && s < 10) || steps.length === 2).toBe(true);
    expect(quality().every((row) => row.images === 12 && Number.isFinite(row.swd) && row.swd > 0)).toBe(true);
    const saved = await run.captureNow();
    expect(saved.quality.map((row) => row.step)).toEqual(steps);
    await run.dispose();
  });

  test('quality off (0): nothing is measured', async () => {
    const posted: FromWorker[] = [];
    const pixels = new Uint8Array(120 * 16 * 16 * 3).map((_, i) => (i * 29) % 256);
    const run = createTrainingRun({ ...TINY, steps: 5, qualityEvery: 0 }, {
      set: createImageSet(pixels, 16, 3),
      backend: 'wasm',
      datasetSummary: null,
      datasetIdentity: null,
      store: null,
      post: (message) => posted.push(message),
    });
    await run.start();
    await run.whenSettled();
    expect(run.state).toBe('done');
    expect(posted.some((m) => m.type === 'quality')).toBe(false);
    await run.dispose();
  });
});
