/**
 * Draws part of a photo through a similarity transform onto a small square canvas, without
 * aliasing, in a worker (OffscreenCanvas).
 *
 * A face 400 px across drawn straight down to 64 px with one rotated drawImage skips source
 * pixels. So the region the square draws from is first resized to the square's scale with
 * createImageBitmap's high-quality (mipmapped) filter, and only that small bitmap is rotated
 * into place, a draw at scale ≈ 1 where bilinear filtering is enough.
 *
 * Outside the photo (a face at its edge, or corners uncovered by the rotation) the square
 * shows the mean colour of the region around the face, not black bars: a flat, neutral
 * backdrop that a GAN learns as "background" rather than a hard edge it would have to draw.
 */
import { affineScale, composeAffine, sourceRegion, type Affine } from './align.ts';

/** The side × side square `transform` (photo → square pixels) describes, as RGBA bytes. */
export async function renderTransformed(photo: ImageBitmap, transform: Affine, side: number): Promise<Uint8ClampedArray> {
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
    // reduced pixel q ↦ photo pixel (q / k + region origin) ↦ square pixel.
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
