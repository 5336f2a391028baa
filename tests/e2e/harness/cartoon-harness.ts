/**
 * Test harness page for the built-in cartoon faces: runs the real rasteriser on a real page and
 * shows results for screenshots. Exposed as `window.cartoonHarness` for Playwright.
 */
import { display } from 'facesjs';
import { FACE_CROP, generateCartoonFaceSpecs } from '../../../src/ui/dataset/cartoon-faces.ts';
import { rasteriseCartoonFaces } from '../../../src/ui/dataset/cartoon-rasteriser.ts';

export interface CartoonRun {
  /** The set's bytes as plain numbers (Playwright returns them as JSON). */
  pixels: number[];
  count: number;
  side: number;
  channels: number;
  ms: number;
  /** Progress callbacks seen, as `done` values. */
  progress: number[];
  /** Durations of main-thread tasks over 50 ms during the run (Long Tasks API). */
  longTasksMs: number[];
}

export interface CartoonHarness {
  run(count: number, side: number, channels: 1 | 3, seed: number): Promise<CartoonRun>;
  /** Draws tiles into #grid, `columns` wide, each magnified `zoom` times. */
  showGrid(pixels: number[], count: number, side: number, channels: number, columns: number, zoom: number): void;
  /** Shows face `index` of `seed` uncropped (400 × 600) with FACE_CROP outlined, in #crop. */
  showCrop(seed: number, index: number): void;
}

declare global {
  interface Window {
    cartoonHarness: CartoonHarness;
  }
}

async function run(count: number, side: number, channels: 1 | 3, seed: number): Promise<CartoonRun> {
  const longTasksMs: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasksMs.push(entry.duration);
  });
  observer.observe({ type: 'longtask' });
  const progress: number[] = [];
  const started = performance.now();
  const set = await rasteriseCartoonFaces({ count, side, channels, seed, onProgress: (done) => progress.push(done) });
  const ms = performance.now() - started;
  // Long-task entries are delivered asynchronously; give the observer a moment.
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer.disconnect();
  return { pixels: Array.from(set.pixels), count: set.count, side: set.side, channels: set.channels, ms, progress, longTasksMs };
}

function showGrid(pixels: number[], count: number, side: number, channels: number, columns: number, zoom: number): void {
  const canvas = document.getElementById('grid');
  if (!(canvas instanceof HTMLCanvasElement)) throw new Error('no #grid canvas');
  const rows = Math.ceil(count / columns);
  const gap = 2;
  canvas.width = columns * (side + gap) + gap;
  canvas.height = rows * (side + gap) + gap;
  canvas.style.width = `${canvas.width * zoom}px`;
  canvas.style.height = `${canvas.height * zoom}px`;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2d context');
  context.fillStyle = '#222';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const tile = context.createImageData(side, side);
  for (let n = 0; n < count; n++) {
    for (let p = 0; p < side * side; p++) {
      const base = (n * side * side + p) * channels;
      const r = pixels[base] ?? 0;
      tile.data.set(channels === 3 ? [r, pixels[base + 1] ?? 0, pixels[base + 2] ?? 0, 255] : [r, r, r, 255], p * 4);
    }
    context.putImageData(tile, gap + (n % columns) * (side + gap), gap + Math.floor(n / columns) * (side + gap));
  }
}

function showCrop(seed: number, index: number): void {
  const holder = document.getElementById('crop');
  if (!holder) throw new Error('no #crop element');
  const [spec] = generateCartoonFaceSpecs(seed, index, 1);
  if (!spec) return;
  const stage = document.createElement('div');
  stage.style.cssText = 'display:inline-block;width:200px;height:300px;border:1px solid #999;margin-right:8px';
  holder.appendChild(stage);
  display(stage, spec.face);
  const svg = stage.firstElementChild;
  const outline = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  const attributes = { x: FACE_CROP.x, y: FACE_CROP.y, width: FACE_CROP.size, height: FACE_CROP.size, fill: 'none', stroke: '#e00', 'stroke-width': 4 };
  for (const [name, value] of Object.entries(attributes)) outline.setAttribute(name, String(value));
  svg?.appendChild(outline);
}

window.cartoonHarness = { run, showGrid, showCrop };
const status = document.getElementById('status');
if (status) status.textContent = 'ready';
