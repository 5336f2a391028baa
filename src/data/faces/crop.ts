/**
 * One decoded photo → an aligned S × S crop per usable face (0..N), in the decode worker.
 * The resampling (no aliasing) and the fill outside the photo are render.ts's.
 */
import { alignmentTransform, minimumEyeDistance, type FaceMargin } from './align.ts';
import { renderTransformed } from './render.ts';
import { loadFaceDetector, type DetectedFace } from './detect.ts';
import { packPixels } from '../ingest/decode.ts';

export { loadFaceDetector } from './detect.ts';
export { DEFAULT_FACE_MARGIN } from './align.ts';

/** What one photo gave. */
export interface FaceCrops {
  /** count · S · S · C bytes, the faces in detection order. */
  pixels: Uint8Array;
  /** Faces kept (one crop each). */
  count: number;
  /** Faces found but too small to make a sharp crop (see minimumEyeDistance). */
  tooSmall: number;
  /** Where each kept crop's eyes were in the photo, for tests and the bench. */
  faces: DetectedFace[];
}

/** Detects the faces of `photo` and renders each big enough one as an aligned crop. */
export async function cropFaces(photo: ImageBitmap, side: number, channels: 1 | 3, margin: FaceMargin): Promise<FaceCrops> {
  const detector = await loadFaceDetector();
  const found = await detector.detect(photo);
  const minimum = minimumEyeDistance(side, margin);
  const kept = found.filter((face) => eyeDistance(face) >= minimum);
  const imageLength = side * side * channels;
  const pixels = new Uint8Array(kept.length * imageLength);
  for (const [index, face] of kept.entries()) {
    const transform = alignmentTransform(face.leftEye, face.rightEye, side, margin);
    pixels.set(packPixels(await renderTransformed(photo, transform, side), side, channels), index * imageLength);
  }
  return { pixels, count: kept.length, tooSmall: found.length - kept.length, faces: kept };
}

function eyeDistance(face: DetectedFace): number {
  return Math.hypot(face.rightEye.x - face.leftEye.x, face.rightEye.y - face.leftEye.y);
}

