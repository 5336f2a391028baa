import { describe, expect, test } from 'vitest';
import { approxDuration, recentMsPerStep } from '../../../../src/ui/train/durations.ts';
import { niceTicks, stuckHint, STUCK_AFTER_STEP, STUCK_WINDOW } from '../../../../src/ui/train/chart-data.ts';
import type { MetricRow } from '../../../../src/protocol/metrics.ts';

describe('approxDuration', () => {
  test.each([
    [3_000, '≈ 5 s'],
    [42_000, '≈ 40 s'],
    [12 * 60_000, '≈ 12 min'],
    [3.5 * 3_600_000, '≈ 3.5 h'],
    [125 * 3_600_000 + 53 * 60_000, '≈ 5.2 days'],
  ])('%i ms reads %s', (ms, text) => expect(approxDuration(ms)).toBe(text));
});

describe('recentMsPerStep', () => {
  test('is the rate over the last minute of reports, at the run batch size', () => {
    // 32 images a step at 64 images/s, then at 128: both halves of the window count equally.
    const reports = [...Array.from({ length: 120 }, () => ({ imagesPerSecond: 64 })), ...Array.from({ length: 120 }, () => ({ imagesPerSecond: 128 }))];
    expect(recentMsPerStep(reports, 32)).toBeCloseTo(375);
    // Older reports (beyond about a minute) drop out.
    expect(recentMsPerStep([...Array.from({ length: 500 }, () => ({ imagesPerSecond: 1 })), ...reports], 32)).toBeCloseTo(375);
    expect(recentMsPerStep([], 32)).toBeNull();
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
  test('names a discriminator that wins every time past the early steps, and only then', () => {
    const late = (from: number, dAcc: number, gAcc: number) => Array.from({ length: STUCK_WINDOW }, (_, i) => row(from + i, dAcc, gAcc));
    expect(stuckHint(late(STUCK_AFTER_STEP, 1, 0))).toMatch(/discriminator is winning.*lower D learning rate/);
    // Early in a run the same numbers are normal.
    expect(stuckHint(late(1, 1, 0))).toBeNull();
    expect(stuckHint(late(STUCK_AFTER_STEP, 1, 0).slice(1))).toBeNull();
    expect(stuckHint(late(STUCK_AFTER_STEP, 0.7, 0.3))).toBeNull();
  });
});
