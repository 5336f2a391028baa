/**
 * Test harness page for src/ui/media: makes synthetic grid PNGs in the page, runs the real
 * exports (GIF, WebM through WebCodecs, PNG, labels) and mounts the time-lapse export control.
 * Exposed as `window.mediaHarness` for Playwright; files come back as base64.
 */
import { createElement, type ComponentType } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { frameToPngBlob, labelFrame, type PngScale, type RgbaImage } from '../../../src/ui/media/frames.ts';
import { exportTimelapse, type TimelapseFormat } from '../../../src/ui/media/timelapse.ts';
import { encodeWebm, webmSupport, type WebmSupport } from '../../../src/ui/media/webm-encoder.ts';

export interface LabelChanges {
  changed: number;
  light: number;
  dark: number;
  box: { x0: number; y0: number; x1: number; y1: number } | null;
}

export interface MediaHarness {
  webmSupport(): Promise<WebmSupport>;
  /** A time-lapse of `count` synthetic width × height grids (steps 0, 100, …), as base64, with progress seen. */
  timelapse(format: TimelapseFormat, count: number, width: number, height: number, fps: number): Promise<{ base64: string; type: string; progress: number[] }>;
  /** encodeWebm straight from RGBA frames (odd sizes allowed), as base64. */
  webmFromRgba(count: number, width: number, height: number, fps: number): Promise<string>;
  /** Starts a time-lapse export and aborts it after `afterFrames` frames; returns the error's name. */
  abortedTimelapse(format: TimelapseFormat, afterFrames: number): Promise<string>;
  /** frameToPngBlob at each scale, decoded again: sizes and whether every pixel matches its source. */
  pngRoundTrip(width: number, height: number): Promise<{ scale: number; width: number; height: number; exact: boolean }[]>;
  /**
   * labelFrame on a mid-gray frame: how many pixels changed, their bounding box, and how many
   * turned near-white (the text) or near-black (the strip behind it).
   */
  labelChanges(width: number, height: number, text: string): Promise<LabelChanges>;
  /** Loads a file into a <video>: its frame size and duration in seconds, or the media error. */
  videoMetadata(base64: string, type: string): Promise<{ width: number; height: number; duration: number } | { error: string }>;
  /** A labelled synthetic grid as a PNG, base64 (for looking at the label). */
  labelledPng(width: number, height: number, text: string): Promise<string>;
  /** Mounts the export control in #export with `count` synthetic grids. */
  mountExport(count: number): Promise<void>;
}

declare global {
  interface Window {
    mediaHarness: MediaHarness;
  }
}

/** A frame whose colours depend on `index`, with a diagonal so frames are not flat. */
function syntheticFrame(index: number, width: number, height: number): RgbaImage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      const diagonal = Math.abs(x - y - index * 7) < 3;
      rgba[at] = diagonal ? 255 : (x * 3 + index * 40) & 255;
      rgba[at + 1] = diagonal ? 255 : (y * 5) & 255;
      rgba[at + 2] = diagonal ? 0 : (index * 60) & 255;
      rgba[at + 3] = 255;
    }
  }
  return { width, height, rgba };
}

async function syntheticGrids(count: number, width: number, height: number): Promise<{ step: number; blob: Blob }[]> {
  const grids = [];
  for (let i = 0; i < count; i++) grids.push({ step: i * 100, blob: await frameToPngBlob(syntheticFrame(i, width, height), 1) });
  // Out of order on purpose: the export sorts by step.
  return grids.reverse();
}

async function toBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function decodePixels(blob: Blob): Promise<RgbaImage> {
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2d context');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width: canvas.width, height: canvas.height, rgba: context.getImageData(0, 0, canvas.width, canvas.height).data };
}

let root: Root | null = null;

