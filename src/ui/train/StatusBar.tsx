import { formatBytes } from '../../protocol/format.ts';
import { approxDuration } from './durations.ts';
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

/**
 * Run status with a progress bar: "Step 1,234 / 10,000 · 12:03 elapsed · ≈ 25 min left · next
 * grid in ≈ 10 s", and, smaller, "45.2 images/s · wasm · 312 tensors, 48.1 MB". The time left
 * comes from `msPerStep`, the step rate smoothed over the last minute (see durations.ts).
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
  msPerStep,
  nextGridInMs,
}: {
  state: StatusBarState;
  step: number;
  totalSteps: number;
  elapsedMs: number;
  imagesPerSecond: number;
  backend: string | null;
  numTensors: number;
  numBytes: number;
  /** Recent ms per step, or null before it is known. */
  msPerStep: number | null;
  /** Until the next preview grid is due, or null when unknown. */
  nextGridInMs: number | null;
}) {
  const running = state === 'running';
  const eta = running && msPerStep !== null ? Math.max(0, totalSteps - step) * msPerStep : null;
  const parts = [
    `Step ${step.toLocaleString('en-US')} / ${totalSteps.toLocaleString('en-US')}`,
    `${formatDuration(elapsedMs)} elapsed`,
    ...(running ? [eta !== null ? `${approxDuration(eta)} left` : 'timing the first steps…'] : []),
    ...(running && nextGridInMs !== null ? [`next grid in ${approxDuration(nextGridInMs)}`] : []),
  ];
  const details = [
    ...(imagesPerSecond > 0 ? [`${imagesPerSecond.toFixed(1)} images/s`] : []),
    ...(msPerStep !== null ? [`${(msPerStep / 1000).toFixed(msPerStep < 10_000 ? 2 : 1)} s a step`] : []),
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
      <span className="status-details">{details.join(' · ')}</span>
    </div>
  );
}
