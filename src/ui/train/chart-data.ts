/**
 * Pure helpers behind the charts: EMA smoothing, display downsampling and CSV export.
 * No React and no DOM, so they are unit-tested in Node and cheap to memoise.
 */
import { STEP_METRICS, type MetricRow, type StepMetricName } from '../../protocol/metrics.ts';

/** Points per series the charts draw at most; more only costs SVG nodes the eye cannot resolve. */
export const MAX_CHART_POINTS = 500;

/**
 * Exponential moving average, TensorBoard-style: s₀ = v₀, sᵢ = a·sᵢ₋₁ + (1 − a)·vᵢ, with `a`
 * the smoothing in [0, 1) (0 returns the values unchanged). Non-finite values (a NaN loss) pass
 * through as they are and do not disturb the average, so a diverged step stays visible.
 */
export function smoothSeries(values: readonly number[], smoothing: number): number[] {
  const a = Math.min(0.999, Math.max(0, Number.isFinite(smoothing) ? smoothing : 0));
  const smoothed: number[] = new Array<number>(values.length);
  let average: number | null = null;
  values.forEach((value, index) => {
    if (!Number.isFinite(value)) {
      smoothed[index] = value;
      return;
    }
    average = average === null ? value : a * average + (1 - a) * value;
    smoothed[index] = average;
  });
  return smoothed;
}

/**
 * Min/max-preserving downsampling for display. Keeps the first and last points and, in each of
 * ⌊(maxPoints − 2) / (2k)⌋ equal buckets between them, the points holding the minimum and the
 * maximum of each of the k series `seriesOf` returns; so spikes survive however long the run,
 * and the result never exceeds `maxPoints`. Returns `points` itself when it is short enough.
 * O(n·k).
 */
export function downsample<T>(points: readonly T[], maxPoints: number, seriesOf: (point: T) => readonly number[]): readonly T[] {
  const n = points.length;
  if (n <= maxPoints) return points;
  if (maxPoints < 2) return points.slice(0, Math.max(0, maxPoints));
  const first = points[0] as T;
  const last = points[n - 1] as T;
  const seriesCount = Math.max(1, seriesOf(first).length);
  const buckets = Math.floor((maxPoints - 2) / (2 * seriesCount));
  const interior = n - 2;

  const kept: number[] = [];
  for (let bucket = 0; bucket < buckets; bucket++) {
    const start = 1 + Math.floor((bucket * interior) / buckets);
    const end = 1 + Math.floor(((bucket + 1) * interior) / buckets);
    if (start >= end) continue;
    const minIndex = new Array<number>(seriesCount).fill(-1);
    const maxIndex = new Array<number>(seriesCount).fill(-1);
    const minValue = new Array<number>(seriesCount).fill(Infinity);
    const maxValue = new Array<number>(seriesCount).fill(-Infinity);
    for (let i = start; i < end; i++) {
      const values = seriesOf(points[i] as T);
      for (let s = 0; s < seriesCount; s++) {
        const value = values[s];
        if (value === undefined || !Number.isFinite(value)) continue;
        if (value < (minValue[s] as number)) {
          minValue[s] = value;
          minIndex[s] = i;
        }
        if (value > (maxValue[s] as number)) {
          maxValue[s] = value;
          maxIndex[s] = i;
        }
      }
    }
    const chosen = new Set<number>();
    for (let s = 0; s < seriesCount; s++) {
      // A bucket with no finite value keeps its first point, so a run of NaNs still shows as a gap.
      chosen.add(minIndex[s] === -1 ? start : (minIndex[s] as number));
      chosen.add(maxIndex[s] === -1 ? start : (maxIndex[s] as number));
    }
    kept.push(...[...chosen].sort((x, y) => x - y));
  }
  return [first, ...kept.map((i) => points[i] as T), last];
}

/**
 * Each metric column smoothed on its own, `step` untouched. Smooth the full history before
 * downsampling: smoothing thinned points would average different things at different run lengths.
 */
export function smoothRows(rows: readonly MetricRow[], smoothing: number): MetricRow[] {
  if (!(smoothing > 0)) return rows.slice();
  const columns = Object.fromEntries(
    STEP_METRICS.map((name) => [name, smoothSeries(rows.map((row) => row[name]), smoothing)]),
  ) as Record<StepMetricName, number[]>;
  return rows.map((row, i) => {
    const smoothed = { step: row.step } as MetricRow;
    for (const name of STEP_METRICS) smoothed[name] = columns[name][i] as number;
    return smoothed;
  });
}

/** Metric rows as CSV: a header `step,dRealLoss,…,gAccuracy`, one line per row, full precision. */
export function metricsToCsv(rows: readonly MetricRow[]): string {
  const header = ['step', ...STEP_METRICS].join(',');
  const lines = rows.map((row) => [row.step, ...STEP_METRICS.map((name) => row[name])].map(String).join(','));
  return [header, ...lines].join('\n') + '\n';
}

/**
 * Round tick positions ("0, 500, 1,000, …") covering [min, max], about `count` of them: steps of
 * 1, 2 or 5 × 10ⁿ, as people read axes.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return Number.isFinite(min) ? [min] : [];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power);
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step) * step; tick <= max + 1e-9; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return ticks;
}

/** How many of the latest steps the "stuck" hint looks at. */
export const STUCK_WINDOW = 200;
/**
 * No hint before this step: in a GAN's first hundreds of steps D is routinely right about
 * everything while G is still finding its way (seen on every Quick look run), which is not stuck.
 */
export const STUCK_AFTER_STEP = 1000;

/**
 * A plain hint when training is stuck: over the last STUCK_WINDOW steps, D is (almost) always
 * right on real and fake images and G (almost) never fools it — the classic collapse of a GAN
 * whose discriminator won. Null while training looks healthy or is too young to tell.
 */
export function stuckHint(rows: readonly MetricRow[]): string | null {
  if (rows.length < STUCK_WINDOW || (rows.at(-1)?.step ?? 0) < STUCK_AFTER_STEP) return null;
  const recent = rows.slice(-STUCK_WINDOW);
  const mean = (key: StepMetricName) => recent.reduce((sum, row) => sum + row[key], 0) / recent.length;
  if (mean('dRealAccuracy') > 0.99 && mean('dFakeAccuracy') > 0.99 && mean('gAccuracy') < 0.01) {
    return 'The discriminator is winning: it tells every fake from the real images, so the generator learns nothing. Try a lower D learning rate or some label smoothing (0.1), or start again with another seed.';
  }
  return null;
}
