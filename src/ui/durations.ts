/**
 * Durations as people say them ("≈ 12 min", "≈ 5 days"), and a step-rate estimate smoothed
 * over the last minute, so an ETA neither jumps with every metrics message nor lags for hours.
 */

/** "≈ 40 s", "≈ 12 min", "≈ 3.5 h", "≈ 5 days". */
export function approxDuration(ms: number): string {
  const seconds = Math.max(0, ms / 1000);
  if (seconds < 90) return `≈ ${Math.max(1, Math.round(seconds / 5) * 5 || Math.round(seconds))} s`;
  const minutes = seconds / 60;
  if (minutes < 90) return `≈ ${Math.round(minutes)} min`;
  const hours = minutes / 60;
  if (hours < 36) return `≈ ${hours < 10 ? Number(hours.toFixed(1)) : Math.round(hours)} h`;
  const days = hours / 24;
  return `≈ ${days < 10 ? Number(days.toFixed(1)) : Math.round(days)} days`;
}

export interface RateSample {
  /** ms (performance.now()). */
  at: number;
  step: number;
}

/** How far back the rate looks. */
export const RATE_WINDOW_MS = 60_000;

/** Adds a sample and drops those older than the window (keeping one just outside it as the anchor). */
export function addRateSample(samples: readonly RateSample[], sample: RateSample): RateSample[] {
  const kept = [...samples, sample];
  while (kept.length > 2 && (kept[1]?.at ?? 0) <= sample.at - RATE_WINDOW_MS) kept.shift();
  return kept;
}

/** ms per step over the window, or null before two samples a step apart. */
export function msPerStep(samples: readonly RateSample[]): number | null {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || last.step <= first.step) return null;
  return (last.at - first.at) / (last.step - first.step);
}
