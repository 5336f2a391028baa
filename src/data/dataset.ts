/**
 * The training set as compact bytes, and the batches drawn from it.
 *
 * Images stay uint8 on the CPU side ([N, S, S, C], a quarter of float32's size: 10k × 64 px RGB
 * is 123 MB rather than 492 MB). Each batch is gathered as bytes and normalised to [-1, 1] once,
 * on the backend.
 */
import * as tf from '@tensorflow/tfjs';
import { createRandom, deriveSeed, randomInt } from '../gan/random.ts';

export interface ImageSet {
  /** count · side · side · channels bytes, image-major, then rows, columns, channels. */
  pixels: Uint8Array;
  count: number;
  side: number;
  channels: number;
}

/** Wraps bytes as an ImageSet, checking that the length matches the shape. */
export function createImageSet(pixels: Uint8Array, side: number, channels: number): ImageSet {
  const imageLength = side * side * channels;
  if (imageLength === 0 || pixels.length % imageLength !== 0) {
    throw new Error(`createImageSet: ${pixels.length} bytes is not a whole number of ${side}×${side}×${channels} images`);
  }
  return { pixels, count: pixels.length / imageLength, side, channels };
}

/**
 * Copies the chosen images into one contiguous byte batch, mirroring left–right those whose
 * `flips` entry is true. Pure and allocation-light: one Uint8Array of the batch's size.
 */
export function gatherBatchBytes(set: ImageSet, indices: readonly number[], flips: readonly boolean[]): Uint8Array {
  const { side, channels } = set;
  const imageLength = side * side * channels;
  const rowLength = side * channels;
  const batch = new Uint8Array(indices.length * imageLength);
  indices.forEach((index, i) => {
    const source = index * imageLength;
    const target = i * imageLength;
    if (!flips[i]) {
      batch.set(set.pixels.subarray(source, source + imageLength), target);
      return;
    }
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const from = source + y * rowLength + (side - 1 - x) * channels;
        batch.set(set.pixels.subarray(from, from + channels), target + y * rowLength + x * channels);
      }
    }
  });
  return batch;
}

/**
 * Normalises a byte batch to [-1, 1] on the backend: x / 127.5 − 1 (Heaton's scaling).
 * @returns [batch, S, S, C] float32.
 */
export function normaliseBatch(bytes: Uint8Array, batchSize: number, side: number, channels: number): tf.Tensor4D {
  return tf.tidy(() => {
    const raw = tf.tensor4d(bytes, [batchSize, side, side, channels], 'int32');
    return tf.sub(tf.div(tf.cast(raw, 'float32'), 127.5), 1);
  });
}

export interface BatchChoice {
  indices: number[];
  flips: boolean[];
}

/**
 * The images and flips of batch `stepIndex`, sampled with replacement as Heaton's version A
 * does, from seeds derived from the run seed: the same run seed and step give the same batch.
 * @param pool when given, the set indices to draw from (the images not held back); otherwise
 *   every index below `count`. The draws are the same either way, so a run without a held-back
 *   sample trains on exactly Heaton's batches.
 */
export function chooseBatch(
  runSeed: number,
  stepIndex: number,
  batchSize: number,
  count: number,
  flip: boolean,
  pool: ArrayLike<number> | null = null,
): BatchChoice {
  const pickIndex = createRandom(deriveSeed(runSeed, 'batches', stepIndex));
  const pickFlip = createRandom(deriveSeed(runSeed, 'flips', stepIndex));
  const indices = Array.from({ length: batchSize }, () => {
    if (!pool) return randomInt(pickIndex, count);
    return pool[randomInt(pickIndex, pool.length)] ?? 0;
  });
  const flips = indices.map(() => flip && pickFlip() < 0.5);
  return { indices, flips };
}

/**
 * Batch `stepIndex` of a run as a normalised tensor [batch, S, S, C] in [-1, 1]; the caller disposes it.
 * @param pool the set indices a run trains on (see splitHeldBack), or null for all of them.
 */
export function sampleBatch(
  set: ImageSet,
  runSeed: number,
  stepIndex: number,
  batchSize: number,
  flip: boolean,
  pool: ArrayLike<number> | null = null,
): tf.Tensor4D {
  const { indices, flips } = chooseBatch(runSeed, stepIndex, batchSize, set.count, flip, pool);
  return normaliseBatch(gatherBatchBytes(set, indices, flips), batchSize, set.side, set.channels);
}

export interface HeldBackSplit {
  /** Indices the run trains on, ascending. */
  training: Uint32Array;
  /** Indices set aside for measuring quality, ascending; never in a training batch. */
  heldBack: Uint32Array;
}

/**
 * Sets `heldBack` of `count` images aside, chosen by the run seed (a partial Fisher–Yates
 * shuffle), so a resumed run holds back the same images it did before.
 */
export function splitHeldBack(count: number, runSeed: number, heldBack: number): HeldBackSplit {
  if (!Number.isInteger(heldBack) || heldBack < 0 || heldBack >= count) {
    throw new Error(`splitHeldBack: cannot hold back ${heldBack} of ${count} images`);
  }
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  const random = createRandom(deriveSeed(runSeed, 'heldBack'));
  for (let i = 0; i < heldBack; i++) {
    const j = i + randomInt(random, count - i);
    const chosen = order[j] ?? j;
    order[j] = order[i] ?? i;
    order[i] = chosen;
  }
  return { heldBack: order.slice(0, heldBack).sort(), training: order.slice(heldBack).sort() };
}
