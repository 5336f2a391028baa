/**
 * Seeded randomness. Every random choice in a run derives from the run seed through
 * `deriveSeed`, so a config and a dataset fully determine a run on a deterministic backend.
 */
import { createRandom } from '../protocol/random.ts';

export { createRandom };

/** Independent random streams of a run; each gets its own derived seeds. */
export const RANDOM_STREAMS = {
  weights: 1,
  batches: 2,
  noise: 3,
  dropout: 4,
  previewSeed: 5,
  flips: 6,
  /** Which images are set aside for measuring quality. */
  heldBack: 7,
  /** The latents and descriptor positions of quality measurements. */
  quality: 8,
} as const;
export type RandomStream = keyof typeof RANDOM_STREAMS;

/** One round of the splitmix32 finaliser: a well-mixed 32-bit hash of a 32-bit input. */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seed for item `index` of `stream` in the run seeded by `runSeed`, in [0, 2^31).
 * Distinct (stream, index) pairs give unrelated seeds.
 */
export function deriveSeed(runSeed: number, stream: RandomStream, index = 0): number {
  return mix32(mix32(mix32(runSeed) ^ RANDOM_STREAMS[stream]) ^ index) & 0x7fffffff;
}

/** A uniform integer in [0, n) from a generator made by createRandom. */
export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}
