import './trainer.css';

export type StatusBarState = 'idle' | 'running' | 'paused' | 'done' | 'stopped';

const STATE_LABELS: Record<StatusBarState, string> = {
  idle: 'Idle',
  running: 'Training',
  paused: 'Paused',
  done: 'Done',
  stopped: 'Stopped',
};

/** "12:03" under an hour, "1:02:10" from an hour up. */
function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Decimal megabytes, as tfjs's numBytes counts bytes. */
function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Milliseconds left, from the recent rate when the batch size is known (images/s ÷ batch =
 * steps/s, which follows a backend warming up or a tab being throttled) and from the run's
 * average otherwise. Null when there is no rate yet.
 */
function estimateRemainingMs(step: number, totalSteps: number, elapsedMs: number, imagesPerSecond: number, batchSize?: number): number | null {
  const remaining = Math.max(0, totalSteps - step);
  if (batchSize !== undefined && batchSize > 0 && imagesPerSecond > 0) return (remaining * batchSize * 1000) / imagesPerSecond;
  if (step > 0 && elapsedMs > 0) return (remaining * elapsedMs) / step;
  return null;
}

/**
 * One line of run status with a progress bar: "Step 1,234 / 10,000 · 12:03 elapsed · ETA 1:02:10
 * · 45.2 images/s · wasm · 312 tensors, 48.1 MB". Pass `batchSize` for an ETA from the recent rate.
 */
export function StatusBar({
  state,
  step,
  totalSteps,
  elapsedMs,
  imagesPerSecond,
  backend,
  numTensors,
  numBytes,
  batchSize,
}: {
  state: StatusBarState;
  step: number;
  totalSteps: number;
  elapsedMs: number;
  imagesPerSecond: number;
  backend: string | null;
  numTensors: number;
  numBytes: number;
  batchSize?: number;
}) {
  const eta = state === 'running' ? estimateRemainingMs(step, totalSteps, elapsedMs, imagesPerSecond, batchSize) : null;
  const parts = [
    `Step ${step.toLocaleString('en-US')} / ${totalSteps.toLocaleString('en-US')}`,
    `${formatDuration(elapsedMs)} elapsed`,
    ...(eta !== null ? [`ETA ${formatDuration(eta)}`] : []),
    ...(imagesPerSecond > 0 ? [`${imagesPerSecond.toFixed(1)} images/s`] : []),
    ...(backend ? [backend] : []),
    `${numTensors.toLocaleString('en-US')} tensors, ${formatBytes(numBytes)}`,
  ];
  return (
    <div className="status-bar" data-state={state}>
      <span className="status-state">{STATE_LABELS[state]}</span>
      <progress aria-label="Training progress" max={Math.max(1, totalSteps)} value={Math.min(step, totalSteps)}>
        {totalSteps > 0 ? `${Math.round((100 * step) / totalSteps)}%` : ''}
      </progress>
      <span className="status-text">{parts.join(' · ')}</span>
    </div>
  );
}
