import { describe, expect, test } from 'vitest';
import { createRandom, deriveSeed, randomInt } from '../../../src/gan/random.ts';

describe('deriveSeed', () => {
  test('is a pure function of (run seed, stream, index) in [0, 2^31)', () => {
    expect(deriveSeed(42, 'noise', 7)).toBe(deriveSeed(42, 'noise', 7));
    const seeds = new Set<number>();
    for (const stream of ['weights', 'batches', 'noise', 'dropout', 'previewSeed', 'flips'] as const) {
      for (let index = 0; index < 200; index++) {
        const seed = deriveSeed(42, stream, index);
        expect(seed).toBeGreaterThanOrEqual(0);
        expect(seed).toBeLessThan(2 ** 31);
        seeds.add(seed);
      }
    }
    expect(seeds.size).toBe(1200);
    expect(deriveSeed(1, 'noise', 0)).not.toBe(deriveSeed(2, 'noise', 0));
  });
});

describe('createRandom', () => {
  test('repeats for a seed, differs across seeds, and is roughly uniform', () => {
    const a = createRandom(5);
    const b = createRandom(5);
    const c = createRandom(6);
    const first = Array.from({ length: 10 }, () => a());
    expect(Array.from({ length: 10 }, () => b())).toEqual(first);
    expect(Array.from({ length: 10 }, () => c())).not.toEqual(first);
    const random = createRandom(123);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const index = randomInt(random, 10);
      buckets[index] = (buckets[index] ?? 0) + 1;
    }
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});
