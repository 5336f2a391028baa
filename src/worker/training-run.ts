/**
 * One training run as an actor: a GAN, its data, and one loop that, turn by turn, takes either
 * one command from its queue or one unit of work (a training step and what falls due after it).
 * Its phase is one value (run-lifecycle.ts decides every change); nothing else touches the GAN,
 * so no capture, export or disposal can ever meet a step half done.
 * It talks to the page only through `post`, so tests drive it without a worker.
 *
 * Its parts: run-lifecycle.ts decides the phase, run-mailbox.ts queues commands and orders the
 * turns, run-faults.ts recognises divergence and a lost GPU context; this module owns the GAN
 * and carries out each turn (a step and what falls due, a command, a request between steps).
 */
import * as tf from '@tensorflow/tfjs';
import { summariseCheckpoint, type CheckpointStore } from '../data/storage/checkpoint-store.ts';
import { sampleBatch, splitHeldBack, type ImageSet } from '../data/dataset.ts';
import type { RecipeSources } from '../data/exports/keras-recipe.ts';
import { captureCheckpoint, encodeCheckpoint, restoreCheckpoint, type Checkpoint } from '../gan/checkpoint.ts';
import { renderGrid } from '../gan/grid.ts';
import { readMetricRows, type PendingMetrics } from '../gan/metrics.ts';
import { modelArtifacts } from '../gan/model-artifacts.ts';
import { createGan, disposeGan, generatePreview, trainStep, type Gan } from '../gan/train-step.ts';
import { heldBackCount, type TrainConfig } from '../protocol/config.ts';
import { describeError } from '../protocol/describe-error.ts';
import type { MetricRow, QualityRow } from '../protocol/metrics.ts';
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
import { pageState, previewDue, RunRefusal, transition, youngGridDue, type RunCommand, type RunPhase } from './run-lifecycle.ts';
import { BackendLostError, createLossChecks, Diverged, firstNonFiniteRow, hasNonFiniteWeights } from './run-faults.ts';
import { createRunMailbox, refuse, type QueuedCommand } from './run-mailbox.ts';
import { createTurnYield } from './turn-yield.ts';
import { createQualityMeter, type QualityMeter } from './quality-meter.ts';

/** Send metric rows at most this often: often enough for live charts, rarely enough to be cheap. */
const METRICS_INTERVAL_MS = 250;

/**
 * Control commands resolve once the loop has carried them out, with null, or with the sentence
 * saying why the run refused (pausing a paused run, say); they never reject.
 * Requests (exports, captures, useGenerator) resolve with their result, or reject with an Error
 * whose message is for the user.
 */
