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

/** Metrics messages in about a minute (the worker sends one every 250 ms while training). */
const RATE_WINDOW_ENTRIES = 240;

/**
 * The run's recent ms per step, smoothed over about the last minute of throughput reports (each
 * covers the steps since the one before); null until there is one.
 */
export function recentMsPerStep(throughput: readonly { imagesPerSecond: number }[], batchSize: number): number | null {
  const recent = throughput.slice(-RATE_WINDOW_ENTRIES).filter((entry) => entry.imagesPerSecond > 0);
  if (recent.length === 0) return null;
  // The harmonic mean of the rates is the rate over the whole window (each entry a similar span).
  const meanSecondsPerImage = recent.reduce((sum, entry) => sum + 1 / entry.imagesPerSecond, 0) / recent.length;
  return meanSecondsPerImage * batchSize * 1000;
}
