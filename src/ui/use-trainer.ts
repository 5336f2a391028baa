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
  type WorkerEvent,
  type WorkerReply,
  type WorkerRequest,
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
import { describeError } from '../protocol/describe-error.ts';
import { rasteriseCartoonFaces } from './dataset/cartoon-rasteriser.ts';
import { createPendingRequests, type ReplyOf } from './pending-requests.ts';
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
  /** Replaces the current run (running or not) with the file's; resolves with its step. */
  loadCheckpoint(file: File): Promise<number>;
  listCache(): void;
  clearCache(): void;
  dismissError(): void;
  /** A resumed run's clock, kept by the page (history-store.ts): the elapsed time it had trained. */
  restoreElapsed(ms: number): void;
  /**
   * Requests (the exports, loadCheckpoint and these) reject with an Error whose message is the
   * worker's sentence for the user, and all reject when the worker dies.
   */
  loadGenerator(file: File): Promise<UploadedGeneratorInfo>;
  /** Faces for `seeds`, and the live run's step they were drawn at (null for an uploaded generator). */
  generate(source: GeneratorSource, seeds: number[]): Promise<{ faces: GeneratedFace[]; step: number | null }>;
  walk(source: GeneratorSource, from: number, to: number, frames: number): Promise<RgbaImage[]>;
  nearestReal(source: GeneratorSource, seed: number, count: number): Promise<{ generated: GeneratedFace; matches: NearestImage[] }>;
  /** A recipe zip for `target`, built in the worker, with the name to save it under. */
  exportRecipe(target: RecipeTarget): Promise<{ zip: Blob; fileName: string }>;
}

export interface TrainerHooks {
  /** Every training grid, for the history (the reducer keeps only the latest). */
  onTrainingGrid?(frame: GridFrame): void;
  /** A run was rebuilt from a checkpoint (its settings are now the run's). */
  onRunRestored?(config: TrainConfig, reason: RestoreReason, step: number): void;
}

export function useTrainer(hooks: TrainerHooks = {}): { state: TrainerState; commands: TrainerCommands } {
  const [state, dispatch] = useReducer(
    (current: TrainerState, action: WorkerEvent | PageAction) => reduceTrainer(current, action, performance.now()),
    INITIAL_TRAINER_STATE,
  );
  const workerRef = useRef<Worker | null>(null);
  const hooksRef = useRef(hooks);
  const cartoonAbort = useRef<AbortController | null>(null);
  const requests = useRef(createPendingRequests());
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
      if ('requestId' in message) {
        requests.current.settle(message);
        return;
      }
      if (message.type === 'run-restored') hooksRef.current.onRunRestored?.(message.config, message.reason, message.step);
      // Charts and grids update several times a second: render them as transitions, which
      // React splits into small slices, so clicks and typing stay responsive while training.
      if (message.type === 'metrics' || message.type === 'grid') startTransition(() => dispatch(message));
      else dispatch(message);
    };
    worker.onerror = (event) => {
      requests.current.rejectAll('The training engine stopped unexpectedly; reload the page.');
      dispatch({
        type: 'page/worker-crashed',
        message: `The training engine stopped unexpectedly (${event.message || 'unknown error'}). Download what you need, then reload the page.`,
      });
    };
    const init: ToWorker = { type: 'init', preferred: preferredBackendFromUrl(), everyCore: everyCoreFromUrl() };
    worker.postMessage(init);
    const pending = requests.current;
    return () => {
      worker.terminate();
      workerRef.current = null;
      pending.rejectAll('The training engine was shut down; reload the page.');
    };
  }, []);

  const send = useCallback((message: ToWorker, transfer: Transferable[] = []) => {
    workerRef.current?.postMessage(message, transfer);
  }, []);

  /** Sends a request (with a fresh id from newRequestId) and resolves with its one reply. */
  const request = useCallback(
    <K extends Exclude<WorkerReply['type'], 'request-failed'>>(
      type: K,
      message: WorkerRequest,
      transfer: Transferable[] = [],
    ): Promise<ReplyOf<K>> =>
      requests.current.send(type, message, (sent) => {
        const worker = workerRef.current;
        if (!worker) throw new Error('The training engine is not running; reload the page.');
        worker.postMessage(sent, transfer);
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
        // Drawing the faces keeps a core busy for seconds: a speed probe now would time too slow.
        send({ type: 'cancel-probe' });
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
            // The faces are drawn square and centred: the zip's crop choice (faces, margin) does not apply.
            const drawn: DatasetOptions = { side: options.side, channels: options.channels, crop: 'centre', keepDuplicates: options.keepDuplicates };
            send({ type: 'load-pixels', name: 'Cartoon faces', pixels, options: drawn, cartoon: { count, seed } }, [pixels]);
          })
          .catch((error: unknown) => {
            const cancelled = controller.signal.aborted;
            dispatch({
              type: 'load-failed',
              cancelled,
              message: cancelled ? 'Loading was cancelled.' : `Could not draw the cartoon faces: ${describeError(error)}`,
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
      async exportGenerator() {
        const { artifacts, summary } = await request('generator', { type: 'export-generator', requestId: newRequestId() });
        return { artifacts, summary };
      },
      async exportCheckpoint() {
        const { step, bytes } = await request('checkpoint-file', { type: 'export-checkpoint', requestId: newRequestId() });
        return { step, bytes };
      },
      resumeStored: (quiet = false) => send({ type: 'resume-stored', quiet }),
      discardStored: () => send({ type: 'discard-stored' }),
      async loadCheckpoint(file) {
        try {
          let bytes: ArrayBuffer;
          try {
            bytes = await file.arrayBuffer();
          } catch (error) {
            throw new Error(`Could not read ${file.name}: ${describeError(error)}`, { cause: error });
          }
          const { step } = await request('checkpoint-loaded', { type: 'load-checkpoint', requestId: newRequestId(), bytes }, [bytes]);
          return step;
        } catch (error) {
          // Shown where checkpoint problems always were: the page's error notice.
          dispatch({ type: 'error', message: describeError(error), recoverable: true });
          throw error;
        }
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
