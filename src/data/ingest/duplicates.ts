/**
 * Finds images that repeat an earlier one in a decoded set: exact duplicates (the same S×S×C
 * bytes, e.g. one photo stored twice) and near-duplicates (a re-encoded, re-saved or resized
 * copy, which decodes to almost the same pixels). A GAN trained on a set with many copies
 * learns those few faces by heart, so each is kept once by default.
 *
 * Exact: a 64-bit hash of the pixels. Near: an 8 × 8 grey thumbnail whose cells differ from an
 * earlier image's by at most a few grey levels on average (and nowhere by much), and pixels
 * that do too: textures and noise average to the same flat grey thumbnail. Candidates are
 * found through the four quadrants' mean greys, quantised, looking in neighbouring cells too,
 * so only images that are already alike at 2 × 2 get compared. Bit hashes (dHash, pHash) were
 * tried first and missed re-encoded copies of photos with flat areas: there the bits follow
 * compression noise.
 */
import { hashPixels } from './pixel-hash.ts';

export type DuplicateVerdict = { kind: 'new' } | { kind: 'duplicate' | 'near-duplicate'; of: number };

export interface DuplicateFinder {
  /**
   * Compares one image (S·S·C bytes) with those added before, and remembers it when it is new
   * (a reference: its bytes must not change while the finder is in use).
   * @param id the caller's name for the image, returned as `of` when a later one repeats it.
   */
  check(pixels: Uint8Array, id: number): DuplicateVerdict;
}

/** Thumbnail side in cells. */
const THUMB = 8;
/** Below this side the thumbnail cells would be single pixels: only exact duplicates. */
export const MIN_SIDE_FOR_NEAR_DUPLICATES = 16;
/**
 * Largest mean and largest single difference of the thumbnails' grey levels (0–255) between
 * near-duplicates: loose enough for a copy re-encoded as JPEG at quality 0.6 (checked in
 * tests/e2e/ingest.spec.ts), tight enough that two different photos, or the same scene with a
 * face added, are not one.
 */
const MAX_MEAN_DIFFERENCE = 4;
const MAX_CELL_DIFFERENCE = 16;
/** Largest mean difference of the S×S×C bytes themselves, checked last (it reads every byte). */
const MAX_PIXEL_DIFFERENCE = 8;
/** Grey levels per quantisation step of a quadrant's mean, for the candidate lookup. */
const QUADRANT_STEP = 16;
/** A lookup bucket stops growing here, so a set of many alike images stays linear in time. */
const MAX_BUCKET = 256;

/** A finder for images of `side` × `side` × `channels` bytes. */
export function createDuplicateFinder(side: number, channels: 1 | 3): DuplicateFinder {
  const exact = new Map<string, number>();
  const near = side >= MIN_SIDE_FOR_NEAR_DUPLICATES;
  const kept = new Map<number, { thumb: Float32Array; pixels: Uint8Array }>();
  const buckets = new Map<number, number[]>();

  return {
    check(pixels, id) {
      const key = hashPixels(pixels);
      const same = exact.get(key);
      if (same !== undefined) return { kind: 'duplicate', of: same };
      if (near) {
        const thumb = greyThumbnail(pixels, side, channels);
        const cell = quadrantCell(thumb);
        const match = findNear(thumb, cell, pixels);
        if (match !== null) return { kind: 'near-duplicate', of: match };
        kept.set(id, { thumb, pixels });
        const bucketKey = cellKey(cell);
        const bucket = buckets.get(bucketKey) ?? [];
        if (bucket.length < MAX_BUCKET) bucket.push(id);
        buckets.set(bucketKey, bucket);
      }
      exact.set(key, id);
      return { kind: 'new' };
    },
  };

  /** The first earlier image in this cell or a neighbouring one (3⁴ cells) whose thumbnail is close. */
  function findNear(thumb: Float32Array, cell: readonly number[], pixels: Uint8Array): number | null {
    for (let offsets = 0; offsets < 81; offsets++) {
      const neighbour = cell.map((value, i) => value + (Math.floor(offsets / 3 ** i) % 3) - 1);
      if (neighbour.some((value) => value < 0 || value >= 256 / QUADRANT_STEP)) continue;
      for (const candidate of buckets.get(cellKey(neighbour)) ?? []) {
        const other = kept.get(candidate);
        if (other && areClose(thumb, other.thumb) && meanDifference(pixels, other.pixels) <= MAX_PIXEL_DIFFERENCE) return candidate;
      }
    }
    return null;
  }
}

/** A THUMB × THUMB grey thumbnail (BT.601 luma, 0–255), each cell a box average. */
function greyThumbnail(pixels: Uint8Array, side: number, channels: 1 | 3): Float32Array {
  const thumb = new Float32Array(THUMB * THUMB);
  for (let row = 0; row < THUMB; row++) {
    const y0 = Math.floor((row * side) / THUMB);
    const y1 = Math.floor(((row + 1) * side) / THUMB);
    for (let column = 0; column < THUMB; column++) {
      const x0 = Math.floor((column * side) / THUMB);
      const x1 = Math.floor(((column + 1) * side) / THUMB);
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * side + x) * channels;
          sum += channels === 1 ? (pixels[i] ?? 0) : 0.299 * (pixels[i] ?? 0) + 0.587 * (pixels[i + 1] ?? 0) + 0.114 * (pixels[i + 2] ?? 0);
        }
      }
      thumb[row * THUMB + column] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return thumb;
}

/** The four quadrants' mean greys, each quantised to QUADRANT_STEP levels. */
function quadrantCell(thumb: Float32Array): number[] {
  const half = THUMB / 2;
  const sums = [0, 0, 0, 0];
  thumb.forEach((value, i) => {
    const quadrant = (Math.floor(i / THUMB) < half ? 0 : 2) + ((i % THUMB) < half ? 0 : 1);
    sums[quadrant] = (sums[quadrant] ?? 0) + value;
  });
  return sums.map((sum) => Math.min(256 / QUADRANT_STEP - 1, Math.floor(sum / (half * half) / QUADRANT_STEP)));
}

function cellKey(cell: readonly number[]): number {
  return cell.reduce((key, value) => key * 16 + value, 0);
}

function areClose(a: Float32Array, b: Float32Array): boolean {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    if (difference > MAX_CELL_DIFFERENCE) return false;
    sum += difference;
  }
  return sum / a.length <= MAX_MEAN_DIFFERENCE;
}

function meanDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}
