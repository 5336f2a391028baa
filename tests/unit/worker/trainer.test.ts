import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { createTrainer } from '../../../src/worker/trainer.ts';
import { HEATON_DEFAULTS, gridSize, type TrainConfig } from '../../../src/protocol/config.ts';
import type { FromWorker } from '../../../src/protocol/messages.ts';

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
    expect(posted).toEqual([{ type: 'ready', backend: 'cpu', rejected: [], crossOriginIsolated: false, wasmThreads: null }]);
    expect(tf.getBackend()).toBe('cpu');
  });

  test('preview posts the untrained grid with its pixels transferred, and leaks nothing', async () => {
    const { posted, transfers, handle } = harness();
    await handle({ type: 'init', preferred: 'cpu' });
    const before = tf.memory().numTensors;
    await handle({ type: 'preview', config: TINY });
    const grid = posted[1];
    if (grid?.type !== 'grid') throw new Error(`expected a grid, got ${JSON.stringify(grid)}`);
    const { width, height } = gridSize(TINY);
    expect([grid.kind, grid.step, grid.image.width, grid.image.height]).toEqual(['untrained', 0, width, height]);
    expect(grid.image.pixels.byteLength).toBe(width * height * 4);
    expect(transfers[1]).toEqual([grid.image.pixels]);
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
      { type: 'error', message: 'Invalid settings: batch size must be between 1 and 512, got 0.', recoverable: true },
    ]);
  });
});
