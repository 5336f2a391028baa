import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { composeGrid, imagesToBytes, renderGrid } from '../../../src/gan/grid.ts';
import { readMetricRows } from '../../../src/gan/metrics.ts';
import { STEP_METRICS } from '../../../src/protocol/metrics.ts';
import { useCpuBackend } from '../backends.ts';

beforeAll(useCpuBackend);

function pixelAt(grid: { width: number; pixels: Uint8ClampedArray }, x: number, y: number): number[] {
  const i = (y * grid.width + x) * 4;
  return Array.from(grid.pixels.subarray(i, i + 4));
}

describe('composeGrid', () => {
  test("places tiles row-major on white, Heaton's offsets", () => {
    // Three 2×2 RGB tiles of flat colours, in a 2×2 grid with margin 1 → 7×7 canvas.
    const colours = [
      [10, 20, 30],
      [40, 50, 60],
      [70, 80, 90],
    ];
    const tiles = colours.flatMap((c) => [c, c, c, c].flat());
    const grid = composeGrid(tiles, 3, 3, { resolution: 2, gridRows: 2, gridCols: 2, gridMargin: 1 });
    expect([grid.width, grid.height]).toEqual([7, 7]);
    expect(pixelAt(grid, 0, 0)).toEqual([255, 255, 255, 255]); // margin
    expect(pixelAt(grid, 1, 1)).toEqual([10, 20, 30, 255]); // tile (0,0) at x=1, y=1
    expect(pixelAt(grid, 2, 2)).toEqual([10, 20, 30, 255]);
    expect(pixelAt(grid, 3, 1)).toEqual([255, 255, 255, 255]); // gap between tiles
    expect(pixelAt(grid, 4, 1)).toEqual([40, 50, 60, 255]); // tile (0,1) at x = 1 + (2+1)
    expect(pixelAt(grid, 1, 4)).toEqual([70, 80, 90, 255]); // tile (1,0) at y = 4
    expect(pixelAt(grid, 4, 4)).toEqual([255, 255, 255, 255]); // no fourth tile: stays white
  });

  test('draws grayscale tiles as gray RGB', () => {
    const grid = composeGrid([5, 6, 7, 8], 1, 1, { resolution: 2, gridRows: 1, gridCols: 1, gridMargin: 0 });
    expect(pixelAt(grid, 1, 1)).toEqual([8, 8, 8, 255]);
  });
});

describe('imagesToBytes and renderGrid', () => {
  test('map [-1, 1] to bytes as (0.5·g + 0.5)·255 truncated, clipping outliers', async () => {
    const images = tf.tensor4d([-1, -0.5, 0, 0.5, 1, 2], [1, 1, 2, 3]);
    const bytes = imagesToBytes(images);
    expect(Array.from(await bytes.data())).toEqual([0, 63, 127, 191, 255, 255]);
    const grid = await renderGrid(images, { resolution: 1, gridRows: 1, gridCols: 1, gridMargin: 0 });
    expect([grid.width, grid.height]).toEqual([1, 1]);
    tf.dispose([images, bytes]);
  });
});

describe('readMetricRows', () => {
  test('reads many steps at once into named rows and frees their tensors', async () => {
    const values = [tf.tensor1d([1, 2, 3, 4, 5, 6]), tf.tensor1d([7, 8, 9, 10, 11, 12])];
    const before = tf.memory().numTensors;
    const rows = await readMetricRows([
      { step: 4, values: values[0] as tf.Tensor1D },
      { step: 5, values: values[1] as tf.Tensor1D },
    ]);
    expect(rows).toEqual([
      { step: 4, ...Object.fromEntries(STEP_METRICS.map((name, i) => [name, i + 1])) },
      { step: 5, ...Object.fromEntries(STEP_METRICS.map((name, i) => [name, i + 7])) },
    ]);
    expect(tf.memory().numTensors).toBe(before - 2);
    expect(await readMetricRows([])).toEqual([]);
  });
});
