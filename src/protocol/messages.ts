/**
 * The typed protocol between the page and the training worker. Every message is a tagged
 * union member; both sides switch on `type` exhaustively (see assertNever).
 *
 * The reply convention: a `ToWorker` message that expects an answer carries a `requestId`, and
 * the worker answers it exactly once, with its reply (a `WorkerReply` repeating the id) or with
 * `request-failed` and a sentence for the user. Everything else the worker sends is a
 * `WorkerEvent`: news the page did not ask for by id (metrics, grids, run state).
 */
import type { LiveSettings, TrainConfig } from './config.ts';
import type { CachedSetSummary, CartoonOrigin, DatasetOptions, DatasetReport, LoadProgress } from './dataset.ts';
import type { MetricRow, QualityRow } from './metrics.ts';
import type { CandidateTiming } from './presets.ts';

/** A checkpoint kept in browser storage, as offered for resuming after a reload. */
export interface StoredCheckpointInfo {
  /** Steps completed; training resumes at this step. */
  step: number;
  config: TrainConfig;
  /** The data set's identity (see datasetIdentity in dataset.ts), or null when unknown. */
  datasetIdentity: string | null;
  /** A name for people, e.g. "faces.zip" or "200 cartoon faces". */
  datasetName: string;
  /** ms since the epoch. */
  savedAt: number;
}

/** Why a run was rebuilt from a checkpoint. */
export type RestoreReason = 'resumed' | 'loaded' | 'rolled-back';

/**
 * Whether wasm trains on every core unless the page's `?cores=` says otherwise. Measured on a
 * 2-core machine (README, "Using every core"): a step is faster on both cores, and leaving one to
 * the page did not make it smoother (the OS interrupts the page either way).
 */
export const EVERY_CORE_BY_DEFAULT = true;

/** tfjs backends in the order the worker tries them when the user has no preference. */
export const BACKEND_PREFERENCE = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_PREFERENCE as readonly string[]).includes(value);
}

/** Why a backend was passed over, shown to the user ("webgl: software renderer (SwiftShader)"). */
export interface BackendRejection {
  backend: BackendName;
  reason: string;
}

/** Settings that may change while a run exists: defined once, in config.ts (LIVE_SETTINGS). */
export { liveSettingsOf, type LiveSettings } from './config.ts';

export type RunState = 'running' | 'paused' | 'done' | 'stopped';

/** RGBA pixels, row-major; the buffer is transferred, not copied. */
export interface RgbaImage {
  width: number;
  height: number;
  pixels: ArrayBuffer;
}

