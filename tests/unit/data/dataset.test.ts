import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { chooseBatch, createImageSet, gatherBatchBytes, normaliseBatch, sampleBatch, splitHeldBack } from '../../../src/data/dataset.ts';
import { useCpuBackend } from '../backends.ts';

beforeAll(useCpuBackend);

/** Three 2×2 RGB images whose bytes encode (image, y, x, channel), so any misplacement shows. */
function codedSet() {
  const side = 2;
  const channels = 3;
  const pixels = new Uint8Array(3 * side * side * channels);
  for (let image = 0; image < 3; image++)
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++)
        for (let c = 0; c < channels; c++) pixels[((image * side + y) * side + x) * channels + c] = image * 100 + y * 10 + x * 3 + c;
  return createImageSet(pixels, side, channels);
}

describe('createImageSet', () => {
  test('counts images and rejects a partial image', () => {
    expect(codedSet().count).toBe(3);
    expect(() => createImageSet(new Uint8Array(13), 2, 3)).toThrow('13 bytes is not a whole number of 2×2×3 images');
  });
});

describe('gatherBatchBytes', () => {
  test('copies the chosen images in order, repeats allowed', () => {
    const batch = gatherBatchBytes(codedSet(), [2, 0, 2], [false, false, false]);
    expect(Array.from(batch.subarray(0, 12))).toEqual([200, 201, 202, 203, 204, 205, 210, 211, 212, 213, 214, 215]);
    expect(Array.from(batch.subarray(12, 24))).toEqual([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
    expect(Array.from(batch.subarray(24, 36))).toEqual(Array.from(batch.subarray(0, 12)));
  });

  test('mirrors flipped images left–right, keeping channel order', () => {
    const batch = gatherBatchBytes(codedSet(), [1], [true]);
    // Row y=0 was [x0: 100,101,102][x1: 103,104,105]; mirrored, x1 comes first.
    expect(Array.from(batch)).toEqual([103, 104, 105, 100, 101, 102, 113, 114, 115, 110, 111, 112]);
  });
});

describe('normaliseBatch', () => {
  test('maps bytes to [-1, 1] exactly as x / 127.5 − 1', () => {
    const bytes = new Uint8Array([0, 255, 127, 128, 51, 204]);
    const batch = normaliseBatch(bytes, 1, 1, 6);
    expect(batch.shape).toEqual([1, 1, 1, 6]);
    const values = Array.from(batch.dataSync());
    const expected = [0, 255, 127, 128, 51, 204].map((v) => v / 127.5 - 1);
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? Number.NaN, 6));
    expect(values[0]).toBe(-1);
    expect(values[1]).toBe(1);
    batch.dispose();
  });
});

describe('chooseBatch', () => {
  test('is reproducible per (seed, step), varies across steps, and stays in range', () => {
    const a = chooseBatch(42, 3, 64, 10, true);
    expect(chooseBatch(42, 3, 64, 10, true)).toEqual(a);
    expect(chooseBatch(42, 4, 64, 10, true).indices).not.toEqual(a.indices);
    expect(a.indices.every((i) => Number.isInteger(i) && i >= 0 && i < 10)).toBe(true);
    // Flip on: about half mirrored; off: none.
    const flipped = a.flips.filter(Boolean).length;
    expect(flipped).toBeGreaterThan(16);
    expect(flipped).toBeLessThan(48);
    expect(chooseBatch(42, 3, 64, 10, false).flips.some(Boolean)).toBe(false);
  });

  test('sampleBatch yields a normalised tensor of the batch shape and leaks nothing', () => {
    const set = codedSet();
    const before = tf.memory().numTensors;
    const batch = sampleBatch(set, 1, 0, 5, true);
    expect(batch.shape).toEqual([5, 2, 2, 3]);
    const [low, high] = tf.tidy(() => [tf.min(batch).dataSync()[0], tf.max(batch).dataSync()[0]]);
    expect(low).toBeGreaterThanOrEqual(-1);
    expect(high).toBeLessThanOrEqual(1);
    batch.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('splitHeldBack', () => {
  test('splits every index into exactly one side, the same way for the same seed', () => {
    const split = splitHeldBack(500, 42, 50);
    expect(split.heldBack.length).toBe(50);
    expect(split.training.length).toBe(450);
    expect([...split.heldBack, ...split.training].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(splitHeldBack(500, 42, 50)).toEqual(split);
    expect(splitHeldBack(500, 43, 50).heldBack).not.toEqual(split.heldBack);
    // Spread over the set, not a block at one end.
    expect(Math.max(...split.heldBack) - Math.min(...split.heldBack)).toBeGreaterThan(250);
  });

  test('refuses to hold back everything or a negative count', () => {
    expect(() => splitHeldBack(10, 1, 10)).toThrow();
    expect(() => splitHeldBack(10, 1, -1)).toThrow();
  });

  test('batches drawn from the training pool never contain a held-back image', () => {
    const split = splitHeldBack(200, 7, 20);
    const held = new Set(split.heldBack);
    for (let step = 0; step < 200; step++) {
      const { indices } = chooseBatch(7, step, 32, 200, false, split.training);
      expect(indices.some((i) => held.has(i))).toBe(false);
    }
  });

  test('without a pool the draws are unchanged (runs without quality are Heaton-exact)', () => {
    const everything = Uint32Array.from({ length: 10 }, (_, i) => i);
    expect(chooseBatch(42, 3, 64, 10, true, everything)).toEqual(chooseBatch(42, 3, 64, 10, true));
  });
});
