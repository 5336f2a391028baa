/**
 * Numeric helpers shared by the tests that compare kernels or backends with each other.
 */
import { expect } from 'vitest';

/** Deterministic values in [-1, 1) (mulberry32), identical on every backend and run. */
export function randomValues(length: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * The largest absolute difference relative to the largest expected magnitude: a scale-free
 * error for whole outputs or gradients, where per-element relative error blows up near zero.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] as number) - e));
    maxRef = Math.max(maxRef, Math.abs(e));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}
