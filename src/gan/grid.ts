/**
 * Heaton's preview grid: tiles on a white canvas with margins, row-major, as RGBA bytes.
 */
import * as tf from '@tensorflow/tfjs';
import { gridSize, type GridLayout } from '../protocol/config.ts';

export interface GridImage {
  width: number;
  height: number;
  /** width · height · 4 bytes, RGBA, row-major. */
  pixels: Uint8ClampedArray;
}

/**
 * Maps generator output in [-1, 1] to bytes as Heaton does: (0.5·g + 0.5)·255, truncated.
 * Runs on the backend; the caller reads the result with `await data()`.
 * @param images [n, S, S, C] in [-1, 1] → [n, S, S, C] int32 in [0, 255].
 */
export function imagesToBytes(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.cast(tf.floor(tf.clipByValue(tf.add(tf.mul(images, 127.5), 127.5), 0, 255)), 'int32') as tf.Tensor4D);
}

/**
 * Composes tiles into the grid. Tile (r, c) sits at x = m + c·(S + m), y = m + r·(S + m) on a
 * white canvas of (m + cols·(S + m)) × (m + rows·(S + m)). Grayscale tiles are drawn as gray RGB.
 * Tiles beyond rows·cols are ignored; missing tiles stay white.
 * @param tiles [n, S, S, C] bytes in [0, 255], C = 1 or 3.
 */
export function composeGrid(tiles: ArrayLike<number>, tileCount: number, channels: number, layout: GridLayout): GridImage {
  const { resolution: side, gridRows, gridCols, gridMargin: margin } = layout;
  const { width, height } = gridSize(layout);
  const pixels = new Uint8ClampedArray(width * height * 4).fill(255);
  const tileLength = side * side * channels;
  const shown = Math.min(tileCount, gridRows * gridCols);
  for (let tile = 0; tile < shown; tile++) {
    const top = margin + Math.floor(tile / gridCols) * (side + margin);
    const left = margin + (tile % gridCols) * (side + margin);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const source = tile * tileLength + (y * side + x) * channels;
        const target = ((top + y) * width + left + x) * 4;
        for (let c = 0; c < 3; c++) pixels[target + c] = tiles[source + (channels === 1 ? 0 : c)] ?? 255;
      }
    }
  }
  return { width, height, pixels };
}

/**
 * Renders generator output as a grid image, reading back asynchronously (never dataSync).
 * @param images [n, S, S, C] in [-1, 1]; not disposed here.
 */
export async function renderGrid(images: tf.Tensor4D, layout: GridLayout): Promise<GridImage> {
  const bytes = imagesToBytes(images);
  try {
    const values = await bytes.data();
    const [count, , , channels] = images.shape;
    return composeGrid(values, count, channels, layout);
  } finally {
    bytes.dispose();
  }
}
