import { describe, expect, test } from 'vitest';
import { HEATON_DEFAULTS } from '../../../src/protocol/config.ts';
import type { DatasetReport } from '../../../src/protocol/dataset.ts';
import type { WorkerEvent } from '../../../src/protocol/messages.ts';
import { elapsedMs, INITIAL_TRAINER_STATE, reduceTrainer, type PageAction, type TrainerState } from '../../../src/ui/trainer-state.ts';

function apply(actions: [WorkerEvent | PageAction, number][], state: TrainerState = INITIAL_TRAINER_STATE): TrainerState {
  return actions.reduce((s, [action, now]) => reduceTrainer(s, action, now), state);
}

const row = (step: number) => ({ step, dRealLoss: 1, dRealAccuracy: 0.5, dFakeLoss: 1, dFakeAccuracy: 0.5, gLoss: 1, gAccuracy: 0.5 });
const live = { generatorLearningRate: 1e-4, discriminatorLearningRate: 1e-4, labelSmoothing: 0, previewEvery: 10 };
const report: DatasetReport = {
  source: 'zip',
  name: 'faces.zip',
  count: 3,
  side: 16,
  channels: 3,
  crop: 'centre',
  skipped: [],
  cache: { status: 'stored' },
  seconds: 1,
};
const image = { width: 2, height: 1, pixels: new ArrayBuffer(8) };

describe('reduceTrainer', () => {
  test('accumulates metric deltas into series and advances the step', () => {
    const state = apply([
      [{ type: 'run-state', state: 'running', step: 0, totalSteps: 100 }, 0],
      [{ type: 'metrics', rows: [row(1), row(2)], imagesPerSecond: 10, memory: { numTensors: 5, numBytes: 100 }, live }, 10],
      [{ type: 'metrics', rows: [row(3)], imagesPerSecond: 12, memory: { numTensors: 5, numBytes: 100 }, live }, 20],
    ]);
    expect(state.rows.map((r) => r.step)).toEqual([1, 2, 3]);
    expect(state.throughput).toEqual([
      { step: 2, imagesPerSecond: 10 },
      { step: 3, imagesPerSecond: 12 },
    ]);
    expect(state.run?.step).toBe(3);
    expect(state.live).toEqual(live);
  });

  test('counts elapsed time only while running', () => {
    const state = apply([
      [{ type: 'run-state', state: 'running', step: 0, totalSteps: 100 }, 1000],
      [{ type: 'run-state', state: 'paused', step: 5, totalSteps: 100 }, 4000],
      [{ type: 'run-state', state: 'running', step: 5, totalSteps: 100 }, 10_000],
    ]);
    const run = state.run;
    if (!run) throw new Error('no run');
    expect(elapsedMs(run, 12_000)).toBe(3000 + 2000);
  });

  test('a cancelled load keeps the previous set; a failed one shows its message and keeps it too', () => {
    const loaded = apply([
      [{ type: 'page/load-started', source: 'faces.zip' }, 0],
      [{ type: 'dataset', report, sample: image, identity: 'pixels:v1:abc:1:16:3:centre' }, 1],
    ]);
    const cancelled = apply(
      [
        [{ type: 'page/load-started', source: 'other.zip' }, 2],
        [{ type: 'load-failed', message: 'Loading was cancelled.', cancelled: true }, 3],
      ],
      loaded,
    );
    expect(cancelled.load.status).toBe('ready');
    const failed = apply(
      [
        [{ type: 'page/load-started', source: 'bad.zip' }, 2],
        [{ type: 'load-failed', message: 'This file is not a zip archive.', cancelled: false }, 3],
      ],
      loaded,
    );
    expect(failed.load).toMatchObject({ status: 'failed', message: 'This file is not a zip archive.', previous: { report } });
  });

  test('untrained and training grids go to their own slots; a new run clears the series', () => {
    const state = apply([
      [{ type: 'grid', kind: 'untrained', step: 0, image }, 0],
      [{ type: 'grid', kind: 'training', step: 10, image }, 1],
      [{ type: 'metrics', rows: [row(1)], imagesPerSecond: 1, memory: { numTensors: 1, numBytes: 1 }, live }, 2],
    ]);
    expect(state.untrainedGrid?.step).toBe(0);
    expect(state.latestGrid?.step).toBe(10);
    const fresh = reduceTrainer(state, { type: 'page/run-requested' }, 3);
    expect([fresh.rows, fresh.latestGrid, fresh.run]).toEqual([[], null, null]);
    expect(fresh.untrainedGrid?.step).toBe(0);
  });
});

