/**
 * One decoded photo → an aligned S × S crop per usable face (0..N), in the decode worker.
 *
 * Resampling without aliasing: a face 400 px across drawn straight down to 64 px with one
 * rotated drawImage skips source pixels. So the region the crop draws from is first resized
 * to the crop's scale with createImageBitmap's high-quality (mipmapped) filter, and only that
 * small bitmap is rotated into place, a draw at scale ≈ 1 where bilinear filtering is enough.
 *
 * Outside the photo (a face at its edge, or corners uncovered by the rotation) the crop shows
 * the mean colour of the region around the face, not black bars: a flat, neutral backdrop the
 * GAN learns as "background" rather than a hard edge it would have to draw.
 */
import { affineScale, alignmentTransform, composeAffine, minimumEyeDistance, sourceRegion, type Affine, type FaceMargin } from './align.ts';
import { loadFaceDetector, type DetectedFace } from './detect.ts';
import { packPixels } from '../decode.ts';

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
    pixels.set(packPixels(await renderCrop(photo, transform, side), side, channels), index * imageLength);
  }
  return { pixels, count: kept.length, tooSmall: found.length - kept.length, faces: kept };
}

function eyeDistance(face: DetectedFace): number {
  return Math.hypot(face.rightEye.x - face.leftEye.x, face.rightEye.y - face.leftEye.y);
}

/**
 * The crop `transform` (photo → crop pixels) describes, as RGBA bytes (see the file comment
 * for the two-step resample and the fill).
 */
export async function renderCrop(photo: ImageBitmap, transform: Affine, side: number): Promise<Uint8ClampedArray> {
  const canvas = new OffscreenCanvas(side, side);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('OffscreenCanvas 2d context unavailable');
  const region = sourceRegion(transform, side, photo.width, photo.height);
  if (region === null) return context.getImageData(0, 0, side, side).data;
  // Never enlarge in the first step: a small face is enlarged by the rotated draw alone.
  const scale = Math.min(1, affineScale(transform));
  const width = Math.max(1, Math.round(region.width * scale));
  const height = Math.max(1, Math.round(region.height * scale));
  const reduced = await createImageBitmap(photo, region.x, region.y, region.width, region.height, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
  try {
    context.fillStyle = await meanColour(reduced);
    context.fillRect(0, 0, side, side);
    // reduced pixel q ↦ photo pixel (q / k + region origin) ↦ crop pixel.
    const reducedToPhoto: Affine = { a: region.width / width, b: 0, c: 0, d: region.height / height, e: region.x, f: region.y };
    const { a, b, c, d, e, f } = composeAffine(reducedToPhoto, transform);
    context.setTransform(a, b, c, d, e, f);
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    context.drawImage(reduced, 0, 0);
  } finally {
    reduced.close();
  }
  return context.getImageData(0, 0, side, side).data;
}

/** The average colour of a bitmap, as a CSS colour (a 1 × 1 high-quality resize averages it). */
async function meanColour(bitmap: ImageBitmap): Promise<string> {
  const dot = await createImageBitmap(bitmap, { resizeWidth: 1, resizeHeight: 1, resizeQuality: 'high' });
  try {
    const canvas = new OffscreenCanvas(1, 1);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) return '#808080';
    context.drawImage(dot, 0, 0);
    const [r = 128, g = 128, b = 128] = context.getImageData(0, 0, 1, 1).data;
    return `rgb(${r}, ${g}, ${b})`;
  } finally {
    dot.close();
  }
}
