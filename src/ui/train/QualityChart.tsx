import { memo, useId, useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { QualityRow } from '../../protocol/metrics.ts';

/** One colour per pyramid level, finest first; the average is drawn thicker in the text colour. */
const LEVEL_COLOURS = ['#0ea5e9', '#a855f7', '#f59e0b', '#ef4444', '#10b981'] as const;
const AVERAGE_COLOUR = '#64748b';
const CHART_HEIGHT = 200;
const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--fg)' };

/** Side in pixels of pyramid level `index` of `levels` for `resolution` px images (halving each level). */
export function levelSide(resolution: number, index: number): number {
  return resolution / 2 ** index;
}

function formatValue(value: unknown): string {
  return typeof value === 'number' ? value.toFixed(1) : String(value);
}

/**
 * The run's sample quality over time: multi-scale sliced Wasserstein distance between the
 * held-back real images and generated ones (×10³, lower is better), per pyramid level and
 * averaged. Measurements are rare (every N steps), so this chart draws every point.
 */
export const QualityChart = memo(function QualityChart({ rows, resolution, note }: { rows: readonly QualityRow[]; resolution: number; note: string }) {
  const titleId = useId();
  const levels = rows.reduce((most, row) => Math.max(most, row.perLevel.length), 0);
  const data = useMemo(
    () => rows.map((row) => ({ step: row.step, swd: row.swd, ...Object.fromEntries(row.perLevel.map((value, i) => [`level${i}`, value])) })),
    [rows],
  );
  const latest = rows.at(-1);
  const best = rows.reduce<QualityRow | null>((lowest, row) => (lowest === null || row.swd < lowest.swd ? row : lowest), null);
  return (
    <figure className="chart quality-chart" aria-labelledby={titleId}>
      <figcaption id={titleId} className="chart-title">
        Quality: sliced Wasserstein distance to held-back real images (×10³, lower is better)
      </figcaption>
      <p className="field-hint">{note}</p>
      {latest && best ? (
        <>
          <p className="quality-latest" data-testid="quality-latest">
            Latest: {latest.swd.toFixed(1)} at step {latest.step.toLocaleString('en-US')}; best: {best.swd.toFixed(1)} at step{' '}
            {best.step.toLocaleString('en-US')} ({rows.length} measurement{rows.length === 1 ? '' : 's'}, {latest.images} images each side).
          </p>
          <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
            <LineChart data={data} margin={{ top: 4, right: 12, bottom: 4, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
              <YAxis width={48} domain={[0, 'auto']} />
              <Tooltip isAnimationActive={false} contentStyle={TOOLTIP_STYLE} labelFormatter={(step) => `Step ${String(step)}`} formatter={formatValue} />
              <Legend />
              {levels > 1 &&
                Array.from({ length: levels }, (_, i) => (
                  <Line
                    key={i}
                    dataKey={`level${i}`}
                    name={`${levelSide(resolution, i)} px detail`}
                    stroke={LEVEL_COLOURS[i % LEVEL_COLOURS.length]}
                    dot={rows.length < 30}
                    strokeWidth={1}
                    type="linear"
                    isAnimationActive={false}
                  />
                ))}
              <Line dataKey="swd" name="average" stroke={AVERAGE_COLOUR} dot={rows.length < 30} strokeWidth={2} type="linear" isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </>
      ) : (
        <p className="charts-empty">No measurement yet.</p>
      )}
    </figure>
  );
});
