/**
 * Measures a run's sample quality while it trains: multi-scale sliced Wasserstein distance
 * (src/gan/swd.ts) between the images held back from training and as many generated ones.
 *
 * Why it does not stall training: generating the fakes is one inference pass, run between two
 * steps; the distance itself (pyramids, projections, sorting: ~1–3 s at 64 px on wasm) runs in
 * slices with a macrotask yield between them, so the training loop, which also yields between
 * steps, keeps stepping while a measurement is in flight. Only one measurement runs at a time;
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
/** Fakes are generated this many at a time, to bound the memory of one inference pass. */
const GENERATE_BATCH = 64;
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

  /** The generator's images for the run's fixed quality latents, [n, S, S, C] in [-1, 1]. */
  function generateFakes(generator: tf.LayersModel): tf.Tensor4D {
    return tf.tidy(() => {
      // The same latents at every measurement, so the curve shows the generator changing, not the noise.
      const latents = tf.randomNormal([count, latentSize], 0, 1, 'float32', deriveSeed(runSeed, 'quality', 1));
      return generator.predict(latents, { batchSize: GENERATE_BATCH }) as tf.Tensor4D;
    });
  }

  async function run(fakes: tf.Tensor4D, step: number, report: (row: QualityRow) => void): Promise<void> {
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
      let fakes: tf.Tensor4D;
      try {
        fakes = generateFakes(generator);
      } catch (error) {
        busy = false;
        options.onError(error);
        return false;
      }
      inFlight = run(fakes, step, report)
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
