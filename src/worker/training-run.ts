/**
 * One training run: a GAN, its data, and the loop that steps it, pauses, resumes and stops.
 * It talks to the page only through `post`, so tests drive it without a worker.
 */
import * as tf from '@tensorflow/tfjs';
import { sampleBatch, type ImageSet } from '../data/dataset.ts';
import { renderGrid } from '../gan/grid.ts';
import { readMetricRows, type PendingMetrics } from '../gan/metrics.ts';
import { createGan, disposeGan, generatePreview, trainStep, type Gan } from '../gan/train-step.ts';
import type { TrainConfig } from '../protocol/config.ts';
import {
  liveSettingsOf,
  type BackendName,
  type GeneratorArtifacts,
  type LiveSettings,
  type RunState,
  type RunSummary,
} from '../protocol/messages.ts';
import type { Post } from './post.ts';

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
  backend: BackendName | null;
  post: Post;
}

/**
 * Creates a run in the paused state at step 0. The config must be valid and match the set's
 * side and channels. Nothing trains until start() or stepOnce().
 */
export function createTrainingRun(initialConfig: TrainConfig, context: RunContext): TrainingRun {
  const { set, post } = context;
  const config: TrainConfig = { ...initialConfig };
  const gan: Gan = createGan(config);
  let state: RunState = 'paused';
  let step = 0;
  let stepsToRunWhilePaused = 0;
  let looping = false;
  let disposed = false;
  let pending: PendingMetrics[] = [];
  let lastFlush = performance.now();
  let stepsSinceFlush = 0;

  const postState = () => post({ type: 'run-state', state, step, totalSteps: config.steps });

  async function flushMetrics(): Promise<void> {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const now = performance.now();
    const seconds = Math.max((now - lastFlush) / 1000, 1e-6);
    const imagesPerSecond = (stepsSinceFlush * config.batchSize) / seconds;
    lastFlush = now;
    stepsSinceFlush = 0;
    const rows = await readMetricRows(batch);
    const { numTensors, numBytes } = tf.memory();
    post({ type: 'metrics', rows, imagesPerSecond, memory: { numTensors, numBytes }, live: liveSettingsOf(config) });
  }

  async function postGrid(): Promise<void> {
    const images = generatePreview(gan);
    const grid = await renderGrid(images, config).finally(() => images.dispose());
    const pixels = grid.pixels.buffer as ArrayBuffer;
    post({ type: 'grid', kind: 'training', step, image: { width: grid.width, height: grid.height, pixels } }, [pixels]);
  }

  /** One step: real batch, trainStep, metrics queued (not read). Synchronous by design. */
  function runOneStep(): void {
    const real = sampleBatch(set, config.seed, step, config.batchSize, config.flip);
    try {
      pending.push({ step: step + 1, values: trainStep(gan, real, step, { labelSmoothing: config.labelSmoothing }) });
    } finally {
      real.dispose();
    }
    step += 1;
    stepsSinceFlush += 1;
  }

  async function loop(): Promise<void> {
    if (looping) return;
    looping = true;
    try {
      while (!disposed && (state === 'running' || stepsToRunWhilePaused > 0)) {
        if (step >= config.steps) {
          state = 'done';
          break;
        }
        runOneStep();
        if (stepsToRunWhilePaused > 0) stepsToRunWhilePaused -= 1;
        if (step % config.previewEvery === 0) await postGrid();
        if (performance.now() - lastFlush >= METRICS_INTERVAL_MS) await flushMetrics();
        await yieldToEventLoop();
      }
      if (!disposed) {
        await flushMetrics();
        postState();
        // Always end on a grid of the final weights, even between preview intervals.
        if (state === 'done' && step % config.previewEvery !== 0) await postGrid();
      }
    } catch (error) {
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
      void postGrid().then(loop);
    },
    async pause() {
      if (state !== 'running') return;
      state = 'paused';
      stepsToRunWhilePaused = 0;
      // The loop notices at its next check and posts the state itself.
    },
    resume() {
      if (state !== 'paused') return;
      state = 'running';
      lastFlush = performance.now();
      stepsSinceFlush = 0;
      postState();
      void loop();
    },
    stepOnce() {
      if (state !== 'paused') return;
      stepsToRunWhilePaused += 1;
      void loop();
    },
    async stop() {
      if (state === 'stopped' || state === 'done') return;
      state = 'stopped';
      stepsToRunWhilePaused = 0;
      if (!looping) {
        await flushMetrics();
        postState();
      }
    },
    setLive(live) {
      Object.assign(config, live);
      setLearningRate(gan.generatorOptimizer, live.generatorLearningRate);
      setLearningRate(gan.discriminatorOptimizer, live.discriminatorLearningRate);
    },
    async exportGenerator() {
      const artifacts = await new Promise<tf.io.ModelArtifacts>((resolve, reject) => {
        gan.generator
          .save(
            tf.io.withSaveHandler(async (saved) => {
              resolve(saved);
              return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
            }),
          )
          .catch(reject);
      });
      const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      return {
        artifacts: {
          modelTopology: artifacts.modelTopology,
          weightSpecs: (artifacts.weightSpecs ?? []).map(({ name, shape, dtype }) => ({ name, shape, dtype })),
          weightData,
          format: artifacts.format ?? 'layers-model',
          generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          convertedBy: artifacts.convertedBy ?? null,
        },
        summary: {
          config: { ...config },
          step,
          seed: config.seed,
          dataset: context.datasetSummary,
          backend: context.backend,
          savedAt: new Date().toISOString(),
        },
      };
    },
    dispose() {
      disposed = true;
      tf.dispose(pending.map((p) => p.values));
      pending = [];
      disposeGan(gan);
    },
  };
}
