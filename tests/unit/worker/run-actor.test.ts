/**
 * The run as an actor, in the situations the old promise chains made racy: a checkpoint loaded
 * while running, a stop during a checkpoint save, the GPU lost during an export, exports that
 * fail. Time is under the test's control: the loop's yield between turns is the test's own
 * function, which acts at an exact step; waiting is on whenSettled, never on a timer.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { createImageSet } from '../../../src/data/dataset.ts';
import type { CheckpointStore } from '../../../src/data/storage/checkpoint-store.ts';
import { HEATON_DEFAULTS, type TrainConfig } from '../../../src/protocol/config.ts';
import type { FromWorker } from '../../../src/protocol/messages.ts';
import type { BackendLossWatch } from '../../../src/worker/backend.ts';
import { createTrainer } from '../../../src/worker/trainer.ts';
import { createTrainingRun, type TrainingRun } from '../../../src/worker/training-run.ts';
import { useWasmBackend } from '../backends.ts';
import { createMemoryCheckpointStore } from './memory-checkpoint-store.ts';

beforeAll(useWasmBackend);

const CONFIG: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, latentSize: 8, batchSize: 4, steps: 1000, previewEvery: 3, gridRows: 2, gridCols: 3 };
const pixels = () => new Uint8Array(8 * 16 * 16 * 3).map((_, i) => (i * 37) % 256);
const options = { side: 16, channels: 3, crop: 'centre' } as const;

function collector() {
  const posted: FromWorker[] = [];
  const of = <T extends FromWorker['type']>(type: T) => posted.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
  return { posted, of };
}

/** Between two turns, runs the first action whose step has been reached (each once). */
function atSteps(step: () => number, actions: [number, () => void][]): () => Promise<void> {
  const left = [...actions];
  return async () => {
    const due = left.findIndex(([at]) => step() >= at);
    if (due >= 0) left.splice(due, 1)[0]?.[1]();
  };
}

/** A watch that reports loss when told to, as watchBackendLoss does on webglcontextlost. */
function controllableWatch(): BackendLossWatch & { lose(): void } {
  let lost = false;
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { isLost: () => lost, lost: promise, lose: () => ((lost = true), resolve()), dispose: () => undefined };
}

