/**
 * Rasterises the built-in cartoon faces on the page (the only place Chromium can draw SVG; see
 * cartoon-faces.ts), in slices short enough that the page stays responsive while it works.
 */
import { display } from 'facesjs';
import { composeFaceSheet, frameFaceSvg, generateCartoonFaceSpecs } from './cartoon-faces.ts';

export interface CartoonRasterOptions {
  /** Number of faces N. */
  count: number;
  /** Tile side S in pixels. */
  side: number;
  /** 3 for RGB, 1 for grayscale (BT.601 luma, as for uploaded photos). */
  channels: 1 | 3;
  /** Same seed, same faces, same pixels. */
  seed: number;
  /** Called after each slice with the number of faces finished. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting rejects with the signal's reason at the next slice boundary. */
  signal?: AbortSignal;
}

/** The faces as one uint8 set: count · side · side · channels bytes, image-major. */
export interface CartoonSet {
  pixels: Uint8Array;
  count: number;
  side: number;
  channels: 1 | 3;
}

/**
 * Work done before yielding to the event loop. Well under the 50 ms "long task" threshold:
 * a slice may overshoot by one face (display() took ≤ 11 ms, 1.4 ms on average, measured),
 * and the browser's own task that parses and rasterises a sheet comes on top.
 */
const SLICE_MS = 20;

/**
 * Faces per SVG sheet, i.e. per image load. Loading a separate image per face ran at ~150
 * faces/s (each SVG image is a whole document for the browser); sheets of 16 run at ~400–480
 * faces/s at 64 px. Sheets of 32 were no faster, and the browser's one task loading each grew
 * past 50 ms.
 */
const BATCH = 16;
const SHEET_COLUMNS = 8;

/**
 * Draws `count` seeded cartoon faces at `side` px and packs them into a uint8 set.
 * @returns [count, side, side, channels] bytes.
 */
export async function rasteriseCartoonFaces(options: CartoonRasterOptions): Promise<CartoonSet> {
  const { count, side, channels, seed, onProgress, signal } = options;
  const pixels = new Uint8Array(count * side * side * channels);
  const canvas = new OffscreenCanvas(SHEET_COLUMNS * side, Math.ceil(BATCH / SHEET_COLUMNS) * side);
  // willReadFrequently: a CPU-backed canvas, so each getImageData is a copy, not a GPU readback.
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('rasteriseCartoonFaces: no 2d canvas context');
  const stage = createStage();
  const serializer = new XMLSerializer();
  const slicer = createSlicer(SLICE_MS);

  /** Faces start … start + BATCH − 1 as one SVG sheet (see composeFaceSheet). */
  const buildSheet = async (start: number): Promise<{ start: number; faces: number; markup: string }> => {
    const framed: string[] = [];
    for (const spec of generateCartoonFaceSpecs(seed, start, Math.min(BATCH, count - start))) {
      // display() lays the face out in the live stage (it needs getBBox); we copy the SVG out.
      display(stage, spec.face);
      const svg = stage.firstElementChild;
      if (!svg) throw new Error('facesjs drew nothing');
      framed.push(frameFaceSvg(serializer.serializeToString(svg), spec.background, side, `f${framed.length}-`));
      await slicer.maybeYield();
    }
    return { start, faces: framed.length, markup: composeFaceSheet(framed, side, SHEET_COLUMNS) };
  };

  /** Draws a loaded sheet once and cuts it into tiles of the output set. */
  const drawSheet = (start: number, faces: number, image: HTMLImageElement): void => {
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0);
    const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < faces; i++) {
      const left = (i % SHEET_COLUMNS) * side;
      const top = Math.floor(i / SHEET_COLUMNS) * side;
      writeTile(rgba, canvas.width, left, top, side, pixels, (start + i) * side * side * channels, channels);
    }
    onProgress?.(start + faces, count);
  };

  try {
    // A two-stage pipeline: while the browser loads (parses) sheet k, between our slices, we
    // lay out sheet k + 1.
    let loading: { start: number; faces: number; image: Promise<HTMLImageElement> } | null = null;
    for (let start = 0; start < count; start += BATCH) {
      signal?.throwIfAborted();
      const sheet = await buildSheet(start);
      const next = { start: sheet.start, faces: sheet.faces, image: loadSvgImage(sheet.markup) };
      if (loading) drawSheet(loading.start, loading.faces, await loading.image);
      slicer.restart(); // awaiting the load already ended the task
      loading = next;
    }
    if (loading) {
      signal?.throwIfAborted();
      drawSheet(loading.start, loading.faces, await loading.image);
    }
  } finally {
    stage.remove();
  }
  return { pixels, count, side, channels };
}

/**
 * An off-screen element where facesjs can lay out its SVG. It must be in the document for
 * getBBox to measure anything, but is invisible and contained so it never disturbs the page.
 */
function createStage(): HTMLDivElement {
  const stage = document.createElement('div');
  stage.setAttribute('aria-hidden', 'true');
  stage.style.cssText = 'position:fixed;left:-10000px;top:0;width:400px;height:600px;visibility:hidden;pointer-events:none;contain:strict';
  document.body.appendChild(stage);
  return stage;
}

/** Loads SVG markup as an <img>; its blob URL is released as soon as the image has decoded. */
async function loadSvgImage(markup: string): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(new Blob([markup], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    return image;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Copies the side × side tile at (left, top) of an RGBA sheet `sheetWidth` wide into
 * `channels` bytes per pixel at `offset`. Tiles have opaque backgrounds, so alpha is dropped;
 * grayscale is BT.601 luma, as in src/data/ingest/decode.ts (which this layer may not import).
 */
function writeTile(rgba: Uint8ClampedArray, sheetWidth: number, left: number, top: number, side: number, out: Uint8Array, offset: number, channels: 1 | 3): void {
  let target = offset;
  for (let y = 0; y < side; y++) {
    let source = ((top + y) * sheetWidth + left) * 4;
    for (let x = 0; x < side; x++, source += 4) {
      const r = rgba[source] ?? 0;
      const g = rgba[source + 1] ?? 0;
      const b = rgba[source + 2] ?? 0;
      if (channels === 3) {
        out[target++] = r;
        out[target++] = g;
        out[target++] = b;
      } else {
        out[target++] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      }
    }
  }
}

/**
 * Yields to the event loop only once the current task has run `budgetMs`, so small steps pay
 * no yielding cost but no task grows long. A MessageChannel message is a fresh task without
 * setTimeout's 4 ms clamp or its throttling in background tabs.
 */
function createSlicer(budgetMs: number): { maybeYield(): Promise<void>; restart(): void } {
  let sliceStart = performance.now();
  return {
    restart() {
      sliceStart = performance.now();
    },
    async maybeYield() {
      if (performance.now() - sliceStart < budgetMs) return;
      await new Promise<void>((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve();
        };
        channel.port2.postMessage(null);
      });
      sliceStart = performance.now();
    },
  };
}
