/**
 * Multi-scale sliced Wasserstein distance (Karras et al. 2018, "Progressive Growing of GANs",
 * appendix D): how far generated images are from real ones, per scale of detail.
 *
 * Per image set: a Laplacian pyramid down to `minSide` px; at each level, 7×7 neighbourhoods at
 * random positions become descriptors of C·49 values; descriptors are normalised per channel;
 * the distance between the two descriptor clouds is the sliced Wasserstein distance: project
 * both on random unit directions, sort each projection, average |sortedA − sortedB|.
 *
 * Where the work runs, and why: the pyramid (blur, decimate, zero-insert upsample) and the
 * projections (a [n, C·49] × [C·49, 128] matMul per chunk of directions, ~2.5 GFLOP for 256
 * images × 128 descriptors × 512 directions) run on the tfjs backend, where the GPU makes them
 * cheap. Gathering the 7×7 patches at random positions, the normalisation and the sorting run on
 * typed arrays: random-position gathers are awkward as tensor ops, and tf.topk with k = n would
 * silently fall back to a synchronous CPU read on WebGL. Each level and each chunk of projections
 * is read back with `await data()`; chunking bounds the read-back to n × 128 floats.
 *
 * Differences from the paper's reference code (sliced_wasserstein.py), all deliberate:
 * - descriptors are normalised by the mean/std over both sets by default (`normalise: 'joint'`),
 *   so a global colour or contrast shift counts; the paper normalises each set on its own
 *   (`'per-set'`).
 * - both sets sample their neighbourhoods at the same random positions (the positions don't
 *   depend on content, so this only lowers variance, and identical sets score exactly 0).
 */
import * as tf from '@tensorflow/tfjs';
import { latentForSeed } from '../protocol/latent.ts';
import { createRandom } from '../protocol/random.ts';

export interface SwdOptions {
  /** Seeds the neighbourhood positions and the projection directions. */
  seed: number;
  /** Neighbourhoods sampled per image per level (paper: 128). */
  descriptorsPerImage?: number;
  /** Random projection directions per level (paper: 4 repeats × 128 = 512). */
  directions?: number;
  /** The pyramid stops at this side (paper: 16). */
  minSide?: number;
  /** How descriptors are standardised per channel; see the file comment. */
  normalise?: 'joint' | 'per-set';
  /**
   * Awaited between slices of the work (each level, each few dozen projections), e.g. a
   * macrotask yield so a training loop sharing the thread keeps stepping. On wasm and cpu,
   * `await data()` resolves as a microtask, so without this the whole measurement would run
   * as one long task.
   */
  pause?: () => Promise<void>;
}

/** Sorting this many projections is one slice of work between pauses (~10–30 ms for 16k descriptors). */
const DIRECTIONS_PER_SLICE = 16;

export interface SwdResult {
  /** SWD × 1e3 per pyramid level, finest (full resolution) first, coarsest (minSide) last. */
  perLevel: number[];
  /** The mean of `perLevel` (× 1e3), the paper's single-number summary. */
  average: number;
}

/** The paper's neighbourhood: 7×7 pixels, so 3 on each side of the centre. */
const HALF_PATCH = 3;
const PATCH = 2 * HALF_PATCH + 1;
/** Directions are projected in chunks of this many (the paper's dirs_per_repeat). */
const DIRECTIONS_PER_CHUNK = 128;
/** The binomial 5-tap approximation of a Gaussian, as cv2.pyrDown uses. */
const BINOMIAL = [1, 4, 6, 4, 1].map((w) => w / 16);

/** The separable 5×5 binomial blur as a depthwise filter [5, 5, C, 1], scaled by `gain`. */
function blurFilter(channels: number, gain: number): tf.Tensor4D {
  const values = new Float32Array(25 * channels);
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      for (let c = 0; c < channels; c++) values[(y * 5 + x) * channels + c] = gain * (BINOMIAL[y] ?? 0) * (BINOMIAL[x] ?? 0);
    }
  }
  return tf.tensor4d(values, [5, 5, channels, 1]);
}

/** Blurs with mirrored edges (scipy 'mirror' / reflect without repeating the edge) at a stride. */
function blur(images: tf.Tensor4D, filter: tf.Tensor4D, stride: 1 | 2): tf.Tensor4D {
  const padded = tf.mirrorPad(images, [[0, 0], [2, 2], [2, 2], [0, 0]], 'reflect');
  return tf.depthwiseConv2d(padded, filter, stride, 'valid');
}

/** cv2.pyrUp: zero-insert to twice the size, then blur with 4× the kernel to restore brightness. */
function upsample(images: tf.Tensor4D, filter4: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  // [n, h, w, c] → [n, h, 1, w, 1, c] → pad a zero after each row and column → [n, 2h, 2w, c].
  const spread = tf.pad(tf.reshape(images, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]]);
  return blur(tf.reshape(spread, [n, 2 * h, 2 * w, c]), filter4, 1);
}

