/**
 * The worker's logic, free of `self` and `postMessage` so tests can drive it directly:
 * createTrainer(post) returns a message handler that answers through `post`.
 *
 * Control messages (pause, stop, cancel-load, set-live) act at once, even while a load or a
 * run is in progress: the handler never waits for the training loop.
 */
import { openCheckpointStore, type CheckpointStore } from '../data/storage/checkpoint-store.ts';
import type { ImageSet } from '../data/dataset.ts';
import { openDatasetCache, type DatasetCache } from '../data/storage/cache.ts';
import { ingestPixels, ingestZip } from '../data/ingest/ingest.ts';
import { IngestError } from '../data/ingest/ingest-error.ts';
import { setFromCache } from '../data/ingest/cached-sets.ts';
import { sampleGrid } from '../data/ingest/sample-grid.ts';
import { hashPixels } from '../data/ingest/pixel-hash.ts';
import { buildRecipe } from '../data/exports/recipes.ts';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, restoreCheckpoint, type Checkpoint } from '../gan/checkpoint.ts';
import { renderGrid } from '../gan/grid.ts';
import { createGan, disposeGan, generatePreview } from '../gan/train-step.ts';
import { describeProblems, validateConfig, type TrainConfig } from '../protocol/config.ts';
import { describeError } from '../protocol/describe-error.ts';
import { QUICK_LOOK_CANDIDATES } from '../protocol/presets.ts';
import { cartoonOriginOf, datasetIdentity, type CartoonOrigin, type DatasetOptions, type DatasetReport } from '../protocol/dataset.ts';
import { assertNever, liveSettingsOf, type BackendName, type RestoreReason, type StoredCheckpointInfo, type ToWorker, type WorkerRequest } from '../protocol/messages.ts';
import { initialiseBackend, recoverBackend, watchBackendLoss, type BackendChoice, type BackendLossWatch } from './backend.ts';
import { createDecodePool, type DecodePool } from './decode-pool.ts';
import { createGeneratorSession } from './generator-session.ts';
import type { Post } from './post.ts';
import { probeCandidates } from './probe.ts';
import { RunRefusal } from './run-lifecycle.ts';
import { createTrainingRun, type BackendLoss, type RunContext, type TrainingRun } from './training-run.ts';

export type { Post } from './post.ts';


/** Why `config` cannot train on `set`, as sentences; empty when it can. */
export function problemsStarting(config: TrainConfig, set: ImageSet | null): string[] {
  const problems = validateConfig(config).map(({ message }) => message);
  if (!set) return [...problems, 'no training images are loaded: drop a zip or use the cartoon faces first'];
  if (set.side !== config.resolution || set.channels !== config.channels) {
    const colour = (c: number) => (c === 3 ? 'RGB' : 'grayscale');
    problems.push(
      `the loaded images are ${set.side}×${set.side} ${colour(set.channels)} but the settings ask for ${config.resolution} px ${colour(config.channels)}: load the images again with these settings`,
    );
  }
  return problems;
}

/** A readable name for the data a checkpoint trained on. */
function datasetNameOf(identity: string | null, fallback: string | null): string {
  const cartoon = cartoonOriginOf(identity);
  if (cartoon) return `${cartoon.count} cartoon faces`;
  return fallback ?? 'an unknown data set';
}

export interface TrainerDeps {
  /** Opens the checkpoint store; resolves null where storage is unavailable. Defaults to IndexedDB. */
  openStore?: () => Promise<CheckpointStore | null>;
  /** Watches the initialised backend for a lost GPU context. Defaults to watchBackendLoss. */
  watchBackend?: (backend: BackendName) => BackendLossWatch;
  /** Brings a backend up again after its context was lost. Defaults to recoverBackend. */
  recoverBackend?: (lost: BackendName) => Promise<BackendChoice>;
  /** Opens the decoded-set cache; resolves null where storage is unavailable. Defaults to IndexedDB. */
  openCache?: () => Promise<DatasetCache | null>;
  /** Handed to every run (see RunContext): tests step runs deterministically with their own. */
  now?: RunContext['now'];
  yieldTurn?: RunContext['yieldTurn'];
}

