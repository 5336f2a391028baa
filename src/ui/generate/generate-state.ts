/**
 * Pure helpers of the Generate view: seed validation, which seeds to show next, the pinned
 * seeds as stored in localStorage, the ping-pong order of a latent walk, and file names.
 * No DOM, no React, so Node tests cover them.
 */

/** Seeds are unsigned 32-bit words (latentForSeed uses only the low 32 bits; this keeps one name per face). */
export const MAX_SEED = 0xffffffff;

/** Faces shown when a generator first becomes available, and how many "More faces" adds. */
export const SEEDS_PER_PAGE = 8;

/** localStorage key of the pinned seeds (a JSON array of integers). */
export const PINNED_SEEDS_KEY = 'ganvas.pinned-seeds';

/** At most this many pins are kept; more would make the walk's selects unwieldy. */
export const MAX_PINS = 64;

/** Frame counts a latent walk may have (the ends count), and the default. */
export const WALK_FRAMES_MIN = 8;
export const WALK_FRAMES_MAX = 120;
export const WALK_FRAMES_DEFAULT = 30;

/** Frames per second offered for playing and exporting a walk. */
export const WALK_FPS_CHOICES = [6, 12, 24, 30] as const;
export type WalkFps = (typeof WALK_FPS_CHOICES)[number];

/** Exported walk frames are scaled up (nearest neighbour) until their side reaches this many pixels. */
export const EXPORT_MIN_SIDE = 128;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function isSeed(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_SEED;
}

/** Reads the Seed field: a whole number from 0 to MAX_SEED, with a message saying what is wrong. */
export function parseSeed(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'Enter a seed, a whole number such as 42.' };
  if (!/^\d+$/.test(trimmed)) return { ok: false, message: `A seed is a whole number from 0 to ${MAX_SEED.toLocaleString('en-US')}.` };
  const value = Number(trimmed);
  if (!isSeed(value)) return { ok: false, message: `The largest seed is ${MAX_SEED.toLocaleString('en-US')}.` };
  return { ok: true, value };
}

/** Reads the walk's frame-count field: a whole number from WALK_FRAMES_MIN to WALK_FRAMES_MAX. */
export function parseFrameCount(text: string): Parsed<number> {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < WALK_FRAMES_MIN || value > WALK_FRAMES_MAX) {
    return { ok: false, message: `Choose ${WALK_FRAMES_MIN} to ${WALK_FRAMES_MAX} frames.` };
  }
  return { ok: true, value };
}

/**
 * The `count` seeds after the largest one shown (0, 1, … when none is), stopping at MAX_SEED.
 * @param shown seeds already on screen, in any order.
 */
export function nextSeeds(shown: readonly number[], count = SEEDS_PER_PAGE): number[] {
  const start = shown.length === 0 ? 0 : Math.max(...shown) + 1;
  const seeds: number[] = [];
  for (let seed = start; seed <= MAX_SEED && seeds.length < count; seed++) seeds.push(seed);
  return seeds;
}

/** `shown` followed by the seeds of `added` it lacks, in their order (no duplicates). */
export function mergeSeeds(shown: readonly number[], added: readonly number[]): number[] {
  const result = [...shown];
  const seen = new Set(shown);
  for (const seed of added) {
    if (!seen.has(seed)) {
      seen.add(seed);
      result.push(seed);
    }
  }
  return result;
}

/** What a newly available generator shows first: the pinned faces, then the first page of seeds. */
export function initialSeeds(pinned: readonly number[]): number[] {
  return mergeSeeds(pinned, nextSeeds([]));
}

/**
 * The pinned seeds stored under PINNED_SEEDS_KEY. Anything unreadable (not JSON, not an array,
 * non-integers, duplicates, out of range) is dropped rather than breaking the page.
 */
export function parsePinnedSeeds(raw: string | null): number[] {
  if (raw === null) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return mergeSeeds([], value.filter(isSeed)).slice(0, MAX_PINS);
}

export function serialisePinnedSeeds(seeds: readonly number[]): string {
  return JSON.stringify(mergeSeeds([], seeds.filter(isSeed)).slice(0, MAX_PINS));
}

/** Pins `seed` (appended, so pins keep the order they were made in) or unpins it. */
export function togglePin(pinned: readonly number[], seed: number): number[] {
  if (pinned.includes(seed)) return pinned.filter((s) => s !== seed);
  return [...pinned, seed].slice(-MAX_PINS);
}

/**
 * The walk's ends after the pins changed: keep the user's choices while they are still pinned,
 * otherwise fall back to the first two pins (null when fewer than two are pinned).
 */
export function walkEnds(pinned: readonly number[], from: number | null, to: number | null): { from: number; to: number } | null {
  if (pinned.length < 2) return null;
  const first = pinned[0] as number;
  const second = pinned[1] as number;
  const keptFrom = from !== null && pinned.includes(from) ? from : null;
  const keptTo = to !== null && pinned.includes(to) ? to : null;
  if (keptFrom !== null && keptTo !== null) return { from: keptFrom, to: keptTo };
  if (keptFrom !== null) return { from: keptFrom, to: keptFrom === first ? second : first };
  if (keptTo !== null) return { from: keptTo === first ? second : first, to: keptTo };
  return { from: first, to: second };
}

/**
 * Frame indices of one ping-pong cycle A→B→A for `frames` frames, without repeating either end
 * (so it loops seamlessly): 0, 1, …, n−1, n−2, …, 1. Length 2n−2 for n ≥ 2.
 */
export function pingPongOrder(frames: number): number[] {
  if (frames <= 0) return [];
  if (frames === 1) return [0];
  const forward = Array.from({ length: frames }, (_, i) => i);
  const back = Array.from({ length: frames - 2 }, (_, i) => frames - 2 - i);
  return [...forward, ...back];
}

/**
 * One tick of the player: the next frame, turning round at either end.
 * @param direction +1 towards B, −1 towards A.
 */
export function pingPongStep(index: number, direction: 1 | -1, frames: number): { index: number; direction: 1 | -1 } {
  if (frames <= 1) return { index: 0, direction: 1 };
  let next = index + direction;
  let nextDirection = direction;
  if (next >= frames) {
    next = frames - 2;
    nextDirection = -1;
  } else if (next < 0) {
    next = 1;
    nextDirection = 1;
  }
  return { index: next, direction: nextDirection };
}

/** The nearest-neighbour scale that makes a `side`-pixel frame at least EXPORT_MIN_SIDE wide. */
export function exportScale(side: number, minSide = EXPORT_MIN_SIDE): number {
  if (side <= 0) return 1;
  return Math.max(1, Math.ceil(minSide / side));
}

export type PngScale = 1 | 2 | 4;
export const PNG_SCALES: readonly PngScale[] = [1, 2, 4];

/** `ganvas-seed-42@2x.png` */
export function facePngName(seed: number, scale: PngScale): string {
  return `ganvas-seed-${seed}@${scale}x.png`;
}

/** `ganvas-walk-3-42.gif` */
export function walkFileName(from: number, to: number, extension: 'gif' | 'webm'): string {
  return `ganvas-walk-${from}-${to}.${extension}`;
}

/** A worker image as an encoder frame: a view on the same bytes, no copy. */
export function rgbaFrame(image: { width: number; height: number; pixels: ArrayBuffer }): { width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> } {
  return { width: image.width, height: image.height, rgba: new Uint8ClampedArray(image.pixels) };
}
