import { describe, expect, test } from 'vitest';
import { STEP_METRICS, type MetricRow } from '../../../../src/protocol/metrics.ts';
import { downsample, metricsToCsv, smoothRows, smoothSeries } from '../../../../src/ui/train/chart-data.ts';

function row(step: number, value: number): MetricRow {
  return { step, dRealLoss: value, dRealAccuracy: value / 10, dFakeLoss: 2 * value, dFakeAccuracy: 0.5, gLoss: -value, gAccuracy: 0.25 };
}

describe('smoothSeries', () => {
  test('is an EMA that starts at the first value', () => {
    // s0 = 1; s1 = 0.5·1 + 0.5·3 = 2; s2 = 0.5·2 + 0.5·6 = 4; s3 = 0.5·4 + 0.5·0 = 2
    expect(smoothSeries([1, 3, 6, 0], 0.5)).toEqual([1, 2, 4, 2]);
    expect(smoothSeries([10, 0, 0], 0.9)).toEqual([10, 9, 9 * 0.9]);
  });

  test('returns the values unchanged at 0 and handles empty input', () => {
    expect(smoothSeries([3, 1, 4, 1, 5], 0)).toEqual([3, 1, 4, 1, 5]);
    expect(smoothSeries([], 0.8)).toEqual([]);
  });

  test('passes non-finite values through without disturbing the average', () => {
    const smoothed = smoothSeries([2, Number.NaN, 4], 0.5);
    expect(smoothed[0]).toBe(2);
    expect(smoothed[1]).toBeNaN();
    expect(smoothed[2]).toBe(3);
  });

  test('clamps the smoothing factor into [0, 0.999]', () => {
    expect(smoothSeries([1, 2], -1)).toEqual([1, 2]);
    const clamped = smoothSeries([0, 1000], 5);
    expect(clamped[0]).toBe(0);
    expect(clamped[1]).toBeCloseTo(1, 12); // (1 − 0.999) · 1000
  });
});

describe('smoothRows', () => {
  test('smooths every metric column and keeps the step', () => {
    const smoothed = smoothRows([row(1, 1), row(2, 3)], 0.5);
    expect(smoothed[1]).toEqual({ step: 2, dRealLoss: 2, dRealAccuracy: 0.2, dFakeLoss: 4, dFakeAccuracy: 0.5, gLoss: -2, gAccuracy: 0.25 });
  });
});

describe('downsample', () => {
  const values = (points: readonly { x: number; y: number }[]) => points.map((p) => p.y);

  test('returns short input unchanged', () => {
    const points = [1, 2, 3].map((x) => ({ x, y: x }));
    expect(downsample(points, 10, (p) => [p.y])).toBe(points);
  });

  test('caps the count and keeps the first point, the last point and the extremes', () => {
    const points = Array.from({ length: 20_000 }, (_, x) => ({ x, y: Math.sin(x / 50) }));
    points[7_777] = { x: 7_777, y: 100 }; // a spike
    points[12_345] = { x: 12_345, y: -100 }; // a dip
    const thinned = downsample(points, 500, (p) => [p.y]);
    expect(thinned.length).toBeLessThanOrEqual(500);
    expect(thinned.length).toBeGreaterThan(400);
    expect(thinned[0]).toBe(points[0]);
    expect(thinned.at(-1)).toBe(points.at(-1));
    expect(thinned).toContain(points[7_777]);
    expect(thinned).toContain(points[12_345]);
    expect(Math.max(...values(thinned))).toBe(100);
    expect(Math.min(...values(thinned))).toBe(-100);
    // Still in x order, no duplicates.
    const xs = thinned.map((p) => p.x);
    expect(xs).toEqual([...new Set(xs)].sort((a, b) => a - b));
  });

  test('keeps each series\u2019 extremes when thinning several jointly', () => {
    const rows = Array.from({ length: 10_000 }, (_, step) => row(step, Math.cos(step)));
    rows[4_000] = { ...row(4_000, 0), gLoss: 50 };
    rows[9_000] = { ...row(9_000, 0), dRealLoss: -50 };
    const thinned = downsample(rows, 500, (r) => [r.dRealLoss, r.dFakeLoss, r.gLoss]);
    expect(thinned.length).toBeLessThanOrEqual(500);
    expect(thinned).toContain(rows[4_000]);
    expect(thinned).toContain(rows[9_000]);
  });

  test('never exceeds tiny limits', () => {
    const points = Array.from({ length: 100 }, (_, x) => ({ x, y: x }));
    expect(downsample(points, 3, (p) => [p.y]).length).toBeLessThanOrEqual(3);
    expect(downsample(points, 2, (p) => [p.y])).toEqual([points[0], points[99]]);
  });
});

describe('metricsToCsv', () => {
  test('writes a header and one line per row at full precision', () => {
    const rows: MetricRow[] = [
      { step: 1, dRealLoss: 0.6931471805599453, dRealAccuracy: 0.5, dFakeLoss: 0.7, dFakeAccuracy: 0.25, gLoss: 1.5, gAccuracy: 0 },
      { step: 2, dRealLoss: 0.5, dRealAccuracy: 1, dFakeLoss: 0.6, dFakeAccuracy: 0.75, gLoss: 2, gAccuracy: 0.125 },
    ];
    expect(metricsToCsv(rows)).toBe(
      'step,dRealLoss,dRealAccuracy,dFakeLoss,dFakeAccuracy,gLoss,gAccuracy\n' +
        '1,0.6931471805599453,0.5,0.7,0.25,1.5,0\n' +
        '2,0.5,1,0.6,0.75,2,0.125\n',
    );
  });

  test('has the header alone for no rows, with the columns in STEP_METRICS order', () => {
    expect(metricsToCsv([])).toBe(`step,${STEP_METRICS.join(',')}\n`);
  });
});
