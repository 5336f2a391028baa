/**
 * Every preview grid of a run, kept as PNG blobs so a long run fits in memory and the user can
 * scrub back through training.
 *
 * Memory: raw RGBA is W·H·4 bytes (Heaton's 576×336 grid: 774 KB). As PNG, a grid of faces is
 * tens of KB; the noisy grids of the first few hundred steps compress worst (up to ~0.5 MB).
 * The history keeps at most MAX_HISTORY_FRAMES frames and MAX_HISTORY_BYTES of PNG; past either
 * it drops every second frame (keeping the first and the latest), so the kept frames stay evenly
 * spread over the run and the spacing doubles each time. 2,000 frames of faces ≈ 50–100 MB.
 */
import { useCallback, useMemo, useRef, useState } from 'react';

/** A grid as the worker sends it: RGBA, row-major. */
export interface RgbaFrame {
  step: number;
  width: number;
  height: number;
  pixels: Uint8ClampedArray<ArrayBuffer>;
}

/** A grid in the history: the same picture as a PNG blob. */
export interface StoredFrame {
  step: number;
  width: number;
  height: number;
  blob: Blob;
}

export const MAX_HISTORY_FRAMES = 2000;
export const MAX_HISTORY_BYTES = 200 * 1024 * 1024;

/**
 * Halves `frames` (keeping even indices and always the last) until both limits hold or only
 * two frames remain. Returns `frames` itself when nothing needs dropping.
 */
export function thinFrames<T extends { blob: { size: number } }>(
  frames: readonly T[],
  maxFrames = MAX_HISTORY_FRAMES,
  maxBytes = MAX_HISTORY_BYTES,
): readonly T[] {
  let kept = frames;
  const bytes = (list: readonly T[]) => list.reduce((sum, frame) => sum + frame.blob.size, 0);
  while (kept.length > 2 && (kept.length > maxFrames || bytes(kept) > maxBytes)) {
    const last = kept.length - 1;
    kept = kept.filter((_, index) => index % 2 === 0 || index === last);
  }
  return kept;
}

/** Inserts `frame` in step order (a repeated step replaces the older frame). */
export function insertByStep<T extends { step: number }>(frames: readonly T[], frame: T): T[] {
  const last = frames[frames.length - 1];
  // The common case: previews arrive in step order.
  if (!last || last.step < frame.step) return [...frames, frame];
  return [...frames.filter((f) => f.step !== frame.step), frame].sort((a, b) => a.step - b.step);
}

/** Encodes RGBA pixels as a PNG (OffscreenCanvas when available, a detached canvas otherwise). */
export async function encodePng(frame: RgbaFrame): Promise<Blob> {
  const image = new ImageData(frame.pixels, frame.width, frame.height);
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(frame.width, frame.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('No 2D context on OffscreenCanvas');
    context.putImageData(image, 0, 0);
    return canvas.convertToBlob({ type: 'image/png' });
  }
  const canvas = document.createElement('canvas');
  canvas.width = frame.width;
  canvas.height = frame.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas context');
  context.putImageData(image, 0, 0);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png'),
  );
}

export interface GridHistory {
  /** Stored grids in step order. */
  frames: readonly StoredFrame[];
  /** PNG bytes held, for display. */
  bytes: number;
  /** Encodes and keeps a grid. Stable identity; safe to call from worker message handlers. */
  addFrame(frame: RgbaFrame): void;
  /** Forgets every grid, including ones still being encoded. Stable identity. */
  clear(): void;
  /** Replaces the history (a run resumed with its stored grids). Stable identity. */
  replace(frames: readonly StoredFrame[]): void;
}

/** Told of every frame kept and of the steps still kept after thinning, to mirror the history elsewhere. */
export interface HistoryMirror {
  kept(frame: StoredFrame, steps: ReadonlySet<number>): void;
}

/**
 * The run's grid history. Encodes one frame at a time in arrival order, so a slow encode never
 * lets a later step land before an earlier one; `clear` discards encodes still in flight.
 */
export function useGridHistory(mirror?: HistoryMirror): GridHistory {
  const [frames, setFrames] = useState<readonly StoredFrame[]>([]);
  // Bumped by clear(): an encode that started before it must not add its frame afterwards.
  const generation = useRef(0);
  const queue = useRef<Promise<void>>(Promise.resolve());

  const addFrame = useCallback((frame: RgbaFrame) => {
    const started = generation.current;
    const { step, width, height } = frame;
    queue.current = queue.current
      .then(async () => {
        if (generation.current !== started) return;
        const blob = await encodePng(frame);
        if (generation.current !== started) return;
        const stored = { step, width, height, blob };
        setFrames((previous) => {
          const next = thinFrames(insertByStep(previous, stored));
          mirror?.kept(stored, new Set(next.map((f) => f.step)));
          return next;
        });
      })
      .catch((error: unknown) => {
        // The live grid still shows this frame; only its place in the history is lost.
        console.warn('Could not keep a preview grid in the history:', error);
      });
    // The mirror is created once by the caller.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const clear = useCallback(() => {
    generation.current += 1;
    setFrames([]);
  }, []);

  const replace = useCallback((restored: readonly StoredFrame[]) => {
    generation.current += 1;
    setFrames(thinFrames([...restored].sort((a, b) => a.step - b.step)));
  }, []);

  const bytes = useMemo(() => frames.reduce((sum, frame) => sum + frame.blob.size, 0), [frames]);
  return useMemo(() => ({ frames, bytes, addFrame, clear, replace }), [frames, bytes, addFrame, clear, replace]);
}

/**
 * Index of the frame whose step is closest to `step` (the earlier one on a tie), or -1 when
 * there are no frames. Frames must be in step order. Used to keep a scrubbed position on the
 * same moment of training when thinning renumbers the frames.
 */
export function indexNearestStep(frames: readonly { step: number }[], step: number): number {
  if (frames.length === 0) return -1;
  let low = 0;
  let high = frames.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((frames[middle] as { step: number }).step < step) low = middle + 1;
    else high = middle;
  }
  // `low` is the first frame at or after `step`; its predecessor may be closer.
  const after = frames[low] as { step: number };
  const before = frames[low - 1];
  return before && step - before.step <= after.step - step ? low - 1 : low;
}
