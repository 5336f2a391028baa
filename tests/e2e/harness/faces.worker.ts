/**
 * Test-only worker: the app's face crop path (decodeToPixels with crop 'faces') where it runs
 * in the app, a worker, and a second use of the detector on finished crops, so a test can
 * measure where the eyes really landed instead of trusting the transform that put them there.
 */
import { decodeToPixels } from '../../../src/data/ingest/decode.ts';
import { loadFaceDetector, type DetectedFace } from '../../../src/data/faces/detect.ts';
import type { FacesRequest, FacesResponse } from './faces-protocol.ts';

interface WorkerScope {
  onmessage: ((event: MessageEvent<FacesRequest>) => void) | null;
  postMessage(message: FacesResponse): void;
}
const scope = self as unknown as WorkerScope;

/**
 * How much larger than the crop the canvas it is re-detected on is, tried in this order until a
 * face is found: the tiny detector misses faces that fill most of its input, as an aligned
 * crop's face does (measured on the sample photos: none found at 1× or 2×, most from 3×).
 */
const PADDINGS = [4, 3, 6];

scope.onmessage = (event) => {
  void handle(event.data).catch((error: unknown) => scope.postMessage({ id: event.data.id, type: 'error', message: String(error) }));
};

async function handle(request: FacesRequest): Promise<void> {
  switch (request.type) {
    case 'decode': {
      const started = performance.now();
      const result = await decodeToPixels(request.bytes, request.options);
      scope.postMessage({ id: request.id, type: 'decoded', result, ms: performance.now() - started });
      return;
    }
    case 'detect': {
      const detector = await loadFaceDetector();
      for (const padding of PADDINGS) {
        const faces = await detectPadded(request.pixels, request.side, padding);
        if (faces.length > 0 || padding === PADDINGS[PADDINGS.length - 1]) {
          scope.postMessage({ id: request.id, type: 'detected', faces, backend: detector.backend });
          return;
        }
      }
      return;
    }
  }
}

/** Faces in S × S × 3 `pixels` drawn in the middle of a grey canvas `padding` times its side, in the crop's pixels. */
async function detectPadded(pixels: Uint8Array, side: number, padding: number): Promise<DetectedFace[]> {
  const rgba = new Uint8ClampedArray(side * side * 4);
  for (let i = 0; i < side * side; i++) {
    rgba[i * 4] = pixels[i * 3] ?? 0;
    rgba[i * 4 + 1] = pixels[i * 3 + 1] ?? 0;
    rgba[i * 4 + 2] = pixels[i * 3 + 2] ?? 0;
    rgba[i * 4 + 3] = 255;
  }
  const offset = ((padding - 1) * side) / 2;
  const canvas = new OffscreenCanvas(side * padding, side * padding);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2d context');
  context.fillStyle = '#808080';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.putImageData(new ImageData(rgba, side, side), offset, offset);
  const bitmap = await createImageBitmap(canvas);
  try {
    const detector = await loadFaceDetector();
    const shift = (p: { x: number; y: number }) => ({ x: p.x - offset, y: p.y - offset });
    return (await detector.detect(bitmap)).map((f) => ({ ...f, leftEye: shift(f.leftEye), rightEye: shift(f.rightEye), box: { ...f.box, x: f.box.x - offset, y: f.box.y - offset } }));
  } finally {
    bitmap.close();
  }
}
