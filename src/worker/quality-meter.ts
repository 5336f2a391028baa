/**
 * Measures a run's sample quality while it trains: multi-scale sliced Wasserstein distance
 * (src/gan/swd.ts) between the images held back from training and as many generated ones.
 *
 * Why it does not stall training: at the step boundary the meter only snapshots the generator's
 * weights (tfjs shares the tensors' data, so nothing is copied). The fakes are then drawn from a
 * copy of the generator holding that snapshot, a small chunk at a time, and the distance
 * (pyramids, projections, sorting) runs in slices too, with a macrotask yield between slices, so
 * the training loop, which also yields between steps, keeps stepping (and answers Pause) while a
 * measurement is in flight. Drawing all 256 fakes at once would block the worker for ~20 s at
 * 64 px on one wasm thread. Only one measurement runs at a time;
 * a request while one is in flight is skipped (the next interval measures again).
 */
import * as tf from '@tensorflow/tfjs';
import { gatherBatchBytes, normaliseBatch, type ImageSet } from '../data/dataset.ts';
import { deriveSeed } from '../gan/random.ts';
import { slicedWassersteinDistance } from '../gan/swd.ts';
import type { QualityRow } from '../protocol/metrics.ts';

/** In-app settings, smaller than the paper's (128 descriptors, 512 directions, 16k images) to stay cheap; the numbers are noisier and not comparable to published ones. */
const DESCRIPTORS_PER_IMAGE = 64;
const DIRECTIONS = 256;
/**
 * Fakes are drawn this many at a time, one chunk per slice: ~0.1–0.5 s on one wasm thread for
 * Heaton's generator at 16–64 px (most of its work is in the early, size-independent layers).
 */
const FAKES_PER_CHUNK = 16;
/** The pyramid stops at the smallest side ≥ this that halves evenly from the image side. */
const MIN_PYRAMID_SIDE = 16;

export interface QualityMeter {
  /**
   * Starts a measurement of `generator` at `step` (its images drawn now, between steps), unless
   * one is in flight; `report` gets the result. Returns whether it started.
   */
  measure(generator: tf.LayersModel, step: number, report: (row: QualityRow) => void): boolean;
  /** Whether a measurement is in flight. */
  readonly busy: boolean;
  /** Resolves once no measurement is in flight. */
  whenIdle(): Promise<void>;
  /** Ends any measurement early (its tensors are freed); no result is reported after this. */
  dispose(): void;
}

export interface QualityMeterOptions {
  set: ImageSet;
  /** Indices of the held-back images (see splitHeldBack). */
  heldBack: ArrayLike<number>;
  latentSize: number;
  runSeed: number;
  /** A measurement failed (say, the GPU context went away); training is unaffected. */
  onError(error: unknown): void;
  /** Awaited between slices of work; defaults to a macrotask yield. */
  pause?: () => Promise<void>;
}

/** Thrown from `pause` once the meter is disposed, to unwind a measurement in flight. */
class MeterDisposed extends Error {
  constructor() {
    super('the quality meter was disposed');
  }
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The smallest side ≥ MIN_PYRAMID_SIDE reached by halving `side` (64 → 16, 96 → 24, 16 → 16). */
export function pyramidFloor(side: number): number {
  let floor = side;
  while (floor % 2 === 0 && floor / 2 >= MIN_PYRAMID_SIDE) floor /= 2;
  return floor;
}

export function createQualityMeter(options: QualityMeterOptions): QualityMeter {
  const { set, heldBack, latentSize, runSeed } = options;
  const count = heldBack.length;
  // [n, S, S, C] bytes of the held-back images, gathered once (≤ 256 images, a few MB).
  const realBytes = gatherBatchBytes(set, Array.from(heldBack), new Array<boolean>(count).fill(false));
  const basePause = options.pause ?? macrotask;
  let disposed = false;
  let busy = false;
  let inFlight: Promise<void> = Promise.resolve();

  const pause = async () => {
    if (disposed) throw new MeterDisposed();
    await basePause();
    if (disposed) throw new MeterDisposed();
  };

  /**
   * A copy of `topology`'s network holding `weights` (which it takes over and disposes), so
   * fakes can be drawn from the generator as it was while training moves the original on.
   */
  async function frozenCopy(topology: ReturnType<tf.LayersModel['toJSON']>, weights: tf.Tensor[]): Promise<tf.LayersModel> {
    try {
      const modelTopology: unknown = typeof topology === 'string' ? JSON.parse(topology) : topology;
      const copy = await tf.models.modelFromJSON({ modelTopology } as Parameters<typeof tf.models.modelFromJSON>[0]);
      copy.setWeights(weights);
      return copy;
    } finally {
      tf.dispose(weights);
    }
  }

  /** The generator's images for the run's fixed quality latents, [n, S, S, C] in [-1, 1], a chunk per slice. */
  async function generateFakes(generator: tf.LayersModel): Promise<tf.Tensor4D> {
    const chunk = FAKES_PER_CHUNK;
    // The same latents at every measurement, so the curve shows the generator changing, not the noise.
    const latents = tf.randomNormal([count, latentSize], 0, 1, 'float32', deriveSeed(runSeed, 'quality', 1));
    const parts: tf.Tensor4D[] = [];
    try {
      for (let start = 0; start < count; start += chunk) {
        await pause();
        const size = Math.min(chunk, count - start);
        parts.push(tf.tidy(() => generator.predict(tf.slice(latents, [start, 0], [size, latentSize])) as tf.Tensor4D));
      }
      return tf.concat(parts);
    } finally {
      tf.dispose([latents, ...parts]);
    }
  }

  async function run(snapshot: Promise<tf.LayersModel>, step: number, report: (row: QualityRow) => void): Promise<void> {
    const copy = await snapshot;
    let fakes: tf.Tensor4D;
    try {
      fakes = await generateFakes(copy);
    } finally {
      copy.dispose();
    }
    const real = normaliseBatch(realBytes, count, set.side, set.channels);
    try {
      const result = await slicedWassersteinDistance(real, fakes, {
        seed: deriveSeed(runSeed, 'quality', 2),
        descriptorsPerImage: DESCRIPTORS_PER_IMAGE,
        directions: DIRECTIONS,
        minSide: pyramidFloor(set.side),
        pause,
      });
      if (!disposed) report({ step, swd: result.average, perLevel: result.perLevel, images: count });
    } finally {
      real.dispose();
      fakes.dispose();
    }
  }

  return {
    get busy() {
      return busy;
    },
    measure(generator, step, report) {
      if (busy || disposed || count === 0) return false;
      busy = true;
      // Only this part runs at the step boundary: the weights as they are now (clone() shares
      // the data, so it copies nothing) and the network's description.
      const weights = generator.getWeights().map((weight) => weight.clone());
      const snapshot = frozenCopy(generator.toJSON(null, false), weights);
      inFlight = run(snapshot, step, report)
        .catch((error: unknown) => {
          if (!(error instanceof MeterDisposed) && !disposed) options.onError(error);
        })
        .finally(() => {
          busy = false;
        });
      return true;
    },
    whenIdle() {
      return inFlight;
    },
    dispose() {
      disposed = true;
    },
  };
}
