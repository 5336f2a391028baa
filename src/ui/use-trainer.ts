/**
 * The page's one connection to the training worker (the only `new Worker` in the app).
 * It owns the worker's lifetime, turns its messages into state through reduceTrainer, and
 * offers one function per command.
 */
import { startTransition, useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { TrainConfig } from '../protocol/config.ts';
import type { DatasetOptions, LoadProgress } from '../protocol/dataset.ts';
import {
  EVERY_CORE_BY_DEFAULT,
  isBackendName,
  type BackendName,
  type FromWorker,
  type GeneratedFace,
  type GeneratorArtifacts,
  type GeneratorSource,
  type NearestImage,
  type RecipeTarget,
  type RgbaImage,
  type UploadedGeneratorInfo,
  type LiveSettings,
  type RestoreReason,
  type RunSummary,
  type ToWorker,
} from '../protocol/messages.ts';
import { rasteriseCartoonFaces } from './cartoon-rasteriser.ts';
import { INITIAL_TRAINER_STATE, reduceTrainer, type GridFrame, type PageAction, type TrainerState } from './trainer-state.ts';

/** `?backend=wasm` (or webgpu, webgl, cpu) forces a backend; anything else means automatic. */
/** `?cores=all` or `?cores=spare` (one core left to the page); EVERY_CORE_BY_DEFAULT otherwise. */
export function everyCoreFromUrl(): boolean {
  const cores = new URLSearchParams(window.location.search).get('cores');
  return cores === 'all' ? true : cores === 'spare' ? false : EVERY_CORE_BY_DEFAULT;
}

function preferredBackendFromUrl(): BackendName | null {
  const requested = new URLSearchParams(window.location.search).get('backend');
  return requested && isBackendName(requested) ? requested : null;
}

export interface TrainerCommands {
  requestPreview(config: TrainConfig): void;
  /** Times the Quick look candidates on this device; the answer lands in state.speed. */
  probeSpeed(): void;
  loadZip(file: File, options: DatasetOptions): void;
  loadCartoonFaces(options: DatasetOptions, count: number, seed: number): void;
  cancelLoad(): void;
  start(config: TrainConfig): void;
  pause(): void;
  resume(): void;
  step(): void;
  stop(): void;
  setLive(live: LiveSettings): void;
  exportGenerator(): Promise<{ artifacts: GeneratorArtifacts; summary: RunSummary }>;
  /** The current run as .ganvas file bytes. */
  exportCheckpoint(): Promise<{ step: number; bytes: ArrayBuffer }>;
  /** Resumes the stored run; `quiet`: say nothing when its data is neither loaded nor cached. */
  resumeStored(quiet?: boolean): void;
  discardStored(): void;
  loadCheckpoint(file: File): void;
  listCache(): void;
  clearCache(): void;
  dismissError(): void;
  /** A resumed run's clock, kept by the page (history-store.ts): the elapsed time it had trained. */
  restoreElapsed(ms: number): void;
  /** Generate view: each rejects with an Error whose message is the worker's explanation. */
  loadGenerator(file: File): Promise<UploadedGeneratorInfo>;
  /** Faces for `seeds`, and the live run's step they were drawn at (null for an uploaded generator). */
  generate(source: GeneratorSource, seeds: number[]): Promise<{ faces: GeneratedFace[]; step: number | null }>;
  walk(source: GeneratorSource, from: number, to: number, frames: number): Promise<RgbaImage[]>;
  nearestReal(source: GeneratorSource, seed: number, count: number): Promise<{ generated: GeneratedFace; matches: NearestImage[] }>;
  /** A recipe zip for `target`, built in the worker, with the name to save it under. */
  exportRecipe(target: RecipeTarget): Promise<{ zip: Blob; fileName: string }>;
}

/** Worker answers to requests that carry a requestId. */
type Answer = Extract<FromWorker, { requestId: number }>;

/** Requests in flight, by id; each settles once, when its answer (or generate-failed) arrives. */
interface PendingRequest {
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

export interface TrainerHooks {
  /** Every training grid, for the history (the reducer keeps only the latest). */
  onTrainingGrid?(frame: GridFrame): void;
  /** A run was rebuilt from a checkpoint (its settings are now the run's). */
  onRunRestored?(config: TrainConfig, reason: RestoreReason, step: number): void;
}

export function useTrainer(hooks: TrainerHooks = {}): { state: TrainerState; commands: TrainerCommands } {
  const [state, dispatch] = useReducer(
    (current: TrainerState, action: FromWorker | PageAction) => reduceTrainer(current, action, performance.now()),
    INITIAL_TRAINER_STATE,
  );
  const workerRef = useRef<Worker | null>(null);
  const hooksRef = useRef(hooks);
  const pendingExport = useRef<{ resolve: (value: { artifacts: GeneratorArtifacts; summary: RunSummary }) => void } | null>(null);
  const pendingCheckpoint = useRef<{ resolve: (value: { step: number; bytes: ArrayBuffer }) => void } | null>(null);
  const cartoonAbort = useRef<AbortController | null>(null);
  const requests = useRef(new Map<number, PendingRequest>());
  const nextRequestId = useRef(1);

  useEffect(() => {
    hooksRef.current = hooks;
  });

  useEffect(() => {
    const worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), { type: 'module', name: 'ganvas-trainer' });
    workerRef.current = worker;
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.type === 'grid' && message.kind === 'training') {
        hooksRef.current.onTrainingGrid?.({
          step: message.step,
          width: message.image.width,
          height: message.image.height,
          // A copy: the reducer keeps its own view of the same pixels.
          pixels: new Uint8ClampedArray(message.image.pixels.slice(0)),
        });
      }
      if (message.type === 'generator') {
        pendingExport.current?.resolve({ artifacts: message.artifacts, summary: message.summary });
        pendingExport.current = null;
      }
      if (message.type === 'checkpoint-file') {
        pendingCheckpoint.current?.resolve({ step: message.step, bytes: message.bytes });
        pendingCheckpoint.current = null;
      }
      if (message.type === 'run-restored') hooksRef.current.onRunRestored?.(message.config, message.reason, message.step);
      if ('requestId' in message) {
        const pending = requests.current.get(message.requestId);
        requests.current.delete(message.requestId);
        if (message.type === 'generate-failed') pending?.reject(new Error(message.message));
        else pending?.resolve(message);
        return;
      }
      // Charts and grids update several times a second: render them as transitions, which
      // React splits into small slices, so clicks and typing stay responsive while training.
      if (message.type === 'metrics' || message.type === 'grid') startTransition(() => dispatch(message));
      else dispatch(message);
    };
    worker.onerror = (event) => {
      for (const pending of requests.current.values()) pending.reject(new Error('The training engine stopped unexpectedly.'));
      requests.current.clear();
      dispatch({
        type: 'page/worker-crashed',
        message: `The training engine stopped unexpectedly (${event.message || 'unknown error'}). Download what you need, then reload the page.`,
      });
    };
    const init: ToWorker = { type: 'init', preferred: preferredBackendFromUrl(), everyCore: everyCoreFromUrl() };
    worker.postMessage(init);
    return () => {
      worker.terminate();
      workerRef.current = null;
    };
  }, []);

  const send = useCallback((message: ToWorker, transfer: Transferable[] = []) => {
    workerRef.current?.postMessage(message, transfer);
  }, []);

  /**
   * Sends a request with a fresh id and resolves with the answer of type `type`. An answer of
   * another type (a protocol bug) rejects rather than resolving with the wrong shape.
   */
  const request = useCallback(
    <K extends Answer['type']>(type: K, message: ToWorker, transfer: Transferable[] = []): Promise<Extract<Answer, { type: K }>> =>
      new Promise((resolve, reject) => {
        if (!workerRef.current) {
          reject(new Error('The training engine is not running; reload the page.'));
          return;
        }
        if (!('requestId' in message)) throw new Error('request: message has no requestId');
        requests.current.set(message.requestId, {
          resolve: (answer) => (answer.type === type ? resolve(answer as Extract<Answer, { type: K }>) : reject(new Error(`Unexpected answer ${answer.type} to a ${message.type} request.`))),
          reject,
        });
        workerRef.current.postMessage(message, transfer);
      }),
    [],
  );
  const newRequestId = useCallback(() => nextRequestId.current++, []);

  const commands = useMemo<TrainerCommands>(
    () => ({
      probeSpeed() {
        send({ type: 'probe-speed' });
      },
      requestPreview(config) {
        dispatch({ type: 'page/preview-requested' });
        send({ type: 'preview', config });
      },
      loadZip(file, options) {
        dispatch({ type: 'page/load-started', source: file.name });
        send({ type: 'load-zip', file, options });
      },
      loadCartoonFaces(options, count, seed) {
        cartoonAbort.current?.abort();
        const controller = new AbortController();
        cartoonAbort.current = controller;
        const started = performance.now();
        dispatch({ type: 'page/load-started', source: 'Cartoon faces' });
        const onProgress = (done: number, total: number) => {
          const seconds = (performance.now() - started) / 1000;
          const imagesPerSecond = done / Math.max(seconds, 1e-3);
          const progress: LoadProgress = {
            phase: 'rendering',
            done,
            total,
            bytesRead: 0,
            bytesTotal: 0,
            imagesPerSecond,
            etaSeconds: done > 0 ? (total - done) / imagesPerSecond : null,
          };
          dispatch({ type: 'load-progress', progress });
        };
        rasteriseCartoonFaces({ count, side: options.side, channels: options.channels, seed, onProgress, signal: controller.signal })
          .then((set) => {
            const pixels = set.pixels.buffer as ArrayBuffer;
            send({ type: 'load-pixels', name: 'Cartoon faces', pixels, options, cartoon: { count, seed } }, [pixels]);
          })
          .catch((error: unknown) => {
            const cancelled = controller.signal.aborted;
            dispatch({
              type: 'load-failed',
              cancelled,
              message: cancelled ? 'Loading was cancelled.' : `Could not draw the cartoon faces: ${error instanceof Error ? error.message : String(error)}`,
            });
          });
      },
      cancelLoad() {
        cartoonAbort.current?.abort();
        send({ type: 'cancel-load' });
      },
      start(config) {
        dispatch({ type: 'page/run-requested' });
        send({ type: 'start', config });
      },
      pause: () => send({ type: 'pause' }),
      resume: () => send({ type: 'resume' }),
      step: () => send({ type: 'step' }),
      stop: () => send({ type: 'stop' }),
      setLive: (live) => send({ type: 'set-live', live }),
      exportGenerator() {
        return new Promise((resolve) => {
          pendingExport.current = { resolve };
          send({ type: 'export-generator' });
        });
      },
      exportCheckpoint() {
        return new Promise((resolve) => {
          pendingCheckpoint.current = { resolve };
          send({ type: 'export-checkpoint' });
        });
      },
      resumeStored: (quiet = false) => send({ type: 'resume-stored', quiet }),
      discardStored: () => send({ type: 'discard-stored' }),
      loadCheckpoint(file) {
        file.arrayBuffer().then(
          (bytes) => send({ type: 'load-checkpoint', bytes }, [bytes]),
          (error: unknown) => dispatch({ type: 'error', message: `Could not read ${file.name}: ${error instanceof Error ? error.message : String(error)}`, recoverable: true }),
        );
      },
      listCache: () => send({ type: 'list-cache' }),
      clearCache: () => send({ type: 'clear-cache' }),
      dismissError: () => dispatch({ type: 'page/dismiss-error' }),
      restoreElapsed: (ms) => dispatch({ type: 'page/elapsed-restored', ms }),
      async loadGenerator(file) {
        const answer = await request('generator-loaded', { type: 'load-generator', requestId: newRequestId(), file });
        return answer.info;
      },
      async generate(source, seeds) {
        const { faces, step } = await request('faces', { type: 'generate', requestId: newRequestId(), source, seeds });
        return { faces, step };
      },
      async walk(source, from, to, frames) {
        const answer = await request('walk-frames', { type: 'walk', requestId: newRequestId(), source, from, to, frames });
        return answer.frames;
      },
      async nearestReal(source, seed, count) {
        const { generated, matches } = await request('nearest-real', { type: 'nearest-real', requestId: newRequestId(), source, seed, count });
        return { generated, matches };
      },
      async exportRecipe(target) {
        const { zip, fileName } = await request('recipe', { type: 'export-recipe', requestId: newRequestId(), target });
        return { zip, fileName };
      },
    }),
    [send, request, newRequestId],
  );

  return { state, commands };
}
