import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { laplacianPyramid, slicedWassersteinDistance } from '../../../src/gan/swd.ts';
import { createRandom } from '../../../src/protocol/random.ts';
import { useCpuBackend } from '../backends.ts';

beforeAll(useCpuBackend);

const SIDE = 32;

/**
 * Cartoon "faces", [count, 32, 32, 3] in [-1, 1]: a vertical gradient background, a skin-toned
 * ellipse with jittered size and tint, two dark eyes and a mouth bar. Same seed, same set.
 */
function faceSet(count: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const out = new Float32Array(count * SIDE * SIDE * 3);
  for (let n = 0; n < count; n++) {
    const top = [random(), random(), random()];
    const bottom = [random(), random(), random()];
    const skin = [0.75 + 0.2 * random(), 0.55 + 0.2 * random(), 0.4 + 0.2 * random()];
    const cx = 16 + 3 * (random() - 0.5);
    const cy = 16 + 3 * (random() - 0.5);
    const rx = 8 + 3 * random();
    const ry = 10 + 3 * random();
    const eyeY = cy - ry * 0.25;
    const eyeDx = rx * 0.4;
    const mouthY = cy + ry * 0.45;
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const t = y / (SIDE - 1);
        let colour = [0, 1, 2].map((c) => (1 - t) * (top[c] ?? 0) + t * (bottom[c] ?? 0));
        if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) colour = skin;
        const inEye = (ex: number): boolean => (x - ex) ** 2 + (y - eyeY) ** 2 <= 2.5;
        if (inEye(cx - eyeDx) || inEye(cx + eyeDx)) colour = [0.1, 0.1, 0.15];
        if (Math.abs(y - mouthY) <= 0.7 && Math.abs(x - cx) <= rx * 0.4) colour = [0.5, 0.1, 0.1];
        colour.forEach((v, c) => (out[((n * SIDE + y) * SIDE + x) * 3 + c] = 2 * v - 1));
      }
    }
  }
  return out;
}

const options = { seed: 7, descriptorsPerImage: 64, directions: 256, minSide: 16 };

describe('laplacianPyramid', () => {
  test('levels halve down to minSide and a flat image has zero detail', () => {
    const flat = tf.fill([2, 32, 32, 3], 0.25) as tf.Tensor4D;
    const levels = laplacianPyramid(flat, 8);
    expect(levels.map((l) => l.shape)).toEqual([
      [2, 32, 32, 3],
      [2, 16, 16, 3],
      [2, 8, 8, 3],
    ]);
    // Mirrored edges keep a constant image constant: no detail, and the base keeps its value.
    expect(tf.max(tf.abs(levels[0] as tf.Tensor)).arraySync()).toBeLessThan(1e-6);
    expect(tf.max(tf.abs(tf.sub(levels[2] as tf.Tensor, 0.25))).arraySync()).toBeLessThan(1e-6);
    tf.dispose([flat, ...levels]);
  });
});

describe('slicedWassersteinDistance', () => {
  test('orders: identical ≈ 0 < two halves of one distribution < real vs blurred, real vs noise', async () => {
    const faces = faceSet(64, 1);
    const half = 32 * SIDE * SIDE * 3;
    const first = tf.tensor4d(faces.subarray(0, half), [32, SIDE, SIDE, 3]);
    const second = tf.tensor4d(faces.subarray(half), [32, SIDE, SIDE, 3]);
    const noiseRandom = createRandom(99);
    const noise = tf.tensor4d(new Float32Array(half).map(() => 2 * noiseRandom() - 1), [32, SIDE, SIDE, 3]);
    // A 5×5 binomial blur, twice: the same faces with the fine detail gone.
    const kernel = tf.tensor4d(
      [1, 4, 6, 4, 1].flatMap((a) => [1, 4, 6, 4, 1].flatMap((b) => [a * b, a * b, a * b].map((w) => w / 256))),
      [5, 5, 3, 1],
    );
    const blurred = tf.tidy(() => tf.depthwiseConv2d(tf.depthwiseConv2d(second, kernel, 1, 'same'), kernel, 1, 'same'));
    const before = tf.memory().numTensors;

    const identical = await slicedWassersteinDistance(first, first, options);
    const halves = await slicedWassersteinDistance(first, second, options);
    const toNoise = await slicedWassersteinDistance(first, noise, options);
    const toBlurred = await slicedWassersteinDistance(first, blurred, options);

    expect(tf.memory().numTensors).toBe(before);
    expect(identical.perLevel).toHaveLength(2);
    expect(identical.average).toBeLessThan(1e-6);
    expect(halves.average).toBeGreaterThan(0);
    expect(halves.average).toBeLessThan(toBlurred.average);
    expect(halves.average).toBeLessThan(toNoise.average);
    // Blur removes detail, so the finest level must see it.
    expect(halves.perLevel[0] ?? Infinity).toBeLessThan(toBlurred.perLevel[0] ?? 0);
    // Fixed seeds make it deterministic.
    expect(await slicedWassersteinDistance(first, second, options)).toEqual(halves);
    tf.dispose([first, second, noise, kernel, blurred]);
  }, 60_000);

  test('rejects sets of different shapes without leaking', async () => {
    const a = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    const b = tf.zeros([3, 16, 16, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    await expect(slicedWassersteinDistance(a, b, options)).rejects.toThrow(/shapes differ/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
