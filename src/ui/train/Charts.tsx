import { memo, useEffect, useId, useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricRow, StepMetricName } from '../../protocol/metrics.ts';
import { downsample, MAX_CHART_POINTS, niceTicks, smoothRows, stuckHint } from './chart-data.ts';
import './trainer.css';

/** Colours that read on both the light and the dark background; real = blue, fake = orange, G = green.
 * Hex rather than CSS variables: SVG presentation attributes do not resolve var() everywhere. */
const SERIES_COLOURS = { real: '#3b82f6', fake: '#f97316', generator: '#16a34a', throughput: '#8b5cf6' } as const;

interface SeriesSpec {
  key: StepMetricName;
  name: string;
  colour: string;
}

const LOSS_SERIES: readonly SeriesSpec[] = [
  { key: 'dRealLoss', name: 'D loss, real', colour: SERIES_COLOURS.real },
  { key: 'dFakeLoss', name: 'D loss, fake', colour: SERIES_COLOURS.fake },
  { key: 'gLoss', name: 'G loss', colour: SERIES_COLOURS.generator },
];

const ACCURACY_SERIES: readonly SeriesSpec[] = [
  { key: 'dRealAccuracy', name: 'D accuracy, real', colour: SERIES_COLOURS.real },
  { key: 'dFakeAccuracy', name: 'D accuracy, fake', colour: SERIES_COLOURS.fake },
  { key: 'gAccuracy', name: 'G accuracy (fakes judged real)', colour: SERIES_COLOURS.generator },
];

const DEFAULT_SMOOTHING = 0.6;
const CHART_HEIGHT = 220;
const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--fg)' };

function formatTick(value: number): string {
  return Math.abs(value) >= 1000 ? `${Number((value / 1000).toPrecision(3))}k` : String(Number(value.toPrecision(3)));
}

function formatTooltipValue(value: unknown): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(4))) : String(value);
}

/** Position of a series in `series`, for legend and tooltip order. */
function seriesOrder(series: readonly SeriesSpec[], dataKey: unknown): number {
  return series.findIndex((s) => s.key === dataKey);
}

/** Round step ticks over the data's steps. */
function stepTicks(data: readonly { step: number }[]): number[] {
  return niceTicks(data[0]?.step ?? 0, data.at(-1)?.step ?? 0, 6);
}

const STEP_AXIS_LABEL = { value: 'Step', position: 'insideBottomRight', offset: -2 } as const;
const STEP_DOMAIN = ['dataMin', 'dataMax'] as const;
const AUTO_DOMAIN = ['auto', 'auto'] as const;
const ACCURACY_DOMAIN: [number, number] = [0, 1];
const MARKER_COLOUR = '#a3a3b8';
const MARKER_LABEL = { value: 'shown grid', position: 'insideTopLeft', fontSize: 11 } as const;

