/**
 * Test-only worker: the app's face crop path (decodeToPixels with crop 'faces') where it runs
 * in the app, a worker, and a second use of the detector on finished crops, so a test can
 * measure where the eyes really landed instead of trusting the transform that put them there.
 */
import { decodeToPixels } from '../../../src/data/decode.ts';
import { loadFaceDetector } from '../../../src/data/faces/detect.ts';
import type { FacesRequest, FacesResponse } from './faces-protocol.ts';

interface WorkerScope {
  onmessage: ((event: MessageEvent<FacesRequest>) => void) | null;
  postMessage(message: FacesResponse): void;
}
const scope = self as unknown as WorkerScope;

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
      const { pixels, side } = request;
      const rgba = new Uint8ClampedArray(side * side * 4);
      for (let i = 0; i < side * side; i++) {
        rgba[i * 4] = pixels[i * 3] ?? 0;
        rgba[i * 4 + 1] = pixels[i * 3 + 1] ?? 0;
        rgba[i * 4 + 2] = pixels[i * 3 + 2] ?? 0;
        rgba[i * 4 + 3] = 255;
      }
      const bitmap = await createImageBitmap(new ImageData(rgba, side, side));
      const detector = await loadFaceDetector();
      try {
        scope.postMessage({ id: request.id, type: 'detected', faces: await detector.detect(bitmap), backend: detector.backend });
      } finally {
        bitmap.close();
      }
      return;
    }
  }
}
