import { describe, expect, test } from 'vitest';
import { addRateSample, approxDuration, msPerStep, RATE_WINDOW_MS } from '../../../src/ui/durations.ts';
import { niceTicks, stuckHint, STUCK_WINDOW } from '../../../src/ui/chart-data.ts';
import type { MetricRow } from '../../../src/protocol/metrics.ts';

describe('approxDuration', () => {
  test.each([
    [3_000, '≈ 5 s'],
    [42_000, '≈ 40 s'],
    [12 * 60_000, '≈ 12 min'],
    [3.5 * 3_600_000, '≈ 3.5 h'],
    [125 * 3_600_000 + 53 * 60_000, '≈ 5.2 days'],
  ])('%i ms reads %s', (ms, text) => expect(approxDuration(ms)).toBe(text));
});

describe('step rate', () => {
  test('is smoothed over the last minute and forgets older samples', () => {
    let samples = addRateSample([], { at: 0, step: 0 });
    samples = addRateSample(samples, { at: 10_000, step: 100 });
    expect(msPerStep(samples)).toBe(100);
    // Slower now: 200 ms a step for two minutes; the first minute's speed drops out.
    for (let t = 20_000; t <= 140_000; t += 10_000) samples = addRateSample(samples, { at: t, step: 100 + (t - 10_000) / 200 });
    expect(msPerStep(samples)).toBeCloseTo(200);
    expect(samples.at(-1)!.at - samples[0]!.at).toBeLessThanOrEqual(RATE_WINDOW_MS + 10_000);
  });

  test('needs two samples a step apart', () => {
    expect(msPerStep([])).toBeNull();
    expect(msPerStep([{ at: 0, step: 3 }, { at: 5, step: 3 }])).toBeNull();
  });
});

describe('niceTicks', () => {
  test('round steps over the range', () => {
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(1, 37)).toEqual([10, 20, 30]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });
});

describe('stuckHint', () => {
  const row = (step: number, dAcc: number, gAcc: number): MetricRow => ({
    step,
    dRealLoss: 0.1,
    dRealAccuracy: dAcc,
    dFakeLoss: 0.1,
    dFakeAccuracy: dAcc,
    gLoss: 5,
    gAccuracy: gAcc,
  });
  test('names a discriminator that wins every time, and only then', () => {
    const stuck = Array.from({ length: STUCK_WINDOW }, (_, i) => row(i + 1, 1, 0));
    expect(stuckHint(stuck)).toMatch(/discriminator is winning.*lower D learning rate/);
    expect(stuckHint(stuck.slice(1))).toBeNull();
    expect(stuckHint(Array.from({ length: STUCK_WINDOW }, (_, i) => row(i + 1, 0.7, 0.3)))).toBeNull();
  });
});