/** Memoised: it redraws only when its (throttled, staggered) data or the marker changes. */
const MetricChart = memo(function MetricChart({
  title,
  yTitle,
  data: liveData,
  series,
  yDomain,
  delayMs,
  markedStep,
}: {
  title: string;
  yTitle: string;
  data: readonly MetricRow[];
  series: readonly SeriesSpec[];
  yDomain?: [number, number];
  /** When this chart takes new data, after its siblings (see useDelayed). */
  delayMs: number;
  /** The step the grid history shows, marked with a vertical line; null when following live. */
  markedStep: number | null;
}) {
  const titleId = useId();
  const data = useDelayed(liveData, delayMs);
  // Stable props, so recharts' memoised selectors skip the work when nothing changed.
  const ticks = useMemo(() => stepTicks(data), [data]);
  const yLabel = useMemo(() => ({ value: yTitle, angle: -90, position: 'insideLeft', offset: 4 }) as const, [yTitle]);
  return (
    <figure className="chart" aria-labelledby={titleId}>
      <figcaption id={titleId} className="chart-title">
        {title}
      </figcaption>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
        <LineChart data={data} margin={{ top: 4, right: 12, bottom: 12, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={STEP_DOMAIN} ticks={ticks} allowDecimals={false} tickFormatter={formatTick} label={STEP_AXIS_LABEL} />
          <YAxis domain={yDomain ?? AUTO_DOMAIN} width={52} tickFormatter={formatTick} allowDataOverflow={yDomain !== undefined} label={yLabel} />
          {markedStep !== null && <ReferenceLine x={markedStep} stroke={MARKER_COLOUR} strokeDasharray="4 2" label={MARKER_LABEL} />}
          <Tooltip
            isAnimationActive={false}
            contentStyle={TOOLTIP_STYLE}
            labelFormatter={(step) => `Step ${String(step)}`}
            formatter={formatTooltipValue}
            itemSorter={(item) => seriesOrder(series, item.dataKey)}
          />
          {/* In our order (real, fake, G), not recharts' alphabetical default. */}
          <Legend itemSorter={(item) => seriesOrder(series, item.dataKey)} />
          {series.map((s) => (
            <Line key={s.key} dataKey={s.key} name={s.name} stroke={s.colour} dot={false} strokeWidth={1.5} type="linear" isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
});

/**
 * Loss, accuracy and throughput against the step, with a labelled EMA smoothing control.
 * Smoothing runs over the full history, then each chart is thinned to MAX_CHART_POINTS
 * (min/max-preserving) so 10,000+ steps still redraw quickly; both steps are memoised.
 */
/**
 * Flat placeholder series drawn (under the empty-state note) before the first step, so the
 * charts' first full render, the slowest by far, happens on an idle page, not mid-training.
 */
const PLACEHOLDER_ROWS: MetricRow[] = [0, 1].map((step) => ({
  step,
  dRealLoss: 0,
  dRealAccuracy: 0,
  dFakeLoss: 0,
  dFakeAccuracy: 0,
  gLoss: 0,
  gAccuracy: 0,
}));
const PLACEHOLDER_THROUGHPUT = [
  { step: 0, imagesPerSecond: 0 },
  { step: 1, imagesPerSecond: 0 },
];

/** Redraw the charts at most this often: each redraw of three SVG charts costs tens of ms. */
const CHART_REFRESH_MS = 1000;

/** `value`, but changing at most once per `intervalMs` (the latest value wins). */
function useThrottled<T>(value: T, intervalMs: number): T {
  const [shown, setShown] = useState(value);
  const [shownAt, setShownAt] = useState(0);
  useEffect(() => {
    if (value === shown) return;
    const wait = Math.max(0, shownAt + intervalMs - performance.now());
    const timer = setTimeout(() => {
      setShown(value);
      setShownAt(performance.now());
    }, wait);
    return () => clearTimeout(timer);
  }, [value, shown, shownAt, intervalMs]);
  return shown;
}

/**
 * `value`, `delayMs` later. Recharts redraws synchronously (its store updates cannot be split by
 * React), so the three charts take their new data in three separate tasks, a third of a second
 * apart, rather than in one long one.
 */
function useDelayed<T>(value: T, delayMs: number): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    if (value === shown) return;
    const timer = setTimeout(() => setShown(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, shown, delayMs]);
  return shown;
}

const STAGGER_MS = 330;

export const Charts = memo(function Charts({
  rows: liveRows,
  throughput: liveThroughput,
  markedStep = null,
}: {
  rows: MetricRow[];
  throughput: { step: number; imagesPerSecond: number }[];
  /** The step the grid history shows (a marker on the charts), null when following live. */
  markedStep?: number | null;
}) {
  const rows = useThrottled(liveRows, CHART_REFRESH_MS);
  const throughput = useThrottled(liveThroughput, CHART_REFRESH_MS);
  const [smoothing, setSmoothing] = useState(DEFAULT_SMOOTHING);
  const smoothingId = useId();

  const smoothed = useMemo(() => smoothRows(rows.length > 0 ? rows : PLACEHOLDER_ROWS, smoothing), [rows, smoothing]);
  const lossData = useMemo(() => downsample(smoothed, MAX_CHART_POINTS, (row) => LOSS_SERIES.map((s) => row[s.key])), [smoothed]);
  const accuracyData = useMemo(
    () => downsample(smoothed, MAX_CHART_POINTS, (row) => ACCURACY_SERIES.map((s) => row[s.key])),
    [smoothed],
  );
  const throughputData = useMemo(() => downsample(throughput.length > 0 ? throughput : PLACEHOLDER_THROUGHPUT, MAX_CHART_POINTS, (point) => [point.imagesPerSecond]), [throughput]);

  const delayedThroughput = useDelayed(throughputData, 2 * STAGGER_MS);
  const throughputTicks = useMemo(() => stepTicks(delayedThroughput), [delayedThroughput]);
  const stuck = useMemo(() => stuckHint(rows), [rows]);
  const empty = rows.length === 0;

  // Before the first step one line says what will appear. The charts still render (hidden, at
  // full width) so recharts' first, slowest render happens on an idle page rather than as a
  // 200 ms stall just after Start.
  return (
    <section className="charts" aria-label="Training charts">
      {empty && <p className="charts-empty">Losses and accuracies of both networks, and the quality of the faces, are charted here from the first steps.</p>}
      {stuck && (
        <p className="banner warning stuck-hint" role="status">
          {stuck}
        </p>
      )}
      <div className={empty ? 'charts-body pending' : 'charts-body'} aria-hidden={empty || undefined}>
      <div className="charts-toolbar">
        <label htmlFor={smoothingId}>Chart smoothing</label>
        <input
          id={smoothingId}
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={smoothing}
          onChange={(event) => setSmoothing(Number(event.target.value))}
          aria-describedby={`${smoothingId}-hint`}
        />
        <output htmlFor={smoothingId}>{smoothing.toFixed(2)}</output>
        <span id={`${smoothingId}-hint`} className="field-hint">
          Moving average of losses and accuracies; 0 shows every step as it was.
        </span>
      </div>
      <MetricChart title="Losses (lower is better for each network)" yTitle="Loss" data={lossData} series={LOSS_SERIES} delayMs={0} markedStep={markedStep} />
      <MetricChart
        title="Accuracies (a healthy GAN hovers in the middle)"
        yTitle="Accuracy"
        data={accuracyData}
        series={ACCURACY_SERIES}
        yDomain={ACCURACY_DOMAIN}
        delayMs={STAGGER_MS}
        markedStep={markedStep}
      />
      {(
        <figure className="chart chart-secondary" aria-label="Speed">
          <figcaption className="chart-title">Speed (images per second)</figcaption>
          <ResponsiveContainer width="100%" height={CHART_HEIGHT * 0.45}>
            <LineChart data={delayedThroughput} margin={{ top: 4, right: 12, bottom: 4, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="step" type="number" domain={STEP_DOMAIN} ticks={throughputTicks} allowDecimals={false} tickFormatter={formatTick} />
              <YAxis width={52} tickFormatter={formatTick} domain={[0, 'auto']} />
              <Tooltip
                isAnimationActive={false}
                contentStyle={TOOLTIP_STYLE}
                labelFormatter={(step) => `Step ${String(step)}`}
                formatter={formatTooltipValue}
              />
              <Line
                dataKey="imagesPerSecond"
                name="images/s"
                stroke={SERIES_COLOURS.throughput}
                dot={false}
                strokeWidth={1.5}
                type="linear"
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </figure>
      )}
      </div>
    </section>
  );
});