describe('reduceTrainer checkpoints', () => {
  const config = { ...HEATON_DEFAULTS, steps: 500 };
  const stored = { step: 40, config, datasetIdentity: 'cartoon:v1:200:2024:64:3', datasetName: '200 cartoon faces', savedAt: 1 };

  test('a stored run is offered until it is resumed, and the restored run continues its charts paused', () => {
    const offered = apply([[{ type: 'stored-checkpoint', info: stored }, 0]]);
    expect(offered.stored).toEqual(stored);
    const resumed = apply([[{ type: 'run-restored', reason: 'resumed', step: 40, config, rows: [row(39), row(40)], quality: [] }, 1]], offered);
    expect(resumed.stored).toBeNull();
    expect(resumed.rows.map((r) => r.step)).toEqual([39, 40]);
    expect(resumed.run).toEqual({ state: 'paused', step: 40, totalSteps: 500, elapsedBefore: 0, runningSince: null });
    expect(resumed.checkpoint).toEqual({ savedStep: 40, failure: null });
    const more = apply([[{ type: 'metrics', rows: [row(41)], imagesPerSecond: 1, memory: { numTensors: 1, numBytes: 1 }, live }, 2]], resumed);
    expect(more.rows.map((r) => r.step)).toEqual([39, 40, 41]);
  });

  test('saves and save failures are tracked; a rollback truncates the charts and keeps the warning', () => {
    const state = apply([
      [{ type: 'run-state', state: 'running', step: 0, totalSteps: 500 }, 0],
      [{ type: 'metrics', rows: [row(1), row(2), row(3)], imagesPerSecond: 10, memory: { numTensors: 5, numBytes: 100 }, live }, 10],
      [{ type: 'checkpoint-saved', step: 2 }, 11],
      [{ type: 'checkpoint-save-failed', step: 3, message: 'Not enough browser storage.' }, 12],
    ]);
    expect(state.checkpoint).toEqual({ savedStep: 2, failure: 'Not enough browser storage.' });
    const rolled = apply([[{ type: 'run-restored', reason: 'rolled-back', step: 2, config, rows: [row(1), row(2)], quality: [] }, 13]], state);
    expect(rolled.rows.map((r) => r.step)).toEqual([1, 2]);
    expect(rolled.run?.state).toBe('paused');
    expect(rolled.checkpoint.failure).toBe('Not enough browser storage.');
    expect(apply([[{ type: 'checkpoint-saved', step: 4 }, 14]], rolled).checkpoint).toEqual({ savedStep: 4, failure: null });
    // A new run forgets the offer and the save status.
    const fresh = apply([[{ type: 'page/run-requested' }, 15]], { ...rolled, stored });
    expect([fresh.stored, fresh.checkpoint]).toEqual([null, { savedStep: null, failure: null }]);
  });

  test('a lost GPU context names the new backend and says what happened', () => {
    const message = 'The GPU context was lost at step 8; training resumed from step 5 on wasm.';
    const state = apply([
      [{ type: 'ready', backend: 'webgl', rejected: [], crossOriginIsolated: true, wasmThreads: null }, 0],
      [{ type: 'backend-lost', lostBackend: 'webgl', backend: 'wasm', lostAtStep: 8, resumedAtStep: 5, message }, 1],
    ]);
    expect(state.backend).toBe('wasm');
    expect(state.error).toEqual({ message, recoverable: true });
  });
});
