import { describe, expect, test } from 'vitest';
import { latentForSeed, slerp } from '../../../src/protocol/latent.ts';

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
}

describe('latentForSeed', () => {
  test('the same seed gives the identical vector', () => {
    expect(latentForSeed(7, 100)).toEqual(latentForSeed(7, 100));
  });

  test('different seeds, including neighbours, give different vectors', () => {
    const a = latentForSeed(1, 100);
    const b = latentForSeed(2, 100);
    expect(a).not.toEqual(b);
    // Neighbouring seeds should be unrelated, not shifted copies: their correlation is small.
    const dot = a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
    expect(Math.abs(dot / (norm(a) * norm(b)))).toBeLessThan(0.35);
  });

  test('a prefix of a longer vector is the shorter vector', () => {
    expect(latentForSeed(3, 10)).toEqual(latentForSeed(3, 11).subarray(0, 10));
  });

  test('values are standard normal: mean ≈ 0, std ≈ 1 over 10,000', () => {
    const v = latentForSeed(123, 10_000);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
    // Standard errors: 0.01 for the mean, ~0.007 for the std; allow about 4 of them.
    expect(Math.abs(mean)).toBeLessThan(0.04);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.03);
    expect(v.every((x) => Number.isFinite(x))).toBe(true);
  });

  test('golden values for seed 42 (the cross-machine contract; a Python port gives the same)', () => {
    // Pinned from the documented algorithm and checked against a Python reimplementation.
    const golden = [-0.424348295, -0.459921956, 0.827217638, -0.823617399, -1.37495995, 0.180089951, 1.35192573, 0.0733777955];
    const v = latentForSeed(42, 8);
    golden.forEach((g, i) => expect(v[i]).toBeCloseTo(g, 7));
    // Odd sizes drop the last sine, so they are prefixes too; negative seeds wrap to 32 bits.
    expect(Array.from(latentForSeed(42, 3))).toEqual(Array.from(v.subarray(0, 3)));
    expect(latentForSeed(-1, 2)).toEqual(latentForSeed(0xffffffff, 2));
  });

  test('rejects non-integer seeds and sizes', () => {
    expect(() => latentForSeed(1.5, 4)).toThrow(/integer/);
    expect(() => latentForSeed(1, -1)).toThrow(/size/);
  });
});

describe('slerp', () => {
  const a = latentForSeed(10, 512);
  const b = latentForSeed(11, 512);

  test('endpoints are a and b', () => {
    const start = slerp(a, b, 0);
    const end = slerp(a, b, 1);
    a.forEach((x, i) => expect(start[i]).toBeCloseTo(x, 5));
    b.forEach((x, i) => expect(end[i]).toBeCloseTo(x, 5));
  });

  test('the norm stays between the two norms for Gaussian vectors, unlike lerp midway', () => {
    const low = Math.min(norm(a), norm(b));
    const high = Math.max(norm(a), norm(b));
    for (let step = 0; step <= 10; step++) {
      const n = norm(slerp(a, b, step / 10));
      expect(n).toBeGreaterThanOrEqual(low * (1 - 1e-3));
      expect(n).toBeLessThanOrEqual(high * (1 + 1e-3));
    }
    const lerpMid = norm(a.map((x, i) => 0.5 * x + 0.5 * (b[i] ?? 0)));
    expect(lerpMid).toBeLessThan(0.8 * low);
  });

  test('t = 0.5 between orthogonal unit vectors has norm 1, at 45°', () => {
    const x = new Float32Array([1, 0, 0]);
    const y = new Float32Array([0, 1, 0]);
    const mid = slerp(x, y, 0.5);
    expect(norm(mid)).toBeCloseTo(1, 6);
    expect(mid[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(mid[1]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  test('falls back to lerp for parallel vectors', () => {
    const x = new Float32Array([1, 2, 3]);
    const y = new Float32Array([2, 4, 6]);
    expect(Array.from(slerp(x, y, 0.5))).toEqual([1.5, 3, 4.5]);
    expect(Array.from(slerp(x, new Float32Array(3), 0.5))).toEqual([0.5, 1, 1.5]);
  });
});