/** Requests whose failure can be forced through fault injection (see training.worker.ts). */
export type FailableRequest = 'export-generator' | 'export-checkpoint' | 'export-recipe' | 'load-checkpoint';

/** A request that cannot be answered; the message is the sentence for the user. */
class RequestRefused extends Error {}

/** The worker's message handler, plus fault injection for tests and diagnostics. */
export type Trainer = ((message: ToWorker) => Promise<void>) & {
  /**
   * Applies learning rates to the current run without validation (say 1e30, which no control
   * allows), so a test can make real training diverge. False when there is no run.
   */
  forceLearningRates(rate: number): boolean;
  /** Makes the next request of `type` fail with `reason`, as a real failure would. */
  failNextRequest(type: FailableRequest, reason: string): void;
  /**
   * Resolves once no run replacement or GPU recovery is under way and the current run (if any)
   * has settled (see TrainingRun.whenSettled). For tests: they wait on this, never on a timer.
   */
  whenSettled(): Promise<void>;
};

export function createTrainer(post: Post, deps: TrainerDeps = {}): Trainer {
  let backend: BackendName | null = null;
  let lossWatch: BackendLossWatch | null = null;
  const watchBackend = deps.watchBackend ?? watchBackendLoss;
  let dataset: { set: ImageSet; report: DatasetReport; identity: string } | null = null;
  let storePromise: Promise<CheckpointStore | null> | null = null;
  const getStore = () => (storePromise ??= (deps.openStore ?? (() => openCheckpointStore()))().catch(() => null));
  /** The stored checkpoint offered for resuming, decoded once at init. */
  let stored: Checkpoint | null = null;
  let storedName: string | null = null;
  let loading: AbortController | null = null;
  let run: TrainingRun | null = null;
  /**
   * Replacing the run (start, a loaded or resumed checkpoint, GPU recovery) happens one at a
   * time: the old run is disposed, after its turn in flight, before the new one posts anything.
   */
  let runSwaps: Promise<unknown> = Promise.resolve();
  const injectedFailures = new Map<FailableRequest, string>();
  /** The GPU recovery under way, if any. */
  let recovery: Promise<void> | null = null;
  let decodePool: DecodePool | null = null;
  let cache: Promise<DatasetCache | null> | null = null;

  const getCache = () => (cache ??= (deps.openCache ?? (() => openDatasetCache()))().catch(() => null));
  const generatorSession = createGeneratorSession({
    post,
    withLiveGenerator: (use) => run?.useGenerator(use) ?? null,
    dataset: () => dataset?.set ?? null,
  });

  /** The probe in progress, if any; a run starting (or a newer probe) cancels it. */
  let probe: { cancelled: boolean } | null = null;

  async function probeSpeed(): Promise<void> {
    if (!backend) return;
    if (probe) probe.cancelled = true;
    const current = { cancelled: false };
    probe = current;
    const timings = await probeCandidates(QUICK_LOOK_CANDIDATES, {
      yieldBetweenSteps: () => new Promise((resolve) => setTimeout(resolve, 0)),
      // A load or a run competing for the cores would make every candidate look slow: give up,
      // and the page asks again once the worker is idle.
      cancelled: () => current.cancelled || loading !== null || (run !== null && run.state === 'running'),
    });
    if (probe === current) probe = null;
    const interrupted = current.cancelled || loading !== null || (run !== null && run.state === 'running');
    if (!interrupted && backend) post({ type: 'speed-probed', backend, timings });
  }

  async function postUntrainedPreview(config: TrainConfig): Promise<void> {
    const problems = validateConfig(config);
    if (problems.length > 0) {
      post({ type: 'error', message: `Invalid settings. ${describeProblems(problems)}`, recoverable: true });
      return;
    }
    const gan = createGan(config);
    try {
      const images = generatePreview(gan);
      const grid = await renderGrid(images, config).finally(() => images.dispose());
      const pixels = grid.pixels.buffer as ArrayBuffer;
      post({ type: 'grid', kind: 'untrained', step: 0, image: { width: grid.width, height: grid.height, pixels } }, [pixels]);
    } finally {
      disposeGan(gan);
    }
  }

  async function load(
    produce: (signal: AbortSignal) => Promise<{ set: ImageSet; report: DatasetReport; pixelHash?: string }>,
    cartoon: CartoonOrigin | null = null,
  ): Promise<void> {
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    try {
      const loaded = await produce(controller.signal);
      if (controller.signal.aborted) throw new IngestError('cancelled', 'Loading was cancelled.');
      const { report, set } = loaded;
      const identity = datasetIdentity(report, cartoon ?? { pixelHash: loaded.pixelHash ?? hashPixels(set.pixels) });
      dataset = { ...loaded, identity };
      const sample = sampleGrid(loaded.set);
      const pixels = sample.pixels.buffer as ArrayBuffer;
      post({ type: 'dataset', report, sample: { width: sample.width, height: sample.height, pixels }, identity }, [pixels]);
    } catch (error) {
      const cancelled = controller.signal.aborted || (error instanceof IngestError && error.code === 'cancelled');
      post({ type: 'load-failed', message: cancelled ? 'Loading was cancelled. The previous data set, if any, is still loaded.' : describeError(error), cancelled });
    } finally {
      if (loading === controller) loading = null;
    }
  }

  async function loadZip(file: File, options: DatasetOptions): Promise<void> {
    decodePool ??= createDecodePool();
    const pool = decodePool;
    try {
      await load(async (signal) =>
        ingestZip(file, options, {
          decode: pool.decode,
          cache: await getCache(),
          signal,
          onProgress: (progress) => post({ type: 'load-progress', progress }),
        }),
      );
    } finally {
      // A faces load leaves a tfjs instance and the detector in each decode worker (≈ 650 MiB
      // at peak, measured by bench/ingest.ts --faces) that training would otherwise share
      // the tab's memory with; new workers start in a fraction of a second for the next load.
      if (options.crop === 'faces' && decodePool === pool) {
        pool.dispose();
        decodePool = null;
      }
    }
  }

  async function postCacheList(): Promise<void> {
    const opened = await getCache();
    if (!opened) {
      post({ type: 'cache-list', sets: [], available: false });
      return;
    }
    const sets = (await opened.list()).map(({ key, sourceName, count, side, channels, crop, createdAt }) => ({
      key,
      name: sourceName,
      count,
      side,
      channels,
      crop,
      createdAt,
    }));
    post({ type: 'cache-list', sets, available: true });
  }

  async function start(config: TrainConfig): Promise<void> {
    if (probe) probe.cancelled = true;
    const problems = problemsStarting(config, dataset?.set ?? null);
    if (problems.length > 0 || !dataset) {
      post({ type: 'error', message: `Cannot start: ${problems.join('; ')}.`, recoverable: true });
      return;
    }
    const context = await runContext(dataset);
    const started = await replaceRun(() => createTrainingRun(config, context));
    await started.start();
  }

  /** Disposes the current run (after its turn in flight), then makes `build()` the current one. */
  function replaceRun(build: () => TrainingRun): Promise<TrainingRun> {
    const swapped = runSwaps.then(async () => {
      await run?.dispose();
      run = build();
      return run;
    });
    runSwaps = swapped.catch(() => undefined);
    return swapped;
  }

  async function runContext(current: NonNullable<typeof dataset>): Promise<RunContext> {
    const { report } = current;
    return {
      lossWatch,
      onBackendLost: (loss) => {
        const recovered = recoverFromLoss(loss)
          .catch((error: unknown) => {
            post({ type: 'error', message: `The GPU context was lost at step ${loss.lostAtStep} and training could not resume: ${describeError(error)}`, recoverable: true });
          })
          .finally(() => {
            if (recovery === recovered) recovery = null;
          });
        recovery = recovered;
      },
      set: current.set,
      backend,
      post,
      now: deps.now,
      yieldTurn: deps.yieldTurn,
      datasetSummary: { name: datasetNameOf(current.identity, report.name), count: report.count, side: report.side, channels: report.channels, crop: report.crop },
      datasetIdentity: current.identity,
      store: await getStore(),
    };
  }

  /**
   * The current run's GPU context was lost: bring up its backend on a fresh context (or the
   * next one in the preference list), rebuild the run from its last good checkpoint, and carry
   * on running or paused, as it was.
   */
  async function recoverFromLoss(loss: BackendLoss): Promise<void> {
    const lost = backend;
    lossWatch?.dispose();
    lossWatch = null;
    // The lost run is in its recovering phase: it refuses every request until replaced.
    await runSwaps;
    await run?.dispose();
    if (!lost) return;
    const choice = await (deps.recoverBackend ?? recoverBackend)(lost);
    backend = choice.backend;
    lossWatch = watchBackend(choice.backend);
    const { checkpoint } = loss;
    const lostAt = `The GPU context was lost at step ${loss.lostAtStep}`;
    if (!checkpoint || !dataset) {
      const message = `${lostAt}, before any checkpoint; press Start to train again on ${choice.backend}.`;
      post({ type: 'backend-lost', lostBackend: lost, backend: choice.backend, lostAtStep: loss.lostAtStep, resumedAtStep: null, message });
      return;
    }
    const gan = await restoreCheckpoint(checkpoint);
    const context = await runContext(dataset);
    const rebuilt = await replaceRun(() => createTrainingRun(loss.config, context, { gan, step: checkpoint.step, metrics: checkpoint.metrics, quality: checkpoint.quality, reason: 'rolled-back' }));
    // 'rolled-back': the page keeps the run's history and settings, as after divergence.
    rebuilt.announceRestored('rolled-back');
    const message = loss.wasRunning
      ? `${lostAt}; training resumed from step ${checkpoint.step} on ${choice.backend}.`
      : `${lostAt}; the run was restored to step ${checkpoint.step} on ${choice.backend}, paused.`;
    post({ type: 'backend-lost', lostBackend: lost, backend: choice.backend, lostAtStep: loss.lostAtStep, resumedAtStep: checkpoint.step, message });
    if (loss.wasRunning) await rebuilt.resume();
  }

  /** Reads the stored checkpoint (if any) and offers it to the page. */
  async function reportStored(): Promise<void> {
    const store = await getStore();
    const latest = await store?.loadLatest().catch(() => null);
    stored = null;
    let info: StoredCheckpointInfo | null = null;
    if (latest) {
      try {
        stored = decodeCheckpoint(latest.bytes);
        storedName = latest.summary.datasetName;
        info = {
          step: stored.step,
          config: stored.config,
          datasetIdentity: stored.datasetIdentity,
          datasetName: datasetNameOf(stored.datasetIdentity, storedName),
          savedAt: latest.summary.savedAt,
        };
      } catch {
        // A damaged stored checkpoint is not worth offering; the next save replaces it.
        stored = null;
      }
    }
    post({ type: 'stored-checkpoint', info });
  }

  /**
   * Replaces the run with one restored from `checkpoint`, paused at its step, if it trained
   * on the loaded data. On any problem the current run stays as it was.
   */
  async function continueFrom(checkpoint: Checkpoint, name: string, reason: RestoreReason): Promise<void> {
    if (!dataset) throw new RequestRefused(`Load the data this checkpoint trained on (${name}) first, then load the checkpoint again.`);
    if (checkpoint.datasetIdentity !== dataset.identity) {
      throw new RequestRefused(
        `This checkpoint was trained on different data (${name}) than the images loaded now (${dataset.report.name}). Load the same images with the same size and crop, then try again.`,
      );
    }
    const problems = problemsStarting(checkpoint.config, dataset.set);
    if (problems.length > 0) throw new RequestRefused(`Cannot continue this checkpoint: ${problems.join('; ')}.`);
    const gan = await restoreCheckpoint(checkpoint);
    const context = await runContext(dataset);
    const restored = await replaceRun(() => createTrainingRun(checkpoint.config, context, { gan, step: checkpoint.step, metrics: checkpoint.metrics, quality: checkpoint.quality, reason }));
    restored.announceRestored(reason);
  }

  /**
   * Loads the cached set whose identity is `identity`, as if the user had dropped its zip, so a
   * stored run on a zip resumes without asking for the file. False when no cached set has it.
   */
  async function loadCachedSet(identity: string): Promise<boolean> {
    const opened = await getCache();
    const meta = (await opened?.list().catch(() => []))?.find((entry) => entry.datasetIdentity === identity);
    const entry = meta ? await opened?.get(meta.key) : null;
    const cached = entry ? setFromCache(entry) : null;
    if (!cached) return false;
    await load(async () => cached);
    // load() hashes the pixels again, so a stale or mislabelled record cannot slip through.
    return dataset?.identity === identity;
  }

  /** Replaces the current run (running or not) with the file's; resolves with its step. */
  async function loadCheckpointFile(bytes: ArrayBuffer): Promise<number> {
    let checkpoint: Checkpoint;
    try {
      checkpoint = decodeCheckpoint(new Uint8Array(bytes));
    } catch (error) {
      throw new RequestRefused(error instanceof CheckpointError ? error.message : `Could not read this checkpoint: ${describeError(error)}`);
    }
    await continueFrom(checkpoint, datasetNameOf(checkpoint.datasetIdentity, 'another data set'), 'loaded');
    return checkpoint.step;
  }

  async function withRun(action: (current: TrainingRun) => unknown): Promise<void> {
    if (!run) {
      post({ type: 'error', message: 'There is no training run yet: press Start first.', recoverable: true });
      return;
    }
    await action(run);
  }

  /** The current run, or the refusal a request gets when there is none. */
  function currentRun(): TrainingRun {
    if (!run) throw new RequestRefused('There is no training run to export yet: start training first.');
    return run;
  }

  /**
   * Answers `request` exactly once: with what `produce` posts, or with request-failed and a
   * sentence (`failure` names what could not be done, for errors that are not sentences already).
   */
  async function answer(request: WorkerRequest & { type: FailableRequest }, failure: string, produce: () => Promise<void>): Promise<void> {
    try {
      const injected = injectedFailures.get(request.type);
      if (injected !== undefined) {
        injectedFailures.delete(request.type);
        throw new Error(injected);
      }
      await produce();
    } catch (error) {
      const message = error instanceof RequestRefused || error instanceof RunRefusal ? error.message : `${failure}: ${describeError(error)}. Try again; if it keeps failing, reload the page.`;
      post({ type: 'request-failed', requestId: request.requestId, message });
    }
  }

  const handle = async (message: ToWorker): Promise<void> => {
    try {
      switch (message.type) {
        case 'init': {
          // Started now, not on the first zip: the decode workers and the cache open while
          // tfjs initialises, so a zip chosen in the first seconds does not wait for them too.
          decodePool ??= createDecodePool();
          // getCache turns a failure into "no cache", so nothing can reject unseen.
          void getCache();
          const choice = await initialiseBackend(message.preferred, message.everyCore ?? false);
          backend = choice.backend;
          lossWatch?.dispose();
          lossWatch = watchBackend(choice.backend);
          post({
            type: 'ready',
            backend: choice.backend,
            rejected: choice.rejected,
            crossOriginIsolated: globalThis.crossOriginIsolated === true,
            wasmThreads: choice.wasmThreads,
          });
          return await reportStored();
        }
        case 'probe-speed':
          await probeSpeed();
          break;
        case 'cancel-probe':
          if (probe) probe.cancelled = true;
          break;
        case 'preview':
          return await postUntrainedPreview(message.config);
        case 'load-zip':
          return await loadZip(message.file, message.options);
        case 'load-pixels': {
          const { name, options } = message;
          const pixels = new Uint8Array(message.pixels);
          return await load(async () => ingestPixels(pixels, options, name), message.cartoon);
        }
        case 'cancel-load':
          loading?.abort();
          return;
        case 'list-cache':
          return await postCacheList();
        case 'clear-cache':
          await (await getCache())?.clear();
          return await postCacheList();
        case 'start':
          return await start(message.config);
        case 'pause':
          return await withRun((r) => r.pause());
        case 'resume':
          return await withRun((r) => r.resume());
        case 'step':
          return await withRun((r) => r.stepOnce());
        case 'stop':
          return await withRun((r) => r.stop());
        case 'set-live':
          return await withRun((r) => r.setLive(message.live));
        case 'export-generator':
          return await answer(message, 'Could not prepare the generator', async () => {
            const { artifacts, summary } = await currentRun().exportGenerator();
            post({ type: 'generator', requestId: message.requestId, artifacts, summary }, [artifacts.weightData]);
          });
        case 'export-checkpoint':
          return await answer(message, 'Could not prepare the checkpoint', async () => {
            const checkpoint = await currentRun().captureNow();
            const encoded = encodeCheckpoint(checkpoint);
            const bytes = encoded.byteOffset === 0 && encoded.byteLength === encoded.buffer.byteLength ? encoded.buffer : encoded.slice().buffer;
            post({ type: 'checkpoint-file', requestId: message.requestId, step: checkpoint.step, bytes }, [bytes]);
          });
        case 'resume-stored': {
          if (!stored) {
            post({ type: 'error', message: 'There is no saved run to resume any more.', recoverable: true });
            return;
          }
          const checkpoint = stored;
          const wanted = checkpoint.datasetIdentity;
          // The built-in faces are redrawn by the page; a zip's set may still be in the cache.
          if (wanted && dataset?.identity !== wanted && !cartoonOriginOf(wanted) && !(await loadCachedSet(wanted)) && message.quiet) {
            return; // the page asks the user for the zip
          }
          try {
            await continueFrom(checkpoint, datasetNameOf(wanted, storedName), 'resumed');
          } catch (error) {
            if (!(error instanceof RequestRefused)) throw error;
            post({ type: 'error', message: error.message, recoverable: true });
            return;
          }
          if (stored === checkpoint) stored = null;
          return;
        }
        case 'discard-stored':
          stored = null;
          await (await getStore())?.clear();
          post({ type: 'stored-checkpoint', info: null });
          return;
        case 'load-checkpoint':
          return await answer(message, 'Could not load this checkpoint', async () => {
            const step = await loadCheckpointFile(message.bytes);
            post({ type: 'checkpoint-loaded', requestId: message.requestId, step });
          });
        case 'load-generator':
        case 'generate':
        case 'walk':
        case 'nearest-real':
          return await generatorSession.handle(message);
        case 'export-recipe':
          return await answer(message, 'Could not prepare the recipe', async () => {
            const { zip, fileName } = await buildRecipe(message.target, await currentRun().exportRecipe());
            post({ type: 'recipe', requestId: message.requestId, zip, fileName });
          });
        default:
          assertNever(message);
      }
    } catch (error) {
      post({ type: 'error', message: describeError(error), recoverable: true });
    }
  };
  return Object.assign(handle, {
    forceLearningRates(rate: number): boolean {
      if (!run) return false;
      // Refused only by a run being replaced, which has no rates left to force.
      run.setLive({ ...liveSettingsOf(run.config), generatorLearningRate: rate, discriminatorLearningRate: rate }).catch(() => undefined);
      return true;
    },
    failNextRequest(type: FailableRequest, reason: string): void {
      injectedFailures.set(type, reason);
    },
    async whenSettled(): Promise<void> {
      for (;;) {
        const current = run;
        await recovery;
        await runSwaps;
        await current?.whenSettled();
        if (run === current && recovery === null) return;
      }
    },
  });
}
