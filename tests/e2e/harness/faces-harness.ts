/**
 * Test harness page for the face crop path: runs it in a real module worker and exposes
 * `window.facesHarness` for Playwright (see faces.worker.ts).
 */
import type { DecodeOptions, DecodeResult } from '../../../src/data/ingest/decode.ts';
import type { DetectedFace } from '../../../src/data/faces/detect.ts';
import type { FacesRequest, FacesResponse } from './faces-protocol.ts';

export interface FacesHarness {
  /** decodeToPixels in the worker; `ms` measured there. */
  decode(bytes: number[], options: DecodeOptions): Promise<{ result: DecodeResult; ms: number }>;
  /** Faces found afresh in S × S × 3 pixels. */
  detect(pixels: number[], side: number): Promise<{ faces: DetectedFace[]; backend: string }>;
}

declare global {
  interface Window {
    facesHarness: FacesHarness;
  }
}

const worker = new Worker(new URL('./faces.worker.ts', import.meta.url), { type: 'module' });
const pending = new Map<number, (response: FacesResponse) => void>();
let nextId = 1;
worker.onmessage = (event: MessageEvent<FacesResponse>) => {
  pending.get(event.data.id)?.(event.data);
  pending.delete(event.data.id);
};

function ask(request: FacesRequest): Promise<FacesResponse> {
  return new Promise((resolve, reject) => {
    pending.set(request.id, (response) => (response.type === 'error' ? reject(new Error(response.message)) : resolve(response)));
    worker.postMessage(request);
  });
}

window.facesHarness = {
  async decode(bytes, options) {
    const response = await ask({ id: nextId++, type: 'decode', bytes: new Uint8Array(bytes), options });
    if (response.type !== 'decoded') throw new Error(`unexpected ${response.type}`);
    return { result: response.result, ms: response.ms };
  },
  async detect(pixels, side) {
    const response = await ask({ id: nextId++, type: 'detect', pixels: new Uint8Array(pixels), side });
    if (response.type !== 'detected') throw new Error(`unexpected ${response.type}`);
    return { faces: response.faces, backend: response.backend };
  },
};

const status = document.getElementById('status');
if (status) status.textContent = 'ready';
