/**
 * Test harness page for src/data/ingest/decode.ts: builds image files in the page (canvas encoders and
 * a tiny hand-written PNG encoder for formats canvas can't write, such as grayscale) and decodes
 * them in a real module worker. Exposed as `window.decodeHarness` for Playwright.
 */
import type { DecodeOptions, DecodeResult } from '../../../src/data/ingest/decode.ts';
import type { DecodeRequest, DecodeResponse } from './decode-protocol.ts';

/** A filled rectangle for encodeRects, colour as CSS. */
export interface Fill {
  x: number;
  y: number;
  width: number;
  height: number;
  colour: string;
}

export interface DecodeHarness {
  /** Decodes one file in the worker. */
  decodeInWorker(bytes: Uint8Array, options: DecodeOptions): Promise<DecodeResult>;
  /** Decodes files one after another in the worker; `ms` is measured inside the worker. */
  decodeManyInWorker(files: Uint8Array[], options: DecodeOptions): Promise<{ results: DecodeResult[]; ms: number }>;
  /** A width × height image of filled rectangles on white, encoded by the canvas. */
  encodeRects(width: number, height: number, fills: Fill[], type: 'image/png' | 'image/jpeg', quality?: number): Promise<Uint8Array>;
  /** Raw samples as a PNG: colour type 0 (gray, 1 byte/px), 2 (RGB) or 6 (RGBA). */
  encodePng(width: number, height: number, colourType: 0 | 2 | 6, samples: Uint8Array): Promise<Uint8Array>;
  /** Just signature + IHDR of a PNG claiming width × height (and an empty IDAT, IEND). */
  pngHeaderOnly(width: number, height: number): Uint8Array;
  /** A photo-like JPEG (gradients, blobs, grain) so decode timings resemble real photos. */
  encodePhotoLike(width: number, height: number, seed: number): Promise<Uint8Array>;
}

declare global {
  interface Window {
    decodeHarness: DecodeHarness;
  }
}

const worker = new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module' });
const pending = new Map<number, (response: DecodeResponse) => void>();
let nextId = 1;
worker.onmessage = (event: MessageEvent<DecodeResponse>) => {
  pending.get(event.data.id)?.(event.data);
  pending.delete(event.data.id);
};

function decodeManyInWorker(files: Uint8Array[], options: DecodeOptions): Promise<{ results: DecodeResult[]; ms: number }> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, (response) => resolve({ results: response.results, ms: response.ms }));
    const request: DecodeRequest = { id, files, options };
    worker.postMessage(request);
  });
}

async function decodeInWorker(bytes: Uint8Array, options: DecodeOptions): Promise<DecodeResult> {
  const { results } = await decodeManyInWorker([bytes], options);
  const [result] = results;
  if (!result) throw new Error('worker returned no result');
  return result;
}

async function encodeCanvas(canvas: OffscreenCanvas, type: string, quality?: number): Promise<Uint8Array> {
  const blob = await canvas.convertToBlob(quality === undefined ? { type } : { type, quality });
  return new Uint8Array(await blob.arrayBuffer());
}

function context2d(canvas: OffscreenCanvas): OffscreenCanvasRenderingContext2D {
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2d context');
  return context;
}

async function encodeRects(width: number, height: number, fills: Fill[], type: 'image/png' | 'image/jpeg', quality?: number): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(width, height);
  const context = context2d(canvas);
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  for (const fill of fills) {
    context.fillStyle = fill.colour;
    context.fillRect(fill.x, fill.y, fill.width, fill.height);
  }
  return encodeCanvas(canvas, type, quality);
}

async function encodePhotoLike(width: number, height: number, seed: number): Promise<Uint8Array> {
  let state = seed >>> 0 || 1;
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const canvas = new OffscreenCanvas(width, height);
  const context = context2d(canvas);
  const gradient = context.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, `hsl(${random() * 360} 50% 60%)`);
  gradient.addColorStop(1, `hsl(${random() * 360} 40% 30%)`);
  context.fillStyle = gradient;
  context.fillRect(0, 0, width, height);
  for (let i = 0; i < 12; i++) {
    context.fillStyle = `hsl(${random() * 360} ${30 + random() * 40}% ${30 + random() * 50}%)`;
    context.beginPath();
    context.ellipse(random() * width, random() * height, 20 + random() * width * 0.3, 20 + random() * height * 0.3, random() * Math.PI, 0, Math.PI * 2);
    context.fill();
  }
  // Sensor-like grain: real photos carry high-frequency detail that costs the JPEG decoder time.
  const image = context.getImageData(0, 0, width, height);
  for (let i = 0; i < image.data.length; i += 4) {
    const noise = (random() - 0.5) * 24;
    image.data[i] = (image.data[i] ?? 0) + noise;
    image.data[i + 1] = (image.data[i + 1] ?? 0) + noise;
    image.data[i + 2] = (image.data[i + 2] ?? 0) + noise;
  }
  context.putImageData(image, 0, 0);
  return encodeCanvas(canvas, 'image/jpeg', 0.9);
}

// --- A minimal PNG encoder: zlib via CompressionStream('deflate'), CRC-32 by table. ---

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function ihdr(width: number, height: number, colourType: number): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data[8] = 8; // bit depth
  data[9] = colourType;
  return chunk('IHDR', data);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function encodePng(width: number, height: number, colourType: 0 | 2 | 6, samples: Uint8Array): Promise<Uint8Array> {
  const perPixel = colourType === 0 ? 1 : colourType === 2 ? 3 : 4;
  const stride = width * perPixel;
  if (samples.length !== stride * height) throw new Error('encodePng: sample count does not match the size');
  // Each row is prefixed by its filter type; 0 (None) keeps the encoder trivial.
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(samples.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const compressed = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
  return concat([PNG_SIGNATURE, ihdr(width, height, colourType), chunk('IDAT', compressed), chunk('IEND', new Uint8Array(0))]);
}

function pngHeaderOnly(width: number, height: number): Uint8Array {
  return concat([PNG_SIGNATURE, ihdr(width, height, 6), chunk('IDAT', new Uint8Array(0)), chunk('IEND', new Uint8Array(0))]);
}

window.decodeHarness = { decodeInWorker, decodeManyInWorker, encodeRects, encodePng, pngHeaderOnly, encodePhotoLike };
const status = document.getElementById('status');
if (status) status.textContent = 'ready';
