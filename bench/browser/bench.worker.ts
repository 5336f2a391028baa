/// <reference lib="webworker" />
/**
 * The browser bench's worker: forces one tfjs backend, builds a GAN on a random uint8 data
 * set and times training steps phase by phase. It runs in a dedicated module worker because
 * the app trains in one (src/worker/training.worker.ts); one worker per run, so every run
 * starts with a fresh tfjs engine and wasm module (thread settings only apply at init).
 */
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { HEATON_DEFAULTS, validateConfig, type TrainConfig } from '../../src/protocol/config.ts';
import { createImageSet, sampleBatch, type ImageSet } from '../../src/data/dataset.ts';
import {
  createGan,
  discriminatorFakePhase,
  discriminatorRealPhase,
  disposeGan,
  generateForTraining,
  generatorPhase,
  stepNoise,
  trainStep,
  type Gan,
  type PhaseResult,
} from '../../src/gan/train-step.ts';
import { initialiseBackend } from '../../src/worker/backend.ts';
import type { BenchBackend, BenchEnvironment, BenchWorkerMessage, BenchWorkerRequest, KernelTime, StepTiming } from './bench-types.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: BenchWorkerMessage): void => scope.postMessage(message);

/** Images in the random data set: enough that batches differ, small enough to stay cheap. */
const DATASET_IMAGES = 64;
const LIVE = { labelSmoothing: 0 };

/** Sets the wasm knobs that only act before the backend initialises, then initialises it. */
async function startBackend(backend: BenchBackend): Promise<BenchEnvironment> {
  const cores = navigator.hardwareConcurrency;
  if (backend === 'wasm-1t') setThreadsCount(1);
  if (backend === 'wasm-mt') {
    // tfjs-backend-wasm 4.22 caps XNNPACK's threads at hardwareConcurrency / 2 (read once when
    // the module starts, assuming two hyperthreads per core), so a 2-core machine gets 1
    // thread whatever setThreadsCount says. Report twice the cores while it starts.
    Object.defineProperty(navigator, 'hardwareConcurrency', { configurable: true, get: () => cores * 2 });
    setThreadsCount(cores);
  }
  // Pretend SharedArrayBuffer is missing so tfjs loads the plain SIMD build.
  if (backend === 'wasm-simd') tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const family = backend.startsWith('wasm') ? 'wasm' : backend === 'webgl' ? 'webgl' : 'webgpu';
  // `preferred` is accepted even in software, so SwiftShader WebGL/WebGPU are really used.
  const choice = await initialiseBackend(family).finally(() => Reflect.deleteProperty(navigator, 'hardwareConcurrency'));
  if (choice.backend !== family) {
    throw new Error(`${family} did not initialise (${choice.rejected.map((r) => `${r.backend}: ${r.reason}`).join('; ')})`);
  }
  const isWasm = family === 'wasm';
  return {
    tfBackend: tf.getBackend(),
    wasmThreads: isWasm ? getThreadsCount() : null,
    wasmMultithread: isWasm ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : null,
    crossOriginIsolatedPage: false,
    crossOriginIsolatedWorker: scope.crossOriginIsolated,
    hardwareConcurrency: cores,
    userAgent: navigator.userAgent,
  };
}

