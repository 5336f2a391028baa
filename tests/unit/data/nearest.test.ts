import { describe, expect, test } from 'vitest';
import { createImageSet } from '../../../src/data/dataset.ts';
import { nearestImages } from '../../../src/data/nearest.ts';
import { createRandom } from '../../../src/gan/random.ts';

/** `count` random S×S×C images from a fixed seed. */
function randomSet(count: number, side: number, channels: number, seed = 1) {
  const random = createRandom(seed);
  const pixels = new Uint8Array(count * side * side * channels).map(() => Math.floor(random() * 256));
  return createImageSet(pixels, side, channels);
}

function imageOf(set: ReturnType<typeof randomSet>, index: number): Uint8Array {
  const length = set.side * set.side * set.channels;
  return set.pixels.slice(index * length, (index + 1) * length);
}

/** The reference answer: every distance, fully sorted. */
function bruteForce(set: ReturnType<typeof randomSet>, query: Uint8Array, count: number) {
  const length = set.side * set.side * set.channels;
  const all = Array.from({ length: set.count }, (_, index) => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += ((set.pixels[index * length + i] ?? 0) - (query[i] ?? 0)) ** 2;
    return { index, distance: Math.sqrt(sum / length) };
  });
  return all.sort((a, b) => a.distance - b.distance || a.index - b.index).slice(0, count);
}

describe('nearestImages', () => {
  test('finds an exact copy of a set image at distance 0, at its index, nearest first', () => {
    const set = randomSet(50, 8, 3);
    const matches = nearestImages(set, imageOf(set, 37), 5);
    expect(matches[0]).toEqual({ index: 37, distance: 0 });
    expect(matches).toHaveLength(5);
    const distances = matches.map((match) => match.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(distances[1]).toBeGreaterThan(0);
  });

  test('agrees with a brute-force full sort', () => {
    const set = randomSet(200, 6, 1, 7);
    const query = imageOf(randomSet(1, 6, 1, 99), 0);
    expect(nearestImages(set, query, 16)).toEqual(bruteForce(set, query, 16));
  });

  test('reports RMS difference in 0–255 levels', () => {
    // One 2×2 grayscale image of 10s; the query is all 13s: every byte differs by 3.
    const set = createImageSet(new Uint8Array(4).fill(10), 2, 1);
    expect(nearestImages(set, new Uint8Array(4).fill(13), 1)).toEqual([{ index: 0, distance: 3 }]);
  });

  test('ties keep the lower index first; asking for more than the set returns the whole set', () => {
    const set = createImageSet(new Uint8Array([5, 5, 9, 9, 5, 5]), 1, 2);
    expect(nearestImages(set, new Uint8Array([5, 5]), 10).map((m) => m.index)).toEqual([0, 2, 1]);
  });

  test('refuses a query of the wrong size', () => {
    const set = randomSet(2, 4, 3);
    expect(() => nearestImages(set, new Uint8Array(4 * 4), 1)).toThrow(/query has 16 bytes/);
  });

  test('is quick enough for 10,000 images of 64×64×3', () => {
    // A multiplicative hash fills 123 MB far faster than a seeded generator would.
    const pixels = new Uint8Array(10_000 * 64 * 64 * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.imul(i, 2654435761) >>> 24;
    const set = createImageSet(pixels, 64, 3);
    const start = performance.now();
    const matches = nearestImages(set, imageOf(set, 4321), 16);
    const elapsed = performance.now() - start;
    expect(matches[0]).toEqual({ index: 4321, distance: 0 });
    expect(matches).toHaveLength(16);
    // Generous for slow CI machines; typically 10–150 ms.
    expect(elapsed).toBeLessThan(3000);
  });
});
