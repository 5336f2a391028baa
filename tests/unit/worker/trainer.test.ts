import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { createTrainer } from '../../../src/worker/trainer.ts';
import { HEATON_DEFAULTS, gridSize, type TrainConfig } from '../../../src/protocol/config.ts';
import type { FromWorker } from '../../../src/protocol/messages.ts';
import { createMemoryCheckpointStore } from './memory-checkpoint-store.ts';
import { stepControl } from './turns.ts';

/** Drives the worker's logic directly, as the worker shell does, collecting what it posts. */
function harness() {
  const posted: FromWorker[] = [];
  const transfers: Transferable[][] = [];
  const handle = createTrainer((message, transfer = []) => {
    posted.push(message);
    transfers.push(transfer);
  });
  return { posted, transfers, handle };
}

const TINY: TrainConfig = { ...HEATON_DEFAULTS, resolution: 16, width: 1 / 16, latentSize: 8 };

describe('createTrainer', () => {
  test('init honours a forced backend and reports it', async () => {
    const { posted, handle } = harness();
    await handle({ type: 'init', preferred: 'cpu' });
    // Node has no IndexedDB, so there is no stored run to offer.
    expect(posted).toEqual([
      { type: 'ready', backend: 'cpu', rejected: [], crossOriginIsolated: false, wasmThreads: null },
      { type: 'stored-checkpoint', info: null },
    ]);
    expect(tf.getBackend()).toBe('cpu');
  });

  test('preview posts the untrained grid with its pixels transferred, and leaks nothing', async () => {
    const { posted, transfers, handle } = harness();
    await handle({ type: 'init', preferred: 'cpu' });
    const before = tf.memory().numTensors;
    await handle({ type: 'preview', config: TINY });
    const grid = posted[2];
    if (grid?.type !== 'grid') throw new Error(`expected a grid, got ${JSON.stringify(grid)}`);
    const { width, height } = gridSize(TINY);
    expect([grid.kind, grid.step, grid.image.width, grid.image.height]).toEqual(['untrained', 0, width, height]);
    expect(grid.image.pixels.byteLength).toBe(width * height * 4);
    expect(transfers[2]).toEqual([grid.image.pixels]);
    // Tiles are not blank: an untrained generator still draws varied pixels inside tile (0, 0).
    const pixels = new Uint8Array(grid.image.pixels);
    const tileRow = Array.from({ length: 16 }, (_, x) => pixels[((16 + 8) * width + 16 + x) * 4] ?? 0);
    expect(new Set(tileRow).size).toBeGreaterThan(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('invalid settings get a readable, recoverable error', async () => {
    const { posted, handle } = harness();
    await handle({ type: 'preview', config: { ...TINY, batchSize: 0 } });
    expect(posted).toEqual([
      { type: 'error', message: 'Invalid settings. Batch size: enter a whole number from 1 to 512 (0 is too small).', recoverable: true },
    ]);
  });
});

describe('createTrainer checkpoints', () => {
  const SMALL: TrainConfig = { ...TINY, batchSize: 4, steps: 1000, previewEvery: 3, gridRows: 2, gridCols: 3 };
  const pixels = () => new Uint8Array(8 * 16 * 16 * 3).map((_, i) => (i * 37) % 256).buffer;
  const options = { side: 16, channels: 3, crop: 'centre' } as const;

  function withStore(store = createMemoryCheckpointStore()) {
    const posted: FromWorker[] = [];
    const control = stepControl(posted);
    const handle = createTrainer((message) => posted.push(message), { openStore: async () => store, ...control.deps });
    control.bind(handle);
    const of = <T extends FromWorker['type']>(type: T) => posted.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
    return { posted, handle, of, store, control };
  }

  test('a saved run is offered after a "reload" and resumes only on the same data', async () => {
    const first = withStore();
    await first.handle({ type: 'init', preferred: 'cpu' });
    expect(first.of('stored-checkpoint')).toEqual([{ type: 'stored-checkpoint', info: null }]);
    await first.handle({ type: 'load-pixels', name: 'Cartoon faces', pixels: pixels(), options, cartoon: { count: 8, seed: 7 } });
    expect(first.of('dataset')[0]?.identity).toBe('cartoon:v1:8:7:16:3');
    first.control.pauseAt(3);
    await first.handle({ type: 'start', config: SMALL });
    await first.handle.whenSettled();
    expect(first.of('checkpoint-saved').some((m) => m.step >= 3)).toBe(true);
    await first.handle({ type: 'stop' });

    // A new worker on the same storage: the page reloaded.
    const second = withStore(first.store);
    await second.handle({ type: 'init', preferred: 'cpu' });
    const info = second.of('stored-checkpoint')[0]?.info;
    expect(info).toMatchObject({ datasetIdentity: 'cartoon:v1:8:7:16:3', datasetName: '8 cartoon faces' });
    expect(info?.step).toBeGreaterThanOrEqual(3);

    // Other data: refused, nothing restored.
    await second.handle({ type: 'load-pixels', name: 'Cartoon faces', pixels: pixels(), options, cartoon: { count: 8, seed: 8 } });
    await second.handle({ type: 'resume-stored' });
    expect(second.of('error').at(-1)?.message).toMatch(/trained on different data \(8 cartoon faces\)/);
    expect(second.of('run-restored')).toEqual([]);

    await second.handle({ type: 'load-pixels', name: 'Cartoon faces', pixels: pixels(), options, cartoon: { count: 8, seed: 7 } });
    await second.handle({ type: 'resume-stored' });
    const restored = second.of('run-restored')[0];
    expect(restored).toMatchObject({ reason: 'resumed', step: info?.step });
    expect(restored?.rows.length).toBe(info?.step);
    expect(second.of('run-state').at(-1)).toMatchObject({ state: 'paused', step: info?.step });
    await second.handle({ type: 'step' });
    await second.handle.whenSettled();
    expect(second.of('run-state').at(-1)).toMatchObject({ state: 'paused', step: (info?.step ?? 0) + 1 });
    await second.handle({ type: 'stop' });
  });

  test('a corrupt checkpoint file shows its message and leaves the run untouched', async () => {
    const { handle, of, control } = withStore();
    await handle({ type: 'init', preferred: 'cpu' });
    await handle({ type: 'load-pixels', name: 'Test', pixels: pixels(), options, cartoon: null });
    expect(of('dataset')[0]?.identity).toMatch(/^pixels:v1:[0-9a-f]{16}:8:16:3:centre$/);
    control.pauseAt(3);
    await handle({ type: 'start', config: SMALL });
    await handle.whenSettled();
    expect(of('checkpoint-saved').length).toBeGreaterThan(0);
    expect(of('run-state').at(-1)?.state).toBe('paused');
    const before = of('run-state').at(-1)?.step;
    await handle({ type: 'load-checkpoint', requestId: 1, bytes: new TextEncoder().encode('not a checkpoint at all').buffer });
    expect(of('request-failed')).toEqual([{ type: 'request-failed', requestId: 1, message: 'This file is not a Ganvas checkpoint.' }]);
    expect(of('run-restored')).toEqual([]);

    // A good file (exported from this run) restores; its step equals the exported one.
    await handle({ type: 'export-checkpoint', requestId: 2 });
    const file = of('checkpoint-file')[0];
    if (!file) throw new Error('no checkpoint file');
    expect(file.step).toBe(before);
    await handle({ type: 'load-checkpoint', requestId: 3, bytes: file.bytes });
    expect(of('run-restored')[0]).toMatchObject({ reason: 'loaded', step: before });
    expect(of('checkpoint-loaded')).toEqual([{ type: 'checkpoint-loaded', requestId: 3, step: before }]);
    await handle({ type: 'discard-stored' });
    expect(of('stored-checkpoint').at(-1)).toEqual({ type: 'stored-checkpoint', info: null });
    await handle({ type: 'stop' });
  });
});