/**
 * The Laplacian pyramid of a batch, finest level first: each level but the last is
 * image − upsample(downsample(image)); the last is the blurred-and-decimated image at minSide.
 * @param images [N, S, S, C], S = minSide · 2^k.
 * @returns tensors [N, S/2^i, S/2^i, C] owned by the caller.
 */
export function laplacianPyramid(images: tf.Tensor4D, minSide: number): tf.Tensor4D[] {
  const side = images.shape[1];
  if (images.shape[2] !== side || side < minSide || Math.log2(side / minSide) % 1 !== 0) {
    throw new Error(`laplacianPyramid: ${side}×${images.shape[2]} images do not halve down to ${minSide}`);
  }
  return tf.tidy(() => {
    const channels = images.shape[3];
    const down = blurFilter(channels, 1);
    const up = blurFilter(channels, 4);
    const levels: tf.Tensor4D[] = [];
    let current: tf.Tensor4D = tf.cast(images, 'float32');
    while (current.shape[1] > minSide) {
      const smaller = blur(current, down, 2);
      levels.push(tf.sub(current, upsample(smaller, up)));
      current = smaller;
    }
    levels.push(current);
    return levels;
  });
}

/**
 * Copies `perImage` 7×7×C neighbourhoods per image at the positions `random` draws.
 * @param level [N, S, S, C] values, N·S·S·C long.
 * @returns [N · perImage, 49 · C], rows ordered (dy, dx, c).
 */
function sampleDescriptors(level: Float32Array, count: number, side: number, channels: number, perImage: number, random: () => number): Float32Array {
  const width = PATCH * PATCH * channels;
  const rowLength = side * channels;
  const descriptors = new Float32Array(count * perImage * width);
  const span = side - 2 * HALF_PATCH; // centres keep the whole patch inside the image
  let out = 0;
  for (let image = 0; image < count; image++) {
    for (let d = 0; d < perImage; d++) {
      const top = Math.floor(random() * span);
      const left = Math.floor(random() * span);
      for (let dy = 0; dy < PATCH; dy++) {
        const start = image * side * rowLength + (top + dy) * rowLength + left * channels;
        descriptors.set(level.subarray(start, start + PATCH * channels), out);
        out += PATCH * channels;
      }
    }
  }
  return descriptors;
}

/** Per-channel mean and std over the given descriptor arrays (channel = index mod C). */
function channelStats(sets: readonly Float32Array[], channels: number): { mean: Float64Array; std: Float64Array } {
  const sum = new Float64Array(channels);
  const sumSquares = new Float64Array(channels);
  let n = 0;
  for (const set of sets) {
    for (let i = 0; i < set.length; i++) {
      const v = set[i] ?? 0;
      const c = i % channels;
      sum[c] = (sum[c] ?? 0) + v;
      sumSquares[c] = (sumSquares[c] ?? 0) + v * v;
    }
    n += set.length / channels;
  }
  const mean = sum.map((s) => s / n);
  // A flat channel (std 0) is left unscaled rather than divided by zero.
  const std = sumSquares.map((s, c) => Math.sqrt(Math.max(0, s / n - (mean[c] ?? 0) ** 2)) || 1);
  return { mean, std };
}

function standardise(set: Float32Array, stats: { mean: Float64Array; std: Float64Array }, channels: number): void {
  for (let i = 0; i < set.length; i++) set[i] = ((set[i] ?? 0) - (stats.mean[i % channels] ?? 0)) / (stats.std[i % channels] ?? 1);
}

/** A uniform 32-bit seed from a generator, to seed a sub-stream. */
function nextSeed(random: () => number): number {
  return Math.floor(random() * 4294967296);
}

/**
 * Sliced Wasserstein distance between two equal-sized descriptor sets [n, width]: the mean over
 * `directions` random unit directions of mean |sort(A·d) − sort(B·d)|.
 */
