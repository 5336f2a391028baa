/**
 * One training run: a GAN, its data, and the loop that steps it, pauses, resumes and stops.
 * It talks to the page only through `post`, so tests drive it without a worker.
 */
import * as tf from '@tensorflow/tfjs';
import { summariseCheckpoint, type CheckpointStore } from '../data/checkpoint-store.ts';
import { sampleBatch, splitHeldBack, type ImageSet } from '../data/dataset.ts';
import type { RecipeSources } from '../data/keras-recipe.ts';
import { captureCheckpoint, encodeCheckpoint, restoreCheckpoint, type Checkpoint } from '../gan/checkpoint.ts';
import { renderGrid } from '../gan/grid.ts';
import { readMetricRows, type PendingMetrics } from '../gan/metrics.ts';
import { modelArtifacts } from '../gan/model-artifacts.ts';
import { createGan, disposeGan, generatePreview, trainStep, type Gan } from '../gan/train-step.ts';
import { heldBackCount, type TrainConfig } from '../protocol/config.ts';
import { STEP_METRICS, type MetricRow, type QualityRow } from '../protocol/metrics.ts';
import {
  liveSettingsOf,
  type BackendName,
  type GeneratorArtifacts,
  type LiveSettings,
  type RestoreReason,
  type RunState,
  type RunSummary,
} from '../protocol/messages.ts';
import type { BackendLossWatch } from './backend.ts';
import type { Post } from './post.ts';
import { createQualityMeter, type QualityMeter } from './quality-meter.ts';

/** How long an error on a GPU backend waits for the loss watch before counting as an ordinary error. */
const LOSS_GRACE_MS = 2000;

/** Send metric rows at most this often: often enough for live charts, rarely enough to be cheap. */
const METRICS_INTERVAL_MS = 250;

export interface TrainingRun {
  readonly config: Readonly<TrainConfig>;
  readonly state: RunState;
  readonly step: number;
  start(): void;
  pause(): Promise<void>;
  resume(): void;
  /** Runs exactly one step, then pauses. */
  stepOnce(): void;
  stop(): Promise<void>;
  setLive(live: LiveSettings): void;
  exportGenerator(): Promise<{ artifacts: GeneratorArtifacts; summary: RunSummary }>;
  /** What continuing elsewhere needs (see data/recipes.ts), captured between two steps. */
  exportRecipe(): Promise<RecipeSources>;
  /** For a run built from a checkpoint: tells the page it is paused at its step, with its history and grid. */
  announceRestored(reason: RestoreReason): void;
  /** The run's complete state now, captured between two steps. */
  captureNow(): Promise<Checkpoint>;
  /**
   * Runs `use` on the generator as it is now, between two steps (never mid-step), e.g. to draw
   * faces for the Generate view while training goes on. `use` must not keep the model.
   */
  useGenerator<T>(use: (generator: tf.LayersModel, config: Readonly<TrainConfig>, step: number) => Promise<T>): Promise<T>;
  dispose(): void;
}

/** Lets queued messages (pause, stop, set-live) run between steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * tfjs optimisers read `learningRate` on every update but expose no setter; writing the field
 * is how the learning rate changes mid-run without losing Adam's moment estimates.
 */
