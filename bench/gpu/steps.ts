/**
 * The GPU kit's workload: real Ganvas training steps (createGan + trainStep from src/gan, batches
 * from src/data) on whichever tfjs backend is current. Shared by the kit's entry (bench.ts, run
 * on WebGPU through Dawn) and by its test (the same steps on wasm as the reference), so both
 * sides train exactly the same networks on exactly the same batches and noise.
 */
import * as tf from '@tensorflow/tfjs';
import { createImageSet, sampleBatch, type ImageSet } from '../../src/data/dataset.ts';
import { createGan, disposeGan, trainStep } from '../../src/gan/train-step.ts';
import {
  ARCHITECTURES,
  HEATON_DEFAULTS,
  validateConfig,
  type Architecture,
  type Resolution,
  type TrainConfig,
} from '../../src/protocol/config.ts';
import { STEP_METRICS } from '../../src/protocol/metrics.ts';

/** The images a bench run draws its batches from; speed does not depend on what they show. */
const BENCH_IMAGES = 64;

/** A bench configuration as written on the command line: `arch:px` or `arch:px:width`. */
export function parseBenchConfig(spec: string, batchSize: number): TrainConfig {
  const [architecture = '', px = '', width = '1'] = spec.split(':');
  if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new Error(`"${spec}": the architecture must be one of ${ARCHITECTURES.join(', ')} (write arch:px or arch:px:width, e.g. heaton:64)`);
  }
  const config: TrainConfig = {
    ...HEATON_DEFAULTS,
    architecture: architecture as Architecture,
    resolution: Number(px) as Resolution,
    width: Number(width),
    batchSize,
  };
  const problems = validateConfig(config);
  if (problems.length > 0) throw new Error(`"${spec}": ${problems.join('; ')}`);
  return config;
}

/** `arch:px` (or `arch:px:width` when not the published width) for tables. */
export function configLabel(config: TrainConfig): string {
  const base = `${config.architecture}:${config.resolution}`;
  return config.width === 1 ? base : `${base}:${config.width}`;
}

/** Deterministic pseudo-random bytes, the same on every machine. */
export function benchImages(config: TrainConfig): ImageSet {
  const { resolution: side, channels } = config;
  const pixels = new Uint8Array(BENCH_IMAGES * side * side * channels).map((_, i) => (i * 2654435761) >>> 24);
  return createImageSet(pixels, side, channels);
}

export interface StepLosses {
  dReal: number;
  dFake: number;
  g: number;
}

export interface StepsResult {
  /** Wall time of each step, from drawing its batch until its metrics were read back. */
  ms: number[];
  /** Every step's losses, step 0 first. */
  losses: StepLosses[];
  /** Tensors alive after the run minus before it (0 unless something leaked). */
  leakedTensors: number;
}

const METRIC_INDEX = Object.fromEntries(STEP_METRICS.map((name, i) => [name, i])) as Record<(typeof STEP_METRICS)[number], number>;

/**
 * Trains `steps` steps of a fresh GAN built from `config` on the current backend, timing each
 * one. Each step ends by reading its metrics back (`await data()`): a GPU queues work, so the
 * read is what makes the wall time include the step's computation.
 */
export async function runSteps(config: TrainConfig, steps: number): Promise<StepsResult> {
  const set = benchImages(config);
  const tensorsBefore = tf.memory().numTensors;
  const gan = createGan(config);
  const ms: number[] = [];
  const losses: StepLosses[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const start = performance.now();
      const real = sampleBatch(set, config.seed, step, config.batchSize, config.flip);
      const metrics = trainStep(gan, real, step, { labelSmoothing: config.labelSmoothing });
      real.dispose();
      const values = await metrics.data();
      metrics.dispose();
      ms.push(performance.now() - start);
      losses.push({
        dReal: values[METRIC_INDEX.dRealLoss] ?? NaN,
        dFake: values[METRIC_INDEX.dFakeLoss] ?? NaN,
        g: values[METRIC_INDEX.gLoss] ?? NaN,
      });
    }
  } finally {
    disposeGan(gan);
  }
  return { ms, losses, leakedTensors: tf.memory().numTensors - tensorsBefore };
}

/** The largest absolute difference between two runs' losses, step by step. */
export function maxLossDifference(a: readonly StepLosses[], b: readonly StepLosses[]): number {
  if (a.length !== b.length) throw new Error(`maxLossDifference: ${a.length} steps against ${b.length}`);
  return Math.max(...a.flatMap((x, i) => {
    const y = b[i] as StepLosses;
    return [Math.abs(x.dReal - y.dReal), Math.abs(x.dFake - y.dFake), Math.abs(x.g - y.g)];
  }));
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}
