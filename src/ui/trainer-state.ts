/**
 * The page's model of the worker: a pure reducer from worker messages to UI state, so it can
 * be tested without a browser. Chart series accumulate here; the worker sends only deltas.
 */
import type { CachedSetSummary, DatasetReport, LoadProgress } from '../protocol/dataset.ts';
import {
  assertNever,
  type BackendName,
  type BackendRejection,
  type WorkerEvent,
  type LiveSettings,
  type RunState,
  type StoredCheckpointInfo,
} from '../protocol/messages.ts';
import type { MetricRow, QualityRow } from '../protocol/metrics.ts';
import type { CandidateTiming } from '../protocol/presets.ts';

export interface GridFrame {
  step: number;
  width: number;
  height: number;
  pixels: Uint8ClampedArray<ArrayBuffer>;
}

export interface LoadedSet {
  report: DatasetReport;
  sample: GridFrame;
  /** Equal for two loads of the same data (see datasetIdentity); checkpoints record it. */
  identity: string;
}

/** `previous` is the set the worker still holds while a new load runs or after one fails. */
export type LoadStatus =
  | { status: 'empty' }
  | { status: 'loading'; source: string; progress: LoadProgress | null; previous: LoadedSet | null }
  | ({ status: 'ready' } & LoadedSet)
  | { status: 'failed'; message: string; cancelled: boolean; previous: LoadedSet | null };

/** The set the worker holds now, whatever the page is showing. */
export function currentSet(load: LoadStatus): LoadedSet | null {
  switch (load.status) {
    case 'empty':
      return null;
    case 'ready':
      return { report: load.report, sample: load.sample, identity: load.identity };
    case 'loading':
    case 'failed':
      return load.previous;
  }
}

export interface RunView {
  state: RunState;
  step: number;
  totalSteps: number;
  /** ms spent in the running state before `runningSince`. */
  elapsedBefore: number;
  /** performance.now() when the run last entered `running`, or null when not running. */
  runningSince: number | null;
}

export interface TrainerState {
  backend: BackendName | null;
  rejected: BackendRejection[];
  crossOriginIsolated: boolean;
  wasmThreads: number | null;
  untrainedGrid: GridFrame | null;
  previewBusy: boolean;
  /** How fast this device trains the Quick look candidates, once the worker has timed them. */
  speed: { backend: BackendName; timings: CandidateTiming[] } | null;
  load: LoadStatus;
  run: RunView | null;
  rows: MetricRow[];
  /** Quality measurements (SWD) of the current run, in step order. */
  quality: QualityRow[];
  throughput: { step: number; imagesPerSecond: number }[];
  memory: { numTensors: number; numBytes: number } | null;
  /** The live settings the worker last reported using. */
  live: LiveSettings | null;
  latestGrid: GridFrame | null;
  /** performance.now() when latestGrid arrived (for "next grid in ~N s"). */
  latestGridAt: number | null;
  cache: { available: boolean; sets: CachedSetSummary[] } | null;
  /** A run saved in browser storage by an earlier visit, offered for resuming; null once used or discarded. */
  stored: StoredCheckpointInfo | null;
  /** Automatic checkpoints of the current run: the last step saved, and why the last save failed (if it did). */
  checkpoint: { savedStep: number | null; failure: string | null };
  /** The latest problem to show, with whether the app can carry on. */
  error: { message: string; recoverable: boolean } | null;
}

export const INITIAL_TRAINER_STATE: TrainerState = {
  backend: null,
  rejected: [],
  crossOriginIsolated: false,
  wasmThreads: null,
  untrainedGrid: null,
  previewBusy: true,
  speed: null,
  load: { status: 'empty' },
  run: null,
  rows: [],
  quality: [],
  throughput: [],
  memory: null,
  live: null,
  latestGrid: null,
  latestGridAt: null,
  cache: null,
  stored: null,
  checkpoint: { savedStep: null, failure: null },
  error: null,
};

function frameOf(step: number, image: { width: number; height: number; pixels: ArrayBuffer }): GridFrame {
  return { step, width: image.width, height: image.height, pixels: new Uint8ClampedArray(image.pixels) };
}

/** Actions the page itself takes, besides worker messages. */
export type PageAction =
  | { type: 'page/preview-requested' }
  | { type: 'page/load-started'; source: string }
  | { type: 'page/run-requested' }
  | { type: 'page/dismiss-error' }
  | { type: 'page/elapsed-restored'; ms: number }
  | { type: 'page/worker-crashed'; message: string };

/** Elapsed running time of a run at `now`, in ms. */
export function elapsedMs(run: RunView, now: number): number {
  return run.elapsedBefore + (run.runningSince === null ? 0 : Math.max(0, now - run.runningSince));
}