/** Random bytes standing in for faces: the step's cost does not depend on the pixels. */
function randomImageSet(side: number, channels: number): ImageSet {
  const pixels = new Uint8Array(DATASET_IMAGES * side * side * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(Math.random() * 256);
  return createImageSet(pixels, side, channels);
}

/** Runs one phase inside a tidy, so only its loss and accuracy survive it. */
function phase(run: () => PhaseResult): PhaseResult {
  return tf.tidy(() => {
    const result = run();
    return { loss: result.loss, accuracy: result.accuracy };
  }) as PhaseResult;
}

/**
 * One step in trainStep's order, with an `await loss.data()` after each phase so the clock
 * sees each phase's work finished (WebGL/WebGPU queue work asynchronously). The app itself
 * never syncs inside a step; the warm-up step (plain trainStep) shows the unsynced cost.
 */
async function timedStep(gan: Gan, set: ImageSet, stepIndex: number): Promise<StepTiming> {
  const { config } = gan;
  const t0 = performance.now();
  const real = sampleBatch(set, config.seed, stepIndex, config.batchSize, config.flip);
  const noise = stepNoise(config, stepIndex);
  await Promise.all([real.data(), noise.data()]);
  const t1 = performance.now();
  const dReal = phase(() => discriminatorRealPhase(gan, real, LIVE));
  await dReal.loss.data();
  const t2 = performance.now();
  const dFake = phase(() => {
    return discriminatorFakePhase(gan, generateForTraining(gan, noise));
  });
  await dFake.loss.data();
  const t3 = performance.now();
  const g = phase(() => generatorPhase(gan, noise));
  await g.loss.data();
  const t4 = performance.now();
  tf.dispose([real, noise, dReal.loss, dReal.accuracy, dFake.loss, dFake.accuracy, g.loss, g.accuracy]);
  return { batchMs: t1 - t0, dRealMs: t2 - t1, dFakeMs: t3 - t2, gMs: t4 - t3, totalMs: t4 - t0 };
}

/** Total time per kernel name over one profiled trainStep, longest first. */
async function profileStep(gan: Gan, set: ImageSet, stepIndex: number): Promise<KernelTime[]> {
  const info = await tf.profile(async () => {
    const real = sampleBatch(set, gan.config.seed, stepIndex, gan.config.batchSize, gan.config.flip);
    const metrics = trainStep(gan, real, stepIndex, LIVE);
    await metrics.data();
    tf.dispose([real, metrics]);
    return [];
  });
  const byName = new Map<string, KernelTime>();
  for (const kernel of info.kernels) {
    const ms = await kernel.kernelTimeMs;
    const registered = tf.getKernel(kernel.name, tf.getBackend()) !== undefined;
    const entry = byName.get(kernel.name) ?? { name: kernel.name, calls: 0, ms: 0, registered };
    entry.calls += 1;
    entry.ms += typeof ms === 'number' ? ms : 0;
    byName.set(kernel.name, entry);
  }
  return [...byName.values()].sort((a, b) => b.ms - a.ms);
}

async function run(request: BenchWorkerRequest): Promise<void> {
  const { options } = request;
  const started = performance.now();
  const environment = await startBackend(options.backend);
  environment.crossOriginIsolatedPage = request.crossOriginIsolatedPage;

  const config: TrainConfig = {
    ...HEATON_DEFAULTS,
    architecture: options.architecture,
    resolution: options.resolution,
    batchSize: options.batchSize,
    width: options.width,
  };
  const problems = validateConfig(config);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const set = randomImageSet(config.resolution, config.channels);
  const gan = createGan(config, { fusedUpsampleConv: options.fusedUpsampleConv });
  post({ type: 'ready', environment, initMs: performance.now() - started });

  try {
    // Warm-up: the app's own trainStep, unsynced; compiles shaders and sizes wasm memory.
    const warmStart = performance.now();
    const realBatch = sampleBatch(set, config.seed, 0, config.batchSize, config.flip);
    const metrics = trainStep(gan, realBatch, 0, LIVE);
    await metrics.data();
    tf.dispose([realBatch, metrics]);
    const afterWarmUp = tf.memory().numTensors;
    post({ type: 'warm-up', ms: performance.now() - warmStart, numTensors: afterWarmUp });

    let stopped: string | null = null;
    let lastStepMs = performance.now() - warmStart;
    for (let step = 1; step <= options.timedSteps; step++) {
      const elapsed = performance.now() - started;
      if (elapsed + lastStepMs > options.budgetMs) {
        stopped = `budget: ${step - 1} of ${options.timedSteps} steps fit in ${Math.round(options.budgetMs / 1000)} s`;
        break;
      }
      const timing = await timedStep(gan, set, step);
      lastStepMs = timing.totalMs;
      post({ type: 'step', timing });
    }
    const memory = tf.memory();
    const tensorGrowth = memory.numTensors - afterWarmUp;
    if (options.profile) post({ type: 'profile', kernels: await profileStep(gan, set, options.timedSteps + 1) });
    post({ type: 'done', memory: { numTensors: memory.numTensors, numBytes: memory.numBytes }, tensorGrowth, stopped });
  } finally {
    disposeGan(gan);
  }
}

scope.onmessage = (event: MessageEvent<BenchWorkerRequest>) => {
  run(event.data).catch((error: unknown) => {
    post({ type: 'error', message: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) });
  });
};