function setLearningRate(optimizer: tf.AdamOptimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

export interface RunContext {
  set: ImageSet;
  datasetSummary: RunSummary['dataset'];
  /** Recorded in checkpoints, so resuming can check it trains on the same data. */
  datasetIdentity: string | null;
  backend: BackendName | null;
  post: Post;
  /** Where automatic checkpoints go; null where browser storage is unavailable. */
  store: CheckpointStore | null;
  /** Asked between steps, and raced against reads: the backend's GPU context is lost (see watchBackendLoss). */
  lossWatch?: BackendLossWatch | null;
  /**
   * Called once the run has stopped stepping because the GPU context was lost; it is then
   * dead (paused, never to step again) and the caller rebuilds from `loss.checkpoint`.
   */
  onBackendLost?: (loss: BackendLoss) => void;
}

/** What a run hands over when its GPU context is lost. */
export interface BackendLoss {
  /** The step reached when the loss was noticed (its results were discarded). */
  lostAtStep: number;
  /** The last good checkpoint, from before the loss; null if none was captured yet. */
  checkpoint: Checkpoint | null;
  /** The settings in force, live ones included. */
  config: TrainConfig;
  /** Whether the run was running (rather than paused or single-stepping) when it was lost. */
  wasRunning: boolean;
}

/** A restored state to continue from, instead of fresh weights at step 0. */
export interface RunOrigin {
  gan: Gan;
  step: number;
  /** Metric history up to `step`. */
  metrics: MetricRow[];
  /** Quality measurements up to `step`. */
  quality: QualityRow[];
  reason: RestoreReason;
}

/** The first row with a non-finite metric (a diverged step), if any. */
export function firstNonFiniteRow(rows: readonly MetricRow[]): { row: MetricRow; value: number } | null {
  for (const row of rows) {
    for (const name of STEP_METRICS) {
      if (!Number.isFinite(row[name])) return { row, value: row[name] };
    }
  }
  return null;
}

function hasNonFiniteWeights(checkpoint: Checkpoint): boolean {
  const groups = [checkpoint.generator, checkpoint.discriminator, checkpoint.generatorOptimizer.slots, checkpoint.discriminatorOptimizer.slots];
  return groups.some((group) => group.some(({ values }) => values.some((v) => !Number.isFinite(v))));
}

/** Thrown inside the loop when the run rolled back, so the iteration stops cleanly. */
class Diverged extends Error {
  constructor() {
    super('the run diverged and was rolled back');
  }
}

/** Thrown inside the loop when the GPU context was lost, so no result of the lost context is used. */
class BackendLostError extends Error {
  constructor() {
    super('the GPU context was lost');
  }
}

/**
 * Creates a run in the paused state at step 0. The config must be valid and match the set's
 * side and channels. Nothing trains until start() or stepOnce().
 */
export function createTrainingRun(initialConfig: TrainConfig, context: RunContext, origin: RunOrigin | null = null): TrainingRun {
  const { set, post } = context;
  const config: TrainConfig = { ...initialConfig };
  let gan: Gan = origin?.gan ?? createGan(config);
  let state: RunState = 'paused';
  let step = origin?.step ?? 0;
  /** Every metric row read so far (checkpoints carry the history, so charts continue after a resume). */
  let history: MetricRow[] = origin ? [...origin.metrics] : [];
  /** Quality measurements so far (checkpoints carry them too). */
  let qualityHistory: QualityRow[] = origin ? [...origin.quality] : [];
  /** The latest checkpoint whose weights and losses were all finite: where divergence rolls back to. */
  let lastGood: Checkpoint | null = null;
  /** Saves run one after another, in the background: training never waits for storage. */
  let saving: Promise<void> = Promise.resolve();
  /** Steps, captures and exports take turns, so a capture never reads weights mid-step. */
  let exclusive: Promise<unknown> = Promise.resolve();
  function withExclusive<T>(action: () => Promise<T>): Promise<T> {
    const result = exclusive.then(action);
    exclusive = result.catch(() => undefined);
    return result;
  }
  let stepsToRunWhilePaused = 0;
  let looping = false;
  let disposed = false;
  let pending: PendingMetrics[] = [];
  /** Set once the GPU context is lost: the run stops for good and hands over to onBackendLost. */
  let loss: BackendLoss | null = null;

  /** Throws before anything computed on a lost context is read, kept or shown. */
  function assertBackendAlive(): void {
    if (context.lossWatch?.isLost()) throw new BackendLostError();
  }

  /**
   * After an unexpected error: whether the GPU context is lost. A destroyed WebGPU device fails
   * pending reads ("Buffer was unmapped before mapping was resolved") a moment before
   * `device.lost` resolves, so a GPU backend's watch gets a short grace period to report it.
   */
  async function lossConfirmed(): Promise<boolean> {
    const watch = context.lossWatch;
    if (!watch) return false;
    if (watch.isLost()) return true;
    if (context.backend !== 'webgpu' && context.backend !== 'webgl') return false;
    await Promise.race([watch.lost, new Promise((resolve) => setTimeout(resolve, LOSS_GRACE_MS))]);
    return watch.isLost();
  }

  /** A read from the device that gives up when the context is lost (its fence would never signal). */
  function untilLost<T>(read: Promise<T>): Promise<T> {
    const watch = context.lossWatch;
    if (!watch) return read;
    return Promise.race([
      read,
      watch.lost.then((): never => {
        throw new BackendLostError();
      }),
    ]);
  }
  let lastFlush = performance.now();
  let stepsSinceFlush = 0;

  // Quality: a fixed sample of images never trained on, measured against as many fakes.
  const heldBack = heldBackCount(set.count, config.qualityEvery);
  const split = heldBack > 0 ? splitHeldBack(set.count, config.seed, heldBack) : null;
  /** Rollbacks so far: a measurement started before one reports nothing (its step was undone). */
  let timeline = 0;
  const meter: QualityMeter | null = split
    ? createQualityMeter({
        set,
        heldBack: split.heldBack,
        latentSize: config.latentSize,
        runSeed: config.seed,
        onError: () => {
          // A failed measurement (e.g. on a lost context) costs one point on the chart, nothing else.
        },
      })
    : null;

  /** A measurement fell due (every qualityEvery steps, and at step 0) and has not started yet. */
  let qualityDue = meter !== null && !qualityHistory.some((row) => row.step === step);

  /**
   * Call between steps. Starts the due measurement, unless one is still in flight: then it
   * starts at the first step boundary after that one ends (its row names the step it measured),
   * so training never waits for the meter.
   */
  function measureQualityIfDue(): void {
    // A meter exists only when qualityEvery > 0 (heldBackCount), and qualityEvery is not live.
    if (!meter) return;
    if (step % config.qualityEvery === 0 && !qualityHistory.some((row) => row.step === step)) qualityDue = true;
    if (!qualityDue || meter.busy) return;
    qualityDue = false;
    const startedIn = timeline;
    meter.measure(gan.generator, step, (row) => {
      if (disposed || startedIn !== timeline || row.step > step) return;
      qualityHistory = [...qualityHistory.filter((r) => r.step < row.step), row];
      post({ type: 'quality', row });
    });
  }

  /** At the end of a run: the last measurement (after any in flight), so the chart ends at the final step. */
  async function measureFinalQuality(): Promise<void> {
    if (!meter || qualityHistory.some((row) => row.step === step)) return;
    await meter.whenIdle();
    if (disposed || qualityHistory.some((row) => row.step === step)) return;
    qualityDue = true;
    measureQualityIfDue();
  }

  const postState = () => post({ type: 'run-state', state, step, totalSteps: config.steps });

  async function flushMetrics(): Promise<void> {
    if (pending.length === 0) return;
    assertBackendAlive();
    const batch = pending;
    pending = [];
    const now = performance.now();
    const seconds = Math.max((now - lastFlush) / 1000, 1e-6);
    const imagesPerSecond = (stepsSinceFlush * config.batchSize) / seconds;
    lastFlush = now;
    stepsSinceFlush = 0;
    const rows = await untilLost(readMetricRows(batch));
    assertBackendAlive();
    const bad = firstNonFiniteRow(rows);
    const good = bad ? rows.filter((row) => row.step < bad.row.step) : rows;
    history.push(...good);
    const { numTensors, numBytes } = tf.memory();
    if (good.length > 0) post({ type: 'metrics', rows: good, imagesPerSecond, memory: { numTensors, numBytes }, live: liveSettingsOf(config) });
    if (bad) {
      await rollBack(bad.row.step, `the loss became ${Number.isNaN(bad.value) ? 'NaN' : 'infinite'}`);
      throw new Diverged();
    }
  }

  /** Copies the state off the device; config is the run's own (live settings included). */
  async function capture(): Promise<Checkpoint> {
    const checkpoint = await untilLost(captureCheckpoint(gan, { step, metrics: history, quality: qualityHistory, datasetIdentity: context.datasetIdentity }));
    return { ...checkpoint, config: { ...config } };
  }

  /**
   * Divergence: pause, rebuild the GAN from the last good checkpoint, and tell the page.
   * The learning rates in force stay, so the user can lower them and resume.
   */
  async function rollBack(divergedAt: number, what: string): Promise<void> {
    state = 'paused';
    stepsToRunWhilePaused = 0;
    tf.dispose(pending.map((p) => p.values));
    pending = [];
    const target = lastGood;
    if (!target) {
      post({ type: 'error', message: `Training diverged at step ${divergedAt} (${what}) and there is no checkpoint to roll back to. Start a new run with a lower learning rate.`, recoverable: true });
      return;
    }
    // The checkpoint's own (validated) settings rebuild the networks; the rates in force then apply.
    const restored = await restoreCheckpoint(target);
    disposeGan(gan);
    gan = restored;
    setLearningRate(gan.generatorOptimizer, config.generatorLearningRate);
    setLearningRate(gan.discriminatorOptimizer, config.discriminatorLearningRate);
    step = target.step;
    timeline += 1;
    history = target.metrics.map((row) => ({ ...row }));
    qualityHistory = target.quality.map((row) => ({ ...row }));
    post({ type: 'run-restored', reason: 'rolled-back', step, config: { ...config }, rows: [...history], quality: [...qualityHistory] });
    post({
      type: 'error',
      message: `Training diverged at step ${divergedAt} (${what}); rolled back to step ${step}. Try a lower learning rate.`,
      recoverable: true,
    });
  }

  /**
   * Captures a checkpoint at the current step (metrics flushed first, so a diverged step is
   * caught before its weights are kept), remembers it for rollback, and saves it in the
   * background. Call between steps only.
   */
  async function checkpointNow(): Promise<void> {
    await flushMetrics();
    assertBackendAlive();
    const checkpoint = await capture();
    assertBackendAlive();
    if (hasNonFiniteWeights(checkpoint)) {
      await rollBack(step, 'a weight became NaN or infinite');
      throw new Diverged();
    }
    lastGood = checkpoint;
    const savedStep = step;
    const { store } = context;
    saving = saving.then(async () => {
      if (disposed) return;
      if (!store) {
        post({ type: 'checkpoint-save-failed', step: savedStep, message: 'Browser storage is unavailable, so checkpoints cannot be saved in this tab; download one instead.' });
        return;
      }
      const bytes = encodeCheckpoint(checkpoint);
      const summary = summariseCheckpoint(checkpoint, context.datasetSummary?.name ?? null, bytes.byteLength, Date.now());
      const result = await store.save(bytes, summary);
      if (result.ok) post({ type: 'checkpoint-saved', step: savedStep });
      else post({ type: 'checkpoint-save-failed', step: savedStep, message: result.message });
    });
  }

  async function postGrid(): Promise<void> {
    const images = generatePreview(gan);
    const grid = await untilLost(renderGrid(images, config)).finally(() => images.dispose());
    assertBackendAlive();
    const pixels = grid.pixels.buffer as ArrayBuffer;
    post({ type: 'grid', kind: 'training', step, image: { width: grid.width, height: grid.height, pixels } }, [pixels]);
  }

  /** One step: real batch, trainStep, metrics queued (not read). Synchronous by design. */
  function runOneStep(): void {
    const real = sampleBatch(set, config.seed, step, config.batchSize, config.flip, split?.training ?? null);
    try {
      pending.push({ step: step + 1, values: trainStep(gan, real, step, { labelSmoothing: config.labelSmoothing }) });
    } finally {
      real.dispose();
    }
    step += 1;
    stepsSinceFlush += 1;
    assertBackendAlive();
  }

  function summarise(): RunSummary {
    return {
      config: { ...config },
      step,
      seed: config.seed,
      dataset: context.datasetSummary,
      backend: context.backend,
      savedAt: new Date().toISOString(),
    };
  }

  /** Runs `action` in turn with captures; true when it stopped because the run rolled back. */
  function exclusiveUntilDiverged(action: () => Promise<void>): Promise<boolean> {
    return withExclusive(async () => {
      try {
        await action();
        return false;
      } catch (error) {
        if (error instanceof Diverged) return true;
        if (error instanceof BackendLostError) {
          noteLoss();
          return true;
        }
        throw error;
      }
    });
  }

  async function loop(): Promise<void> {
    if (looping) return;
    looping = true;
    try {
      let lastCheckpointStep = step;
      let diverged = false;
      while (!disposed && !diverged && (state === 'running' || stepsToRunWhilePaused > 0)) {
        if (step >= config.steps) {
          state = 'done';
          break;
        }
        diverged = await exclusiveUntilDiverged(async () => {
          runOneStep();
          if (stepsToRunWhilePaused > 0) stepsToRunWhilePaused -= 1;
          if (step % config.previewEvery === 0) {
            await checkpointNow();
            lastCheckpointStep = step;
            await postGrid();
          }
          measureQualityIfDue();
          if (performance.now() - lastFlush >= METRICS_INTERVAL_MS) await flushMetrics();
        });
        if (!diverged) await yieldToEventLoop();
      }
      if (loss) {
        handOverLoss(loss);
        return;
      }
      if (!disposed) {
        // Paused between intervals: keep this step too, so a reload loses nothing.
        if (!diverged) {
          diverged = await exclusiveUntilDiverged(async () => {
            if (state === 'paused' && step !== lastCheckpointStep) await checkpointNow();
            else await flushMetrics();
          });
        }
        if (loss) {
          handOverLoss(loss);
          return;
        }
        postState();
        // After a rollback show the restored weights; at the end, the final ones.
        if (diverged || (state === 'done' && step % config.previewEvery !== 0)) await postGrid();
        if (state === 'done') await measureFinalQuality();
      }
    } catch (error) {
      // A lost context can also surface as a tfjs error (a shader that no longer compiles).
      if (error instanceof BackendLostError || (await lossConfirmed())) {
        handOverLoss(noteLoss());
        return;
      }
      state = 'paused';
      post({
        type: 'error',
        message: `Training paused at step ${step}: ${error instanceof Error ? error.message : String(error)}`,
        recoverable: true,
      });
      postState();
    } finally {
      looping = false;
    }
  }

  /** Stops the run for good; the steps since the last checkpoint are discarded with it. */
  function noteLoss(): BackendLoss {
    loss ??= { lostAtStep: step, checkpoint: lastGood, config: { ...config }, wasRunning: state === 'running' };
    state = 'paused';
    stepsToRunWhilePaused = 0;
    tf.dispose(pending.map((p) => p.values));
    pending = [];
    return loss;
  }

  function handOverLoss(lost: BackendLoss): void {
    if (disposed) return;
    if (context.onBackendLost) context.onBackendLost(lost);
    else {
      postState();
      post({ type: 'error', message: `The GPU context was lost at step ${lost.lostAtStep}; training paused.`, recoverable: true });
    }
  }

  return {
    get config() {
      return config;
    },
    get state() {
      return state;
    },
    get step() {
      return step;
    },
    start() {
      lastFlush = performance.now();
      state = 'running';
      postState();
      // The starting state is the first rollback target (for a restored run, it is the checkpoint).
      void withExclusive(async () => {
        lastGood = await capture();
        measureQualityIfDue();
      })
        .then(postGrid)
        .then(loop)
        .catch(async (error: unknown) => {
          if (error instanceof BackendLostError || (await lossConfirmed())) {
            handOverLoss(noteLoss());
            return;
          }
          post({ type: 'error', message: `Training could not start: ${error instanceof Error ? error.message : String(error)}`, recoverable: true });
        });
    },
    async pause() {
      if (state !== 'running') return;
      state = 'paused';
      stepsToRunWhilePaused = 0;
      // The loop notices at its next check and posts the state itself.
    },
    resume() {
      if (state !== 'paused' || loss) return;
      state = 'running';
      lastFlush = performance.now();
      stepsSinceFlush = 0;
      postState();
      void loop();
    },
    stepOnce() {
      if (state !== 'paused' || loss) return;
      stepsToRunWhilePaused += 1;
      void loop();
    },
    async stop() {
      if (state === 'stopped' || state === 'done') return;
      state = 'stopped';
      stepsToRunWhilePaused = 0;
      if (!looping) {
        await withExclusive(() => flushMetrics()).catch(() => undefined);
        postState();
      }
    },
    setLive(live) {
      Object.assign(config, live);
      setLearningRate(gan.generatorOptimizer, live.generatorLearningRate);
      setLearningRate(gan.discriminatorOptimizer, live.discriminatorLearningRate);
    },
    async exportGenerator() {
      return withExclusive(async () => ({ artifacts: await modelArtifacts(gan.generator), summary: summarise() }));
    },
    exportRecipe() {
      return withExclusive(async () => {
        await flushMetrics();
        const checkpoint = await capture();
        const generator = await modelArtifacts(gan.generator);
        const discriminator = await modelArtifacts(gan.discriminator);
        return { set, pool: split?.training ?? null, checkpoint, generator, discriminator, summary: summarise() };
      });
    },
    announceRestored(reason) {
      postState();
      post({ type: 'run-restored', reason, step, config: { ...config }, rows: [...history], quality: [...qualityHistory] });
      void withExclusive(async () => {
        lastGood = await capture();
        await postGrid();
      }).catch((error: unknown) => {
        post({ type: 'error', message: `Could not show the restored run: ${error instanceof Error ? error.message : String(error)}`, recoverable: true });
      });
    },
    useGenerator(use) {
      return withExclusive(() => use(gan.generator, config, step));
    },
    captureNow() {
      return withExclusive(async () => {
        await flushMetrics();
        return capture();
      });
    },
    dispose() {
      disposed = true;
      meter?.dispose();
      tf.dispose(pending.map((p) => p.values));
      pending = [];
      disposeGan(gan);
    },
  };
}