describe('a run stepped by the test', () => {
  test('pause at an exact step, one single step, resume, stop: no timer anywhere', async () => {
    const { posted, of } = collector();
    let run: TrainingRun | null = null;
    const step = () => run?.step ?? 0;
    let clock = 0;
    run = createTrainingRun({ ...CONFIG, previewEvery: 1000 }, {
      set: createImageSet(pixels(), 16, 3),
      backend: 'wasm',
      datasetSummary: null,
      datasetIdentity: null,
      store: null,
      post: (message) => posted.push(message),
      // 100 ms per reading: metrics flush every third step (≥ 250 ms), deterministically.
      now: () => (clock += 100),
      yieldTurn: atSteps(step, [
        [3, () => void run?.pause()],
        [8, () => void run?.stop()],
      ]),
    });
    await run.start();
    await run.whenSettled();
    expect([run.step, run.state]).toEqual([3, 'paused']);
    expect(of('run-state').at(-1)).toMatchObject({ state: 'paused', step: 3 });

    await run.stepOnce();
    await run.whenSettled();
    expect([run.step, run.state]).toEqual([4, 'paused']);

    await run.resume();
    await run.whenSettled();
    expect([run.step, run.state]).toEqual([8, 'stopped']);
    expect(of('metrics').flatMap((m) => m.rows.map((r) => r.step))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(of('run-state').at(-1)).toEqual({ type: 'run-state', state: 'stopped', step: 8, totalSteps: 1000 });
    await run.dispose();
  });

  test('stopping during a checkpoint save: the save finishes, the run ends stopped; after disposal nothing is posted', async () => {
    const { posted, of } = collector();
    const memory = createMemoryCheckpointStore();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let saving = false;
    const store: CheckpointStore = {
      ...memory,
      save: async (bytes, summary) => {
        saving = true;
        await gate;
        return memory.save(bytes, summary);
      },
    };
    let run: TrainingRun | null = null;
    let stopRequested = false;
    let stopped: (refusal: string | null) => void = () => undefined;
    const stopDone = new Promise<string | null>((resolve) => (stopped = resolve));
    run = createTrainingRun(CONFIG, {
      set: createImageSet(pixels(), 16, 3),
      backend: 'wasm',
      datasetSummary: null,
      datasetIdentity: null,
      store,
      post: (message) => posted.push(message),
      yieldTurn: async () => {
        if (!saving || stopRequested) return;
        stopRequested = true;
        void run?.stop().then(stopped);
      },
    });
    await run.start();
    // The stop is carried out while the step-3 save still waits on storage.
    expect(await stopDone).toBeNull();
    expect(run.state).toBe('stopped');
    expect(of('checkpoint-saved')).toEqual([]);
    release();
    await run.whenSettled();
    expect(of('checkpoint-saved').map((m) => m.step)).toEqual([3]);
    expect(of('run-state').at(-1)).toMatchObject({ state: 'stopped', step: run.step });
    expect(of('error')).toEqual([]);

    // A second save in flight when the run is disposed posts nothing afterwards.
    const count = posted.length;
    await run.dispose();
    expect(run.phase).toEqual({ name: 'disposed' });
    await run.whenSettled();
    expect(posted.length).toBe(count);
    await expect(run.exportGenerator()).rejects.toThrow('This run has ended and was replaced; try again on the current run.');
  });
});

describe('the trainer replacing and recovering runs', () => {
  test('loading a checkpoint while running: the old run stops between steps, nothing stale is posted, the new run is paused at its step', async () => {
    const { posted, of } = collector();
    let file: ArrayBuffer | null = null;
    let loadRequested = false;
    let loaded: () => void = () => undefined;
    const loadDone = new Promise<void>((resolve) => (loaded = resolve));
    let clock = 0;
    const handle = createTrainer((message) => posted.push(message), {
      openStore: async () => null,
      // 100 ms per reading: metrics flush every third step.
      now: () => (clock += 100),
      yieldTurn: async () => {
        const last = of('metrics').at(-1)?.rows.at(-1)?.step ?? 0;
        if (!file || loadRequested || last < 6) return;
        loadRequested = true;
        void handle({ type: 'load-checkpoint', requestId: 2, bytes: file }).then(loaded);
      },
    });
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'load-pixels', name: 'Test', pixels: pixels().buffer, options, cartoon: null });
    await handle({ type: 'start', config: { ...CONFIG, steps: 4 } });
    await handle.whenSettled();
    await handle({ type: 'export-checkpoint', requestId: 1 });
    const saved = of('checkpoint-file')[0];
    if (!saved) throw new Error('no checkpoint file');
    expect(saved.step).toBe(4);
    file = saved.bytes;

    // A new, long run; while it runs (past step 6) the step-4 file is loaded.
    const before = posted.length;
    await handle({ type: 'start', config: CONFIG });
    await loadDone;
    await handle.whenSettled();
    expect(posted.slice(before).some((m) => m.type === 'metrics' && m.rows.some((r) => r.step >= 6))).toBe(true);
    expect(of('checkpoint-loaded')).toEqual([{ type: 'checkpoint-loaded', requestId: 2, step: 4 }]);
    const restoredAt = posted.findIndex((m) => m.type === 'run-restored');
    const after = posted.slice(restoredAt);
    // Nothing from the replaced run after the new one announced itself.
    expect(after.flatMap((m) => (m.type === 'metrics' ? m.rows : []))).toEqual([]);
    expect(after.filter((m) => m.type === 'grid').map((m) => (m.type === 'grid' ? m.step : -1))).toEqual([4]);
    expect(of('run-state').at(-1)).toMatchObject({ state: 'paused', step: 4 });
    expect(of('error')).toEqual([]);
    await handle({ type: 'stop' });
  });

  test('the GPU lost during an export: the export is refused with a sentence, the run is rebuilt from its checkpoint, no disposed-tensor error', async () => {
    const { posted, of } = collector();
    const watches: ReturnType<typeof controllableWatch>[] = [];
    let clock = 0;
    let exported: Promise<void> | null = null;
    const handle = createTrainer((message) => posted.push(message), {
      openStore: async () => createMemoryCheckpointStore(),
      watchBackend: () => {
        const watch = controllableWatch();
        watches.push(watch);
        return watch;
      },
      now: () => (clock += 100),
      yieldTurn: async () => {
        const last = of('metrics').at(-1)?.rows.at(-1)?.step ?? 0;
        if (exported || last < 4) return;
        // The export is queued, then the context goes: the export's turn comes on a lost context.
        exported = handle({ type: 'export-generator', requestId: 9 });
        watches[0]?.lose();
      },
    });
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'load-pixels', name: 'Test', pixels: pixels().buffer, options, cartoon: null });
    // Short enough to finish after the recovery, so everything settles.
    await handle({ type: 'start', config: { ...CONFIG, steps: 9 } });
    await handle.whenSettled();
    await exported;
    expect(of('request-failed')).toEqual([
      { type: 'request-failed', requestId: 9, message: 'The GPU context was lost; the run is being restored from its last checkpoint. Try again in a moment.' },
    ]);
    expect(of('generator')).toEqual([]);
    const notice = of('backend-lost')[0];
    expect(notice).toMatchObject({ resumedAtStep: 3 });
    expect(of('run-state').at(-1)).toMatchObject({ state: 'done', step: 9 });
    expect(of('error').filter((m) => /disposed/i.test(m.message))).toEqual([]);
    // Rows after the rollback continue from the checkpoint, each step once.
    const restoredAt = posted.findIndex((m) => m.type === 'run-restored');
    expect(posted.slice(restoredAt).flatMap((m) => (m.type === 'metrics' ? m.rows.map((r) => r.step) : []))).toEqual([4, 5, 6, 7, 8, 9]);
  });

  test('each export forced to fail (fault injection) gets request-failed with the sentence', async () => {
    const sink = collector();
    const handle = createTrainer((message) => sink.posted.push(message), { openStore: async () => null });
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'load-pixels', name: 'Test', pixels: pixels().buffer, options, cartoon: null });
    await handle({ type: 'start', config: { ...CONFIG, steps: 3 } });
    await handle.whenSettled();
    handle.failNextRequest('export-generator', 'out of memory');
    handle.failNextRequest('export-checkpoint', 'out of memory');
    handle.failNextRequest('export-recipe', 'out of memory');
    await handle({ type: 'export-generator', requestId: 1 });
    await handle({ type: 'export-checkpoint', requestId: 2 });
    await handle({ type: 'export-recipe', requestId: 3, target: 'keras' });
    expect(sink.of('request-failed')).toEqual([
      { type: 'request-failed', requestId: 1, message: 'Could not prepare the generator: out of memory. Try again; if it keeps failing, reload the page.' },
      { type: 'request-failed', requestId: 2, message: 'Could not prepare the checkpoint: out of memory. Try again; if it keeps failing, reload the page.' },
      { type: 'request-failed', requestId: 3, message: 'Could not prepare the recipe: out of memory. Try again; if it keeps failing, reload the page.' },
    ]);
    // The failures were one-shot: the next export succeeds.
    await handle({ type: 'export-generator', requestId: 4 });
    expect(sink.of('generator').map((m) => m.requestId)).toEqual([4]);
  });
});
