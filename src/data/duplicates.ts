/**
 * Finds images that repeat an earlier one in a decoded set: exact duplicates (the same S×S×C
 * bytes, e.g. one photo stored twice) and near-duplicates (a re-encoded, re-saved or resized
 * copy, which decodes to almost the same pixels). A GAN trained on a set with many copies
 * learns those few faces by heart, so each is kept once by default.
 *
 * Exact: a 64-bit hash of the pixels. Near: a difference hash (dHash: 64 bits saying whether
 * each cell of a 9 × 8 grey thumbnail is darker than its right neighbour), looked up by its
 * eight bytes (two hashes within 7 bits of each other share at least one byte exactly), then
 * confirmed by the thumbnails themselves being close: dHash alone calls every flat or smooth
 * image a copy of every other, since their bits are noise.
 */
import { hashPixels } from './pixel-hash.ts';

export type DuplicateVerdict = { kind: 'new' } | { kind: 'duplicate' | 'near-duplicate'; of: number };

export interface DuplicateFinder {
  /**
   * Compares one image (S·S·C bytes) with those added before, and remembers it when it is new.
   * @param id the caller's name for the image, returned as `of` when a later one repeats it.
   */
  check(pixels: Uint8Array, id: number): DuplicateVerdict;
}

/** Thumbnail columns × rows: 9 columns give 8 left-to-right differences per row. */
const THUMB_COLUMNS = 9;
const THUMB_ROWS = 8;
/** Below this side the thumbnail cells would be single pixels or empty: only exact duplicates. */
export const MIN_SIDE_FOR_NEAR_DUPLICATES = 16;
/**
 * Most dHash bits that may differ (of 64). Re-encoding a photo at JPEG quality 0.7–0.9 or
 * saving it at half size flips 0–4 at 64 px; two different photos differ in ~20–32.
 */
const MAX_HASH_DISTANCE = 6;
/** Largest mean difference of the thumbnails' grey levels (0–255) between near-duplicates. */
const MAX_THUMB_DIFFERENCE = 4;
/** A lookup bucket stops growing here, so a set of many smooth images stays linear. */
const MAX_BUCKET = 256;

/** A finder for images of `side` × `side` × `channels` bytes. */
export function createDuplicateFinder(side: number, channels: 1 | 3): DuplicateFinder {
  const exact = new Map<string, number>();
  const near = side >= MIN_SIDE_FOR_NEAR_DUPLICATES;
  const thumbs = new Map<number, { hash: Uint8Array; thumb: Float32Array }>();
  const buckets = new Map<number, number[]>();

  return {
    check(pixels, id) {
      const key = hashPixels(pixels);
      const same = exact.get(key);
      if (same !== undefined) return { kind: 'duplicate', of: same };
      if (near) {
        const thumb = greyThumbnail(pixels, side, channels);
        const hash = differenceHash(thumb);
        const match = findNear(hash, thumb);
        if (match !== null) return { kind: 'near-duplicate', of: match };
        thumbs.set(id, { hash, thumb });
        hash.forEach((byte, band) => {
          const bucketKey = band * 256 + byte;
          const bucket = buckets.get(bucketKey) ?? [];
          if (bucket.length < MAX_BUCKET) bucket.push(id);
          buckets.set(bucketKey, bucket);
        });
      }
      exact.set(key, id);
      return { kind: 'new' };
    },
  };

  function findNear(hash: Uint8Array, thumb: Float32Array): number | null {
    const seen = new Set<number>();
    for (let band = 0; band < hash.length; band++) {
      for (const candidate of buckets.get(band * 256 + (hash[band] ?? 0)) ?? []) {
        if (seen.has(candidate)) continue;
        seen.add(candidate);
        const other = thumbs.get(candidate);
        if (other && hammingDistance(hash, other.hash) <= MAX_HASH_DISTANCE && meanDifference(thumb, other.thumb) <= MAX_THUMB_DIFFERENCE) {
          return candidate;
        }
      }
    }
    return null;
  }
}

/** A THUMB_COLUMNS × THUMB_ROWS grey thumbnail (BT.601 luma, 0–255), each cell a box average. */
function greyThumbnail(pixels: Uint8Array, side: number, channels: 1 | 3): Float32Array {
  const thumb = new Float32Array(THUMB_COLUMNS * THUMB_ROWS);
  for (let row = 0; row < THUMB_ROWS; row++) {
    const y0 = Math.floor((row * side) / THUMB_ROWS);
    const y1 = Math.floor(((row + 1) * side) / THUMB_ROWS);
    for (let column = 0; column < THUMB_COLUMNS; column++) {
      const x0 = Math.floor((column * side) / THUMB_COLUMNS);
      const x1 = Math.floor(((column + 1) * side) / THUMB_COLUMNS);
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * side + x) * channels;
          sum += channels === 1 ? (pixels[i] ?? 0) : 0.299 * (pixels[i] ?? 0) + 0.587 * (pixels[i + 1] ?? 0) + 0.114 * (pixels[i + 2] ?? 0);
        }
      }
      thumb[row * THUMB_COLUMNS + column] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return thumb;
}

/** dHash: bit (row, column) is set when the cell is darker than its right neighbour; 8 bytes, one per row. */
function differenceHash(thumb: Float32Array): Uint8Array {
  const hash = new Uint8Array(THUMB_ROWS);
  for (let row = 0; row < THUMB_ROWS; row++) {
    let byte = 0;
    for (let column = 0; column < THUMB_COLUMNS - 1; column++) {
      const i = row * THUMB_COLUMNS + column;
      if ((thumb[i] ?? 0) < (thumb[i + 1] ?? 0)) byte |= 1 << column;
    }
    hash[row] = byte;
  }
  return hash;
}

function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) {
    let x = (a[i] ?? 0) ^ (b[i] ?? 0);
    while (x !== 0) {
      bits += x & 1;
      x >>>= 1;
    }
  }
  return bits;
}

function meanDifference(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}