/**
 * Applies one worker message or page action. `now` is performance.now(), passed in so the
 * reducer stays pure.
 */
export function reduceTrainer(state: TrainerState, action: WorkerEvent | PageAction, now: number): TrainerState {
  switch (action.type) {
    case 'ready':
      return { ...state, backend: action.backend, rejected: action.rejected, crossOriginIsolated: action.crossOriginIsolated, wasmThreads: action.wasmThreads };
    case 'grid': {
      const frame = frameOf(action.step, action.image);
      return action.kind === 'untrained'
        ? { ...state, untrainedGrid: frame, previewBusy: false }
        : { ...state, latestGrid: frame, latestGridAt: now };
    }
    case 'speed-probed':
      return { ...state, speed: { backend: action.backend, timings: action.timings } };
    case 'load-progress':
      return state.load.status === 'loading' ? { ...state, load: { ...state.load, progress: action.progress } } : state;
    case 'dataset':
      return { ...state, load: { status: 'ready', report: action.report, sample: frameOf(0, action.sample), identity: action.identity }, error: null };
    case 'load-failed': {
      // After a failed or cancelled load the worker still holds the previous set, so keep showing it.
      const previous = currentSet(state.load);
      if (action.cancelled && previous) return { ...state, load: { status: 'ready', ...previous } };
      return { ...state, load: { status: 'failed', message: action.message, cancelled: action.cancelled, previous } };
    }
    case 'cache-list':
      return { ...state, cache: { available: action.available, sets: action.sets } };
    case 'run-state': {
      const previous = state.run;
      const wasRunning = previous !== null && previous.runningSince !== null;
      const elapsedBefore = previous && wasRunning ? elapsedMs(previous, now) : (previous?.elapsedBefore ?? 0);
      const isRunning = action.state === 'running';
      return {
        ...state,
        run: {
          state: action.state,
          step: action.step,
          totalSteps: action.totalSteps,
          elapsedBefore,
          runningSince: isRunning ? (wasRunning ? (previous?.runningSince ?? now) : now) : null,
        },
      };
    }
    case 'metrics': {
      const last = action.rows.at(-1);
      if (!last) return state;
      return {
        ...state,
        rows: state.rows.concat(action.rows),
        throughput: state.throughput.concat({ step: last.step, imagesPerSecond: action.imagesPerSecond }),
        memory: action.memory,
        live: action.live,
        run: state.run ? { ...state.run, step: Math.max(state.run.step, last.step) } : state.run,
      };
    }
    case 'error':
      return { ...state, error: { message: action.message, recoverable: action.recoverable }, previewBusy: false };
    case 'stored-checkpoint':
      return { ...state, stored: action.info };
    case 'checkpoint-saved':
      return { ...state, checkpoint: { savedStep: action.step, failure: null } };
    case 'checkpoint-save-failed':
      return { ...state, checkpoint: { ...state.checkpoint, failure: action.message } };
    case 'run-restored': {
      // The charts continue the restored history; anything after its step is gone.
      const keptThroughput = state.throughput.filter((t) => t.step <= action.step);
      return {
        ...state,
        rows: action.rows,
        quality: action.quality,
        throughput: action.reason === 'rolled-back' ? keptThroughput : [],
        stored: action.reason === 'rolled-back' ? state.stored : null,
        checkpoint: action.reason === 'rolled-back' ? state.checkpoint : { savedStep: action.step, failure: null },
        run: {
          state: 'paused',
          step: action.step,
          totalSteps: action.config.steps,
          elapsedBefore: action.reason === 'rolled-back' ? (state.run?.elapsedBefore ?? 0) : 0,
          runningSince: null,
        },
      };
    }
    case 'quality':
      return { ...state, quality: [...state.quality.filter((row) => row.step < action.row.step), action.row] };
    case 'backend-lost':
      // The run itself arrives as run-restored; this names the new backend and says what happened.
      return { ...state, backend: action.backend, error: { message: action.message, recoverable: true } };
    case 'page/preview-requested':
      return { ...state, previewBusy: true };
    case 'page/load-started':
      return { ...state, load: { status: 'loading', source: action.source, progress: null, previous: currentSet(state.load) }, error: null };
    case 'page/run-requested':
      // A new run starts empty charts and history.
      return { ...state, rows: [], quality: [], throughput: [], latestGrid: null, run: null, error: null, stored: null, checkpoint: { savedStep: null, failure: null } };
    case 'page/dismiss-error':
      return { ...state, error: null };
    case 'page/elapsed-restored':
      return state.run ? { ...state, run: { ...state.run, elapsedBefore: action.ms } } : state;
    case 'page/worker-crashed':
      return { ...state, error: { message: action.message, recoverable: false } };
    default:
      return assertNever(action);
  }
}