/** What the worker hands over for "Download generator": tfjs ModelArtifacts, plain data. */
export interface GeneratorArtifacts {
  modelTopology: unknown;
  weightSpecs: { name: string; shape: number[]; dtype: string }[];
  weightData: ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/**
 * Which generator the Generate view draws from: the current run's (`live`, its weights as they
 * are when asked) or one uploaded from an earlier "Download generator" zip.
 */
export type GeneratorSource = 'live' | 'uploaded';

/** What the page shows about an uploaded generator. */
export interface UploadedGeneratorInfo {
  /** The zip's file name. */
  fileName: string;
  /** The run it came from, as recorded in its ganvas-run.json. */
  summary: RunSummary;
}

/** One generated face: the seed names its latent vector (see latentForSeed). S×S RGBA. */
export interface GeneratedFace {
  seed: number;
  image: RgbaImage;
}

/** A real training image close to a generated one; `distance` is the RMS pixel difference in 0–255 levels. */
export interface NearestImage {
  /** Index of the image in the loaded set. */
  index: number;
  distance: number;
  image: RgbaImage;
}

/** Where an exported recipe continues the run: Keras (Heaton's notebook) or PyTorch (train.py, torchrun). */
export type RecipeTarget = 'keras' | 'pytorch';

export interface RunSummary {
  config: TrainConfig;
  step: number;
  seed: number;
  dataset: { name: string; count: number; side: number; channels: number; crop: string } | null;
  backend: BackendName | null;
  savedAt: string;
}

export type ToWorker =
  /**
   * Initialise tfjs; `preferred` forces one backend (still falling back if it fails);
   * `everyCore`: wasm trains on every core rather than leaving one to the page.
   */
  | { type: 'init'; preferred: BackendName | null; everyCore?: boolean }
  /** Build an untrained generator for `config` and send its fixed-seed grid. */
  | { type: 'preview'; config: TrainConfig }
  /** Time a few real steps of each Quick look candidate (see probe.ts); answered by speed-probed. */
  | { type: 'probe-speed' }
  /** Drop the probe in progress (the page is about to keep a core busy); the page asks again later. */
  | { type: 'cancel-probe' }
  /** Read, decode and resize a zip of images into the training set (or take it from the cache). */
  | { type: 'load-zip'; file: File; options: DatasetOptions }
  /** Use images the page rendered itself (the built-in cartoon faces): count·S·S·C bytes, transferred. */
  | { type: 'load-pixels'; name: string; pixels: ArrayBuffer; options: DatasetOptions; cartoon: CartoonOrigin | null }
  | { type: 'cancel-load' }
  | { type: 'list-cache' }
  | { type: 'clear-cache' }
  /** Build a fresh GAN from `config` and train it on the loaded set. */
  | { type: 'start'; config: TrainConfig }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Run exactly one step, then stay paused. */
  | { type: 'step' }
  /** End the run; the trained generator stays available for download. */
  | { type: 'stop' }
  | { type: 'set-live'; live: LiveSettings }
  /** The current run's generator, for "Download generator"; answered by `generator`. */
  | { type: 'export-generator'; requestId: number }
  /** Capture the run now (between steps); answered by `checkpoint-file` with its bytes. */
  | { type: 'export-checkpoint'; requestId: number }
  /**
   * Continue from the checkpoint in browser storage, on the loaded set (which must be the same
   * data) or, for a zip, on its decoded set from the cache. `quiet`: when neither has the data,
   * post nothing, because the page asks the user for the zip itself.
   */
  | { type: 'resume-stored'; quiet?: boolean }
  | { type: 'discard-stored' }
  /**
   * Continue from a checkpoint file's bytes, replacing the current run (even a running one) once
   * its step in flight has ended; answered by `checkpoint-loaded`. A bad file leaves the
   * current run untouched.
   */
  | { type: 'load-checkpoint'; requestId: number; bytes: ArrayBuffer }
  /**
   * Generate view. `load-generator`: read a generator zip downloaded earlier; answered by
   * `generator-loaded` (a zip that isn't ours fails with a message and replaces nothing).
   */
  | { type: 'load-generator'; requestId: number; file: File }
  /** Faces for integer seeds, from the live or the uploaded generator; answered by `faces`. */
  | { type: 'generate'; requestId: number; source: GeneratorSource; seeds: number[] }
  /**
   * `frames` faces along the spherical path from seed `from`'s latent to seed `to`'s
   * (t = i / (frames − 1), so the ends are exactly the two seeds' faces); answered by `walk-frames`.
   */
  | { type: 'walk'; requestId: number; source: GeneratorSource; from: number; to: number; frames: number }
  /** The loaded set's `count` images nearest to seed `seed`'s face (L2 on pixels); answered by `nearest-real`. */
  | { type: 'nearest-real'; requestId: number; source: GeneratorSource; seed: number; count: number }
  /** The current run's recipe for Keras or PyTorch, built between steps; answered by `recipe`. */
  | { type: 'export-recipe'; requestId: number; target: RecipeTarget };

/** What the worker sends unasked: news about the backend, the data, the run. */
export type WorkerEvent =
  /** `wasmThreads`: threads the wasm backend uses, or null on other backends. */
  | { type: 'ready'; backend: BackendName; rejected: BackendRejection[]; crossOriginIsolated: boolean; wasmThreads: number | null }
  /** A fixed-seed grid: `untrained` previews before a run, `training` ones every preview interval. */
  | { type: 'grid'; kind: 'untrained' | 'training'; step: number; image: RgbaImage }
  /** How fast this device trains each Quick look candidate, smallest first (those timed). */
  | { type: 'speed-probed'; backend: BackendName; timings: CandidateTiming[] }
  | { type: 'load-progress'; progress: LoadProgress }
  /** The set is ready: what was used and skipped, and 28 random real samples in Heaton's layout. */
  | { type: 'dataset'; report: DatasetReport; sample: RgbaImage; identity: string }
  | { type: 'load-failed'; message: string; cancelled: boolean }
  | { type: 'cache-list'; sets: CachedSetSummary[]; available: boolean }
  | { type: 'run-state'; state: RunState; step: number; totalSteps: number }
  /**
   * Rows since the last message (a delta, not the history), the recent throughput, the
   * backend's memory, and the live settings in force for these rows.
   */
  | {
      type: 'metrics';
      rows: MetricRow[];
      imagesPerSecond: number;
      memory: { numTensors: number; numBytes: number };
      live: LiveSettings;
    }
  | { type: 'error'; message: string; recoverable: boolean }
  /** The checkpoint in browser storage after init or a discard (null: none). */
  | { type: 'stored-checkpoint'; info: StoredCheckpointInfo | null }
  /** An automatic checkpoint was saved, or could not be (training carries on either way). */
  | { type: 'checkpoint-saved'; step: number }
  | { type: 'checkpoint-save-failed'; step: number; message: string }
  /**
   * The GPU context (WebGL) or device (WebGPU) of `lostBackend` was lost at `lostAtStep`; the
   * worker now runs on `backend`, and the run was rebuilt from its last checkpoint at
   * `resumedAtStep` (null: there was none). `message` says so, for a notice.
   */
  | { type: 'backend-lost'; lostBackend: BackendName; backend: BackendName; lostAtStep: number; resumedAtStep: number | null; message: string }
  /** The run was rebuilt at `step`, paused; `rows` is the whole metric history up to it. */
  | { type: 'run-restored'; reason: RestoreReason; step: number; config: TrainConfig; rows: MetricRow[]; quality: QualityRow[] }
  /** A quality measurement (SWD) of the current run finished. */
  | { type: 'quality'; row: QualityRow };

/** The one answer to a request, repeating its `requestId`. */
export type WorkerReply =
  | { type: 'generator'; requestId: number; artifacts: GeneratorArtifacts; summary: RunSummary }
  /** Encoded checkpoint bytes (transferred), for "Download checkpoint". */
  | { type: 'checkpoint-file'; requestId: number; step: number; bytes: ArrayBuffer }
  /** The file's run replaced the current one, paused at `step` (run-restored carries the rest). */
  | { type: 'checkpoint-loaded'; requestId: number; step: number }
  | { type: 'generator-loaded'; requestId: number; info: UploadedGeneratorInfo }
  /**
   * Faces in the order of the request's seeds; pixels transferred. `step`: the live run's step
   * they were drawn at (null for an uploaded generator).
   */
  | { type: 'faces'; requestId: number; faces: GeneratedFace[]; step: number | null }
  | { type: 'walk-frames'; requestId: number; frames: RgbaImage[] }
  | { type: 'nearest-real'; requestId: number; generated: GeneratedFace; matches: NearestImage[] }
  /** A recipe zip (streamed into a Blob in the worker) and the name to save it under. */
  | { type: 'recipe'; requestId: number; zip: Blob; fileName: string }
  /** The request failed; `message` says why and what to do, in the user's words. Nothing else changed. */
  | { type: 'request-failed'; requestId: number; message: string };

export type FromWorker = WorkerEvent | WorkerReply;

/** Requests: the messages that expect exactly one reply. */
export type WorkerRequest = Extract<ToWorker, { requestId: number }>;

/** Compile-time exhaustiveness check for switches over message types. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected message: ${JSON.stringify(value)}`);
}