window.mediaHarness = {
  webmSupport,
  async timelapse(format, count, width, height, fps) {
    const progress: number[] = [];
    const blob = await exportTimelapse(await syntheticGrids(count, width, height), { format, fps, onProgress: (done) => progress.push(done) });
    return { base64: await toBase64(blob), type: blob.type, progress };
  },
  async webmFromRgba(count, width, height, fps) {
    const frames = Array.from({ length: count }, (_, i) => syntheticFrame(i, width, height));
    return toBase64(await encodeWebm(frames, { fps }));
  },
  async abortedTimelapse(format, afterFrames) {
    const controller = new AbortController();
    try {
      await exportTimelapse(await syntheticGrids(10, 64, 48), {
        format,
        fps: 10,
        signal: controller.signal,
        onProgress: (done) => done >= afterFrames && controller.abort(),
      });
      return 'finished';
    } catch (error) {
      return error instanceof Error ? error.name : String(error);
    }
  },
  async pngRoundTrip(width, height) {
    const source = syntheticFrame(3, width, height);
    const results = [];
    for (const scale of [1, 2, 4] as PngScale[]) {
      const decoded = await decodePixels(await frameToPngBlob(source, scale));
      let exact = decoded.width === width * scale && decoded.height === height * scale;
      for (let y = 0; exact && y < decoded.height; y++) {
        for (let x = 0; exact && x < decoded.width; x++) {
          const out = (y * decoded.width + x) * 4;
          const from = (Math.floor(y / scale) * width + Math.floor(x / scale)) * 4;
          for (let c = 0; c < 4; c++) if (decoded.rgba[out + c] !== source.rgba[from + c]) exact = false;
        }
      }
      results.push({ scale, width: decoded.width, height: decoded.height, exact });
    }
    return results;
  },
  async labelChanges(width, height, text) {
    const frame: RgbaImage = { width, height, rgba: new Uint8ClampedArray(width * height * 4).fill(128) };
    const labelled = await labelFrame(frame, text);
    let changed = 0;
    let light = 0;
    let dark = 0;
    let box: { x0: number; y0: number; x1: number; y1: number } | null = null;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const at = (y * width + x) * 4;
        if ([0, 1, 2, 3].every((c) => labelled.rgba[at + c] === frame.rgba[at + c])) continue;
        changed++;
        const red = labelled.rgba[at] ?? 0;
        if (red > 200) light++;
        if (red < 40) dark++;
        box = box ? { x0: Math.min(box.x0, x), y0: Math.min(box.y0, y), x1: Math.max(box.x1, x), y1: Math.max(box.y1, y) } : { x0: x, y0: y, x1: x, y1: y };
      }
    }
    return { changed, light, dark, box };
  },
  async videoMetadata(base64, type) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    const video = document.createElement('video');
    video.muted = true;
    video.preload = 'auto';
    try {
      return await new Promise((resolve) => {
        video.onerror = () => resolve({ error: video.error?.message ?? 'media error' });
        // WebM's Duration is a float in the Info element; once it is read the length is known.
        video.onloadedmetadata = () => resolve({ width: video.videoWidth, height: video.videoHeight, duration: video.duration });
        video.src = url;
      });
    } finally {
      URL.revokeObjectURL(url);
    }
  },
  async labelledPng(width, height, text) {
    return toBase64(await frameToPngBlob(await labelFrame(syntheticFrame(2, width, height), text), 1));
  },
  async mountExport(count) {
    // Imported by URL, not by name: the component is .tsx, which the Node tsconfig that checks
    // this harness does not compile; the Vite dev server transforms it for the page.
    const path = '../../../src/ui/media/TimelapseExport.tsx';
    const { TimelapseExport } = (await import(/* @vite-ignore */ path)) as {
      TimelapseExport: ComponentType<{ frames: readonly { step: number; blob: Blob }[] }>;
    };
    const frames = await syntheticGrids(count, 96, 64);
    const container = document.getElementById('export');
    if (!container) throw new Error('no #export');
    root?.unmount();
    root = createRoot(container);
    root.render(createElement(TimelapseExport, { frames }));
  },
};

const status = document.getElementById('status');
if (status) status.textContent = 'ready';