async function slicedWasserstein(
  a: Float32Array,
  b: Float32Array,
  n: number,
  width: number,
  directions: number,
  random: () => number,
  pause: () => Promise<void>,
): Promise<number> {
  const descriptorsA = tf.tensor2d(a, [n, width]);
  const descriptorsB = tf.tensor2d(b, [n, width]);
  try {
    let total = 0;
    for (let done = 0; done < directions; done += DIRECTIONS_PER_CHUNK) {
      const chunk = Math.min(DIRECTIONS_PER_CHUNK, directions - done);
      // Gaussian columns normalised to unit length: directions uniform on the sphere.
      const basis = latentForSeed(nextSeed(random), width * chunk); // [width, chunk]
      for (let d = 0; d < chunk; d++) {
        let norm = 0;
        for (let k = 0; k < width; k++) norm += (basis[k * chunk + d] ?? 0) ** 2;
        const scale = 1 / Math.sqrt(norm || 1);
        for (let k = 0; k < width; k++) basis[k * chunk + d] = (basis[k * chunk + d] ?? 0) * scale;
      }
      // [n, width] × [width, chunk] → transposed to [chunk, n] so each direction is a contiguous row.
      const [projectedA, projectedB] = tf.tidy(() => {
        const directionsTensor = tf.tensor2d(basis, [width, chunk]);
        return [tf.transpose(tf.matMul(descriptorsA, directionsTensor)), tf.transpose(tf.matMul(descriptorsB, directionsTensor))];
      });
      let valuesA: Float32Array;
      let valuesB: Float32Array;
      try {
        [valuesA, valuesB] = (await Promise.all([projectedA.data(), projectedB.data()])) as [Float32Array, Float32Array];
      } finally {
        projectedA.dispose();
        projectedB.dispose();
      }
      for (let d = 0; d < chunk; d++) {
        if (d % DIRECTIONS_PER_SLICE === 0) await pause();
        const rowA = valuesA.subarray(d * n, (d + 1) * n).sort();
        const rowB = valuesB.subarray(d * n, (d + 1) * n).sort();
        let sum = 0;
        for (let i = 0; i < n; i++) sum += Math.abs((rowA[i] ?? 0) - (rowB[i] ?? 0));
        total += sum / n;
      }
    }
    return total / directions;
  } finally {
    descriptorsA.dispose();
    descriptorsB.dispose();
  }
}

/**
 * Multi-scale SWD between two image sets, × 1e3 as the paper reports it. Lower is closer;
 * identical sets give 0. Deterministic for a seed on a deterministic backend.
 *
 * Inputs are tensors because that is what both sides already are: generator samples come out as
 * [N, S, S, C] in [-1, 1], and the real set becomes the same through `normaliseBatch`. The caller
 * keeps ownership of `a` and `b`; everything made here is disposed.
 * @param a, b [N, S, S, C] in [-1, 1], the same shape; S = minSide · 2^k (e.g. 64 → levels 64, 32, 16).
 */
export async function slicedWassersteinDistance(a: tf.Tensor4D, b: tf.Tensor4D, options: SwdOptions): Promise<SwdResult> {
  const { seed, descriptorsPerImage = 128, directions = 512, minSide = 16, normalise = 'joint', pause = () => Promise.resolve() } = options;
  if (a.shape.join() !== b.shape.join()) {
    throw new Error(`slicedWassersteinDistance: shapes differ ([${a.shape.join(', ')}] vs [${b.shape.join(', ')}])`);
  }
  if (minSide <= 2 * HALF_PATCH) throw new Error(`slicedWassersteinDistance: minSide must exceed ${2 * HALF_PATCH}`);
  const [count, , , channels] = a.shape;
  const random = createRandom(seed);
  const pyramidA = laplacianPyramid(a, minSide);
  const pyramidB = laplacianPyramid(b, minSide);
  try {
    const perLevel: number[] = [];
    for (let level = 0; level < pyramidA.length; level++) {
      const levelA = pyramidA[level];
      const levelB = pyramidB[level];
      if (levelA === undefined || levelB === undefined) break;
      const side = levelA.shape[1];
      await pause();
      const [pixelsA, pixelsB] = (await Promise.all([levelA.data(), levelB.data()])) as [Float32Array, Float32Array];
      // Same positions for both sets (see the file comment).
      const positionSeed = nextSeed(random);
      const descriptorsA = sampleDescriptors(pixelsA, count, side, channels, descriptorsPerImage, createRandom(positionSeed));
      const descriptorsB = sampleDescriptors(pixelsB, count, side, channels, descriptorsPerImage, createRandom(positionSeed));
      if (normalise === 'joint') {
        const stats = channelStats([descriptorsA, descriptorsB], channels);
        standardise(descriptorsA, stats, channels);
        standardise(descriptorsB, stats, channels);
      } else {
        standardise(descriptorsA, channelStats([descriptorsA], channels), channels);
        standardise(descriptorsB, channelStats([descriptorsB], channels), channels);
      }
      const width = PATCH * PATCH * channels;
      await pause();
      const distance = await slicedWasserstein(descriptorsA, descriptorsB, count * descriptorsPerImage, width, directions, random, pause);
      perLevel.push(distance * 1e3);
    }
    const average = perLevel.reduce((sum, d) => sum + d, 0) / perLevel.length;
    return { perLevel, average };
  } finally {
    for (const t of [...pyramidA, ...pyramidB]) t.dispose();
  }
}
