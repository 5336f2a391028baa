/**
 * The ingest benchmark's own page (bench/ingest.ts drives it): makes photo-like JPEGs with the
 * browser's encoder, and runs the ingest stages one at a time in a worker (profile.worker.ts)
 * to show where a slow load spends its time. Exposed as `window.ingestBench`.
 */
import type { ProfileRequest, ProfileResponse, ReaderTiming, ReadersRequest, ReadersResponse, StageTiming } from './bench-types.ts';

export interface IngestBenchPage {
  /**
   * `count` JPEGs of width × height, seeded by `start + i`, as base64 (page.evaluate moves
   * strings cheaply; arrays of numbers would be 10× the size).
   */
  makeJpegs(start: number, count: number, width: number, height: number): Promise<string[]>;
  /** Times reading, decoding and caching separately on the zip in the #zip input. */
  profile(side: number, decodeSample: number): Promise<StageTiming[]>;
  /** Ganvas's zip reader against zip.js on the zip in the #zip input, interleaved (readers.worker.ts). */
  compareReaders(rounds: number): Promise<ReaderTiming[]>;
}

declare global {
  interface Window {
    ingestBench: IngestBenchPage;
  }
}

/** xorshift32 in [0, 1): the same seed gives the same picture on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/**
 * A portrait-like photo: a lit background gradient, shoulders, a skin-toned head with hair,
 * eyes and mouth, some out-of-focus blobs, then sensor grain. Grain and edges are what make
 * real photos 30–80 KB at this size and what the JPEG decoder spends its time on; flat
 * synthetic fills would encode to a few KB and decode unrealistically fast.
 */
function drawPortrait(context: OffscreenCanvasRenderingContext2D, width: number, height: number, seed: number): void {
  const random = seeded(seed * 2654435761);
  const background = context.createLinearGradient(0, 0, width * random(), height);
  background.addColorStop(0, `hsl(${random() * 360} ${20 + random() * 40}% ${40 + random() * 40}%)`);
  background.addColorStop(1, `hsl(${random() * 360} ${20 + random() * 40}% ${15 + random() * 30}%)`);
  context.fillStyle = background;
  context.fillRect(0, 0, width, height);
  for (let i = 0; i < 8; i++) {
    context.fillStyle = `hsla(${random() * 360} ${30 + random() * 50}% ${30 + random() * 50}% / ${0.3 + random() * 0.5})`;
    context.beginPath();
    context.ellipse(random() * width, random() * height, 10 + random() * width * 0.25, 10 + random() * height * 0.25, random() * Math.PI, 0, Math.PI * 2);
    context.fill();
  }
  const cx = width * (0.4 + random() * 0.2);
  const cy = height * (0.42 + random() * 0.1);
  const rx = width * (0.17 + random() * 0.06);
  const ry = height * (0.23 + random() * 0.05);
  // Shoulders, hair, head, features: the strong edges of a face crop.
  context.fillStyle = `hsl(${random() * 360} ${20 + random() * 60}% ${15 + random() * 50}%)`;
  context.beginPath();
  context.ellipse(cx, height, width * 0.45, height * 0.28, 0, 0, Math.PI * 2);
  context.fill();
  context.fillStyle = `hsl(${20 + random() * 25} ${20 + random() * 40}% ${10 + random() * 40}%)`;
  context.beginPath();
  context.ellipse(cx, cy - ry * 0.25, rx * 1.15, ry * 1.05, 0, 0, Math.PI * 2);
  context.fill();
  const skin = context.createRadialGradient(cx - rx * 0.3, cy - ry * 0.3, rx * 0.1, cx, cy, ry * 1.1);
  const hue = 15 + random() * 20;
  const light = 35 + random() * 40;
  skin.addColorStop(0, `hsl(${hue} 50% ${light + 10}%)`);
  skin.addColorStop(1, `hsl(${hue} 45% ${light - 15}%)`);
  context.fillStyle = skin;
  context.beginPath();
  context.ellipse(cx, cy, rx, ry, (random() - 0.5) * 0.3, 0, Math.PI * 2);
  context.fill();
  context.fillStyle = '#20140f';
  for (const side of [-1, 1]) {
    context.beginPath();
    context.ellipse(cx + side * rx * 0.4, cy - ry * 0.15, rx * 0.12, ry * 0.06, 0, 0, Math.PI * 2);
    context.fill();
  }
  context.fillStyle = `hsl(${350 + random() * 15} 45% ${30 + random() * 20}%)`;
  context.beginPath();
  context.ellipse(cx, cy + ry * 0.45, rx * 0.35, ry * 0.07, 0, 0, Math.PI * 2);
  context.fill();
  const image = context.getImageData(0, 0, width, height);
  const data = image.data;
  const grain = 10 + random() * 16; // ± levels, per pixel: the high-frequency detail of a sensor
  for (let i = 0; i < data.length; i += 4) {
    const noise = (random() - 0.5) * grain;
    data[i] = (data[i] ?? 0) + noise;
    data[i + 1] = (data[i + 1] ?? 0) + noise;
    data[i + 2] = (data[i + 2] ?? 0) + noise;
  }
  context.putImageData(image, 0, 0);
}

async function toBase64(blob: Blob): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('FileReader failed'));
    reader.readAsDataURL(blob);
  });
  return url.slice(url.indexOf(',') + 1);
}

async function makeJpegs(start: number, count: number, width: number, height: number): Promise<string[]> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('no 2d context');
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    drawPortrait(context, width, height, start + i + 1);
    // Quality 0.85: what cameras and photo sites typically export.
    out.push(await toBase64(await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 })));
  }
  return out;
}

let profileWorker: Worker | null = null;

function profile(side: number, decodeSample: number): Promise<StageTiming[]> {
  const input = document.getElementById('zip');
  const file = input instanceof HTMLInputElement ? input.files?.[0] : undefined;
  if (!file) return Promise.reject(new Error('no zip in #zip'));
  profileWorker ??= new Worker(new URL('./profile.worker.ts', import.meta.url), { type: 'module' });
  const worker = profileWorker;
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<ProfileResponse>) => {
      if (event.data.ok) resolve(event.data.stages);
      else reject(new Error(event.data.message));
    };
    worker.onerror = (event) => reject(new Error(event.message));
    const request: ProfileRequest = { file, side, decodeSample };
    worker.postMessage(request);
  });
}

function compareReaders(rounds: number): Promise<ReaderTiming[]> {
  const input = document.getElementById('zip');
  const file = input instanceof HTMLInputElement ? input.files?.[0] : undefined;
  if (!file) return Promise.reject(new Error('no zip in #zip'));
  const worker = new Worker(new URL('./readers.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<ReaderTiming[]>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<ReadersResponse>) => {
      if (event.data.ok) resolve(event.data.timings);
      else reject(new Error(event.data.message));
    };
    worker.onerror = (event) => reject(new Error(event.message));
    const request: ReadersRequest = { file, rounds };
    worker.postMessage(request);
  }).finally(() => worker.terminate());
}

window.ingestBench = { makeJpegs, profile, compareReaders };
const status = document.getElementById('status');
if (status) status.textContent = 'ready';
