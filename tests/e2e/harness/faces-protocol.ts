/** Messages between the faces harness page and its worker (test-only). */
import type { DecodeOptions, DecodeResult } from '../../../src/data/ingest/decode.ts';
import type { DetectedFace } from '../../../src/data/faces/detect.ts';

export type FacesRequest =
  /** Runs the app's decodeToPixels (crop 'faces') on a photo. */
  | { id: number; type: 'decode'; bytes: Uint8Array; options: DecodeOptions }
  /** Detects faces and landmarks afresh on S × S × 3 crop pixels (the independent check). */
  | { id: number; type: 'detect'; pixels: Uint8Array; side: number };

export type FacesResponse =
  | { id: number; type: 'decoded'; result: DecodeResult; ms: number }
  | { id: number; type: 'detected'; faces: DetectedFace[]; backend: string }
  | { id: number; type: 'error'; message: string };
