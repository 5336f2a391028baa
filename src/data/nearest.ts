/**
 * Nearest training images to a query image, by L2 distance over pixel bytes: the check for
 * whether a generator draws new faces or copies the ones it trained on.
 */
import type { ImageSet } from './dataset.ts';

/** One match: the image's index in the set and its RMS difference from the query, in 0–255 levels. */
export interface NearestMatch {
  index: number;
  distance: number;
}

/**
 * The `count` images of `set` nearest to `query`, nearest first (ties: lower index first).
 *
 * One pass of plain typed-array loops, keeping a sorted top-k of at most `count` entries rather
 * than sorting every distance; once the top-k is full, an image is abandoned as soon as its
 * running sum passes the current k-th best, which skips most of the work for far images.
 * 10,000 images of 64×64×3 take on the order of 100 ms.
 * @param query side·side·channels bytes, laid out as the set's images are.
 * @param count how many to return; fewer when the set is smaller.
 */
export function nearestImages(set: ImageSet, query: Uint8Array, count: number): NearestMatch[] {
  const imageLength = set.side * set.side * set.channels;
  if (query.length !== imageLength) {
    throw new Error(`nearestImages: the query has ${query.length} bytes but the set's images have ${imageLength}`);
  }
  const wanted = Math.max(0, Math.min(Math.floor(count), set.count));
  // Sum of squared byte differences, ascending; parallel arrays keep the inner loop allocation-free.
  const bestSums: number[] = [];
  const bestIndices: number[] = [];
  const pixels = set.pixels;
  const rowLength = set.side * set.channels;
  for (let image = 0; image < set.count && wanted > 0; image++) {
    const full = bestSums.length === wanted;
    // Strictly greater than the worst kept sum can never enter (ties keep the earlier index).
    const bound = full ? (bestSums[wanted - 1] as number) : Infinity;
    const start = image * imageLength;
    let sum = 0;
    // The bound is checked once per row: cheap next to the row's work, and exact either way.
    for (let rowStart = 0; rowStart < imageLength && sum < bound; rowStart += rowLength) {
      for (let i = rowStart; i < rowStart + rowLength; i++) {
        const difference = (pixels[start + i] as number) - (query[i] as number);
        sum += difference * difference;
      }
    }
    if (sum >= bound) continue;
    let position = bestSums.length;
    while (position > 0 && (bestSums[position - 1] as number) > sum) position--;
    bestSums.splice(position, 0, sum);
    bestIndices.splice(position, 0, image);
    if (bestSums.length > wanted) {
      bestSums.pop();
      bestIndices.pop();
    }
  }
  return bestIndices.map((index, i) => ({ index, distance: Math.sqrt((bestSums[i] as number) / imageLength) }));
}