export interface TrainingRun {
  readonly config: Readonly<TrainConfig>;
  /** What the page shows. */
  readonly state: RunState;
  readonly phase: RunPhase;
  readonly step: number;
  start(): Promise<string | null>;
  pause(): Promise<string | null>;
  resume(): Promise<string | null>;
  /** Runs exactly one step, then pauses. */
  stepOnce(): Promise<string | null>;
  stop(): Promise<string | null>;
  /** Applies from the next step. */
  setLive(live: LiveSettings): Promise<void>;
  exportGenerator(): Promise<{ artifacts: GeneratorArtifacts; summary: RunSummary }>;
  /** What continuing elsewhere needs (see data/exports/recipes.ts), captured between two steps. */
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
  /**
   * Frees the run once the turn in flight has ended (it jumps the queue; requests still queued
   * are refused). After this the run posts nothing.
   */
  dispose(): Promise<void>;
  /**
   * Resolves once the loop waits for a command (paused, stopped, done, or no steps owed) and
   * background saves and quality measurements have finished. For tests and orderly handover.
   */
  whenSettled(): Promise<void>;
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
  /** The clock for metric throughput and flush intervals (ms); defaults to performance.now. */
  now?: () => number;
  /**
   * Awaited between two turns of the loop; defaults to a MessageChannel task (turn-yield.ts).
   * Tests pass their own to act at an exact step.
   */
  yieldTurn?: () => Promise<void>;
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

/**
 * Creates a run in the idle phase at its step (0, or the origin's). The config must be valid and
 * match the set's side and channels. Nothing trains until start(); a restored run shows itself
 * with announceRestored().
 */
export function createTrainingRun(initialConfig: TrainConfig, context: RunContext, origin: RunOrigin | null = null): TrainingRun {
  const { set } = context;
  const now = context.now ?? (() => performance.now());
  // WebGL keeps setTimeout: in Chromium's worker (SwiftShader) a run yielding through MessageChannel
  // showed no step in 2 minutes (tests/e2e/gpu-loss.spec.ts, 2026-12-05); tfjs polls WebGL
  // fences with timers, which back-to-back channel tasks appear to starve. Measured, not understood.
  const turnYield = context.yieldTurn ? null : createTurnYield(context.backend === 'webgl' ? {} : undefined);
  const yieldTurn = context.yieldTurn ?? (() => turnYield?.next() ?? Promise.resolve());
  const config: TrainConfig = { ...initialConfig };
  const { assertBackendAlive, lossConfirmed, untilLost } = createLossChecks(context);
  let phase: RunPhase = { name: 'idle' };
  /** Nothing reaches the page once the run is disposed: a replaced run never speaks over its successor. */
  const post: Post = (message, transfer) => {
    if (phase.name !== 'disposed') context.post(message, transfer);
  };
  let gan: Gan = origin?.gan ?? createGan(config);
  let step = origin?.step ?? 0;
  /** Every metric row read so far (checkpoints carry the history, so charts continue after a resume). */
  let history: MetricRow[] = origin ? [...origin.metrics] : [];
  /** Quality measurements so far (checkpoints carry them too). */
  let qualityHistory: QualityRow[] = origin ? [...origin.quality] : [];
  /** The latest checkpoint whose weights and losses were all finite: where divergence rolls back to. */
  let lastGood: Checkpoint | null = null;
  /** The step of the last automatic checkpoint: pausing elsewhere saves one more. */
  let lastCheckpointStep = step;
  /**
   * Storage writes, one after another, off the loop: training never waits for IndexedDB. A
   * write holds plain bytes, never tensors, so it may outlive the run (its posts are dropped).
   */
  let storageWrites: Promise<void> = Promise.resolve();
  let pending: PendingMetrics[] = [];
  let lastFlush = now();
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
      if (phase.name === 'disposed' || startedIn !== timeline || row.step > step) return;
      qualityHistory = [...qualityHistory.filter((r) => r.step < row.step), row];
      post({ type: 'quality', row });
    });
  }

  /** At the end of a run: the last measurement (after any in flight), so the chart ends at the final step. */
  async function measureFinalQuality(): Promise<void> {
    if (!meter || qualityHistory.some((row) => row.step === step)) return;
    await meter.whenIdle();
    if (phase.name === 'disposed' || qualityHistory.some((row) => row.step === step)) return;
    qualityDue = true;
    measureQualityIfDue();
  }

  /** Read through a function: the loop's own narrowing cannot see a turn dispose the run. */
  const isDisposed = () => phase.name === 'disposed';

  const postState = () => post({ type: 'run-state', state: pageState(phase), step, totalSteps: config.steps });

  function discardPendingMetrics(): void {
    tf.dispose(pending.map((p) => p.values));
    pending = [];
  }

  /** Reads the queued metric rows, posts the finite ones; throws Diverged at the first non-finite. */
  async function flushMetrics(): Promise<void> {
    if (pending.length === 0) return;
    assertBackendAlive();
    const batch = pending;
    pending = [];
    const flushedAt = now();
    const seconds = Math.max((flushedAt - lastFlush) / 1000, 1e-6);
    const imagesPerSecond = (stepsSinceFlush * config.batchSize) / seconds;
    lastFlush = flushedAt;
    stepsSinceFlush = 0;
    const rows = await untilLost(readMetricRows(batch));
    assertBackendAlive();
    const bad = firstNonFiniteRow(rows);
    const good = bad ? rows.filter((row) => row.step < bad.row.step) : rows;
    history.push(...good);
    const { numTensors, numBytes } = tf.memory();
    if (good.length > 0) post({ type: 'metrics', rows: good, imagesPerSecond, memory: { numTensors, numBytes }, live: liveSettingsOf(config) });
    if (bad) throw new Diverged(bad.row.step, `the loss became ${Number.isNaN(bad.value) ? 'NaN' : 'infinite'}`);
  }

  /** Copies the state off the device; config is the run's own (live settings included). */
  async function capture(): Promise<Checkpoint> {
    const checkpoint = await untilLost(captureCheckpoint(gan, { step, metrics: history, quality: qualityHistory, datasetIdentity: context.datasetIdentity }));
    return { ...checkpoint, config: { ...config } };
  }

  /**
   * The rolling-back phase: rebuild the GAN from the last good checkpoint and tell the page.
   * The learning rates in force stay, so the user can lower them and resume.
   */
  async function rollBack(divergedAt: number, what: string): Promise<void> {
    discardPendingMetrics();
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
    lastCheckpointStep = step;
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
    if (hasNonFiniteWeights(checkpoint)) throw new Diverged(step, 'a weight became NaN or infinite');
    lastGood = checkpoint;
    lastCheckpointStep = step;
    const savedStep = step;
    const { store } = context;
    storageWrites = storageWrites.then(async () => {
      if (phase.name === 'disposed') return;
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

  /** A checkpoint where the run stands, unless the last one is already there; else just the metrics. */
  async function checkpointIfOwed(): Promise<void> {
    if (step !== lastCheckpointStep) await checkpointNow();
    else await flushMetrics();
  }

  /** Training time of this run object (steps and what they trigger), for youngGridDue. */
  let trainingMs = 0;
  /** now() when the last training grid was posted. */
  let lastGridAt = now();

  async function postGrid(): Promise<void> {
    lastGridAt = now();
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

  /** Applies a command the loop itself reports; false (and no change) when the phase refuses it. */
  function apply(command: RunCommand): boolean {
    const next = transition(phase, command);
    if (!next.ok) return false;
    phase = next.phase;
    return true;
  }

  /** The GPU context is gone: stop for good and hand the last good checkpoint to whoever rebuilds. */
  function handOverLoss(): void {
    const wasRunning = phase.name === 'running' || (phase.name === 'loading' && phase.then === 'running');
    if (!apply({ type: 'lost' })) return;
    discardPendingMetrics();
    const loss: BackendLoss = { lostAtStep: step, checkpoint: lastGood, config: { ...config }, wasRunning };
    if (context.onBackendLost) context.onBackendLost(loss);
    else {
      postState();
      post({ type: 'error', message: `The GPU context was lost at step ${loss.lostAtStep}; training paused.`, recoverable: true });
    }
  }

  /** The rolling-back phase, start to end: restore, then paused, showing the restored weights. */
  async function divergedTo(diverged: Diverged): Promise<void> {
    if (!apply({ type: 'diverged' })) return;
    await rollBack(diverged.atStep, diverged.what);
    apply({ type: 'rolled-back' });
    postState();
    await postGrid();
  }

  /**
   * Runs one turn's work. A divergence becomes the rolling-back phase, a lost context the
   * recovering phase; any other error pauses the run with `failure`'s sentence. Returns the
   * error for a request to reject with, or null.
   */
  async function guarded(work: () => Promise<void>, failure: ((message: string) => string) | null): Promise<Error | null> {
    try {
      await work();
      return null;
    } catch (error) {
      const thrown = error instanceof Error ? error : new Error(String(error));
      try {
        if (thrown instanceof Diverged) await divergedTo(thrown);
        else if (thrown instanceof BackendLostError || (await lossConfirmed())) handOverLoss();
        else if (failure) {
          apply({ type: 'failed' });
          post({ type: 'error', message: failure(describeError(thrown)), recoverable: true });
          postState();
        }
      } catch (during) {
        // A loss while rolling back, or on drawing the restored grid.
        if (during instanceof BackendLostError || (await lossConfirmed())) handOverLoss();
        else {
          apply({ type: 'failed' });
          post({ type: 'error', message: `Training paused at step ${step}: ${describeError(during)}`, recoverable: true });
          postState();
        }
      }
      if (thrown instanceof BackendLostError) return new RunRefusal('The GPU context was lost; the run is being restored from its last checkpoint. Try again in a moment.');
      return thrown;
    }
  }

  /** One training step and what falls due after it: a checkpoint and grid, a quality slice, a metrics flush. */
  async function stepTurn(): Promise<void> {
    await guarded(async () => {
      if (step < config.steps) {
        const turnStarted = now();
        runOneStep();
        if (previewDue({ step, previewEvery: config.previewEvery })) {
          await checkpointNow();
          await postGrid();
        } else if (youngGridDue({ trainingMs, sinceLastGridMs: now() - lastGridAt })) {
          await postGrid();
        }
        trainingMs += now() - turnStarted;
        measureQualityIfDue();
        if (now() - lastFlush >= METRICS_INTERVAL_MS) await flushMetrics();
      }
      apply({ type: 'stepped', reachedEnd: step >= config.steps });
      if (phase.name === 'paused' && phase.stepsToRun === 0) {
        // Single steps are over: keep this step too, so a reload loses nothing.
        await checkpointIfOwed();
        postState();
      } else if (phase.name === 'done') {
        await flushMetrics();
        postState();
        // The final weights, unless the last step drew them already.
        if (!previewDue({ step, previewEvery: config.previewEvery })) await postGrid();
        await measureFinalQuality();
      }
    }, (message) => `Training paused at step ${step}: ${message}`);
  }

  /** Carries out a control command the phase accepted; `before` is the phase it left. */
  async function enter(command: QueuedCommand['command'], before: RunPhase): Promise<void> {
    switch (command.type) {
      case 'start':
        postState();
        await guarded(async () => {
          // The starting state is the first rollback target (for a restored run, it is the checkpoint).
          lastGood = await capture();
          measureQualityIfDue();
          await postGrid();
          apply({ type: 'loaded' });
          lastFlush = now();
          stepsSinceFlush = 0;
        }, (message) => `Training could not start: ${message}`);
        return;
      case 'restore':
        await guarded(async () => {
          lastGood = await capture();
          await postGrid();
          apply({ type: 'loaded' });
        }, (message) => `Could not show the restored run: ${message}`);
        return;
      case 'resume':
        lastFlush = now();
        stepsSinceFlush = 0;
        postState();
        return;
      case 'pause':
        if (before.name !== 'running') return;
        await guarded(checkpointIfOwed, (message) => `Training paused at step ${step}: ${message}`);
        postState();
        return;
      case 'stop':
        await guarded(flushMetrics, null);
        postState();
        return;
      // Single steps are taken by the loop; the loop's own reports did their work before it
      // applied them; perform() carries out between-steps work and disposal itself.
      case 'between-steps':
      case 'dispose':
      case 'step':
      case 'loaded':
      case 'stepped':
      case 'diverged':
      case 'rolled-back':
      case 'lost':
      case 'failed':
        return;
    }
  }

  function disposeNow(): void {
    phase = { name: 'disposed' };
    meter?.dispose();
    try {
      discardPendingMetrics();
      disposeGan(gan);
    } catch {
      // Tensors on a lost context: there is nothing left to free.
    }
    turnYield?.close();
    mailbox.refuseAll('This run has ended and was replaced; try again on the current run.');
  }

  /** One command, in the loop's turn. */
  async function perform(item: QueuedCommand): Promise<void> {
    const before = phase;
    const next = transition(phase, item.command);
    if (!next.ok) {
      refuse(item, next.refusal);
      return;
    }
    if (item.command.type === 'dispose' && 'done' in item) {
      disposeNow();
      item.done(null);
      return;
    }
    if (item.command.type === 'between-steps' && 'task' in item) {
      let result: unknown;
      const failed = await guarded(async () => {
        assertBackendAlive();
        result = await item.task();
        // A result computed on a lost context is not shown.
        assertBackendAlive();
      }, null);
      if (failed) item.reject(failed);
      else item.resolve(result);
      return;
    }
    phase = next.phase;
    await enter(item.command, before);
    if ('done' in item) item.done(null);
  }

  const mailbox = createRunMailbox({ phase: () => phase, stepTurn, perform, yieldTurn });
  const { control, betweenSteps } = mailbox;

  // Every step and command inside the loop is guarded and reports to the page itself; this catch
  // is for a fault in the loop's own bookkeeping, which would otherwise stop the run without a word.
  mailbox.run().catch((error: unknown) => {
    post({ type: 'error', message: `Training stopped at step ${step}: ${describeError(error)}`, recoverable: false });
  });

  return {
    get config() {
      return config;
    },
    get state() {
      return pageState(phase);
    },
    get phase() {
      return phase;
    },
    get step() {
      return step;
    },
    start: () => control({ type: 'start' }),
    pause: () => control({ type: 'pause' }),
    resume: () => control({ type: 'resume' }),
    stepOnce: () => control({ type: 'step' }),
    stop: () => control({ type: 'stop' }),
    setLive(live) {
      return betweenSteps(async () => {
        Object.assign(config, live);
        setLearningRate(gan.generatorOptimizer, live.generatorLearningRate);
        setLearningRate(gan.discriminatorOptimizer, live.discriminatorLearningRate);
      });
    },
    exportGenerator() {
      return betweenSteps(async () => ({ artifacts: await modelArtifacts(gan.generator), summary: summarise() }));
    },
    exportRecipe() {
      return betweenSteps(async () => {
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
      // Resolves with a refusal sentence rather than rejecting; a restored run is idle, so it is accepted.
      void control({ type: 'restore' });
    },
    useGenerator(use) {
      return betweenSteps(() => use(gan.generator, config, step));
    },
    captureNow() {
      return betweenSteps(async () => {
        await flushMetrics();
        return capture();
      });
    },
    dispose: () => mailbox.dispose(),
    async whenSettled() {
      for (;;) {
        await mailbox.untilLoopWaits();
        await Promise.all([storageWrites, meter?.whenIdle()]);
        // Settled only if nothing started meanwhile (a command, or steps owed).
        if (isDisposed() || mailbox.isIdle()) return;
      }
    },
  };
}
