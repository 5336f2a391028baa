/**
 * Plain RGBA frames for the media exports: pixel-exact upscaling and padding (pure typed-array
 * code, unit-tested in Node), PNG encoding, and the step label drawn on time-lapse frames
 * (canvas, page only).
 */

/** One picture, RGBA, row-major, 4 bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** A frame these helpers made: its pixels own a plain ArrayBuffer (what ImageData needs). */
export type OwnedRgbaImage = RgbaImage & { rgba: Uint8ClampedArray<ArrayBuffer> };

/** Integer scale factors the PNG export offers. */
export type PngScale = 1 | 2 | 4;

function checkImage(image: RgbaImage, caller: string): void {
  const { width, height, rgba } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || rgba.length !== width * height * 4) {
    throw new Error(`${caller}: expected ${width}×${height} RGBA, got ${rgba.length} bytes`);
  }
}

/**
 * Nearest-neighbour upscale by an integer factor: every source pixel becomes a `scale` × `scale`
 * block, so faces stay crisp (no smoothing blur) and colours stay exact.
 */
export function upscaleNearest(image: RgbaImage, scale: number): OwnedRgbaImage {
  checkImage(image, 'upscaleNearest');
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`upscaleNearest: scale must be a positive integer, got ${scale}`);
  if (scale === 1) return { width: image.width, height: image.height, rgba: image.rgba.slice() };
  const width = image.width * scale;
  const height = image.height * scale;
  // A 32-bit view needs a 4-byte-aligned offset; a subarray may not have one.
  const pixels = image.rgba.byteOffset % 4 === 0 ? image.rgba : image.rgba.slice();
  const source = new Uint32Array(pixels.buffer, pixels.byteOffset, image.width * image.height);
  const rgba = new Uint8ClampedArray(width * height * 4);
  // Whole pixels as 32-bit words: byte order is irrelevant because each word is copied as is.
  const target = new Uint32Array(rgba.buffer);
  for (let y = 0; y < image.height; y++) {
    const row = target.subarray(y * scale * width, (y * scale + 1) * width);
    for (let x = 0; x < image.width; x++) row.fill(source[y * image.width + x] ?? 0, x * scale, (x + 1) * scale);
    // The other scale − 1 rows of the block are copies of the first.
    for (let k = 1; k < scale; k++) target.copyWithin((y * scale + k) * width, y * scale * width, (y * scale + 1) * width);
  }
  return { width, height, rgba };
}

/**
 * Pads to even width and height with white on the right and bottom (at most one column and one
 * row). VP8/VP9 encoders work on 4:2:0 chroma, which needs even sizes; padding keeps every
 * source pixel where it was, where scaling would blur a pixel-art grid. Returns `image` itself
 * when both sides are already even.
 */
export function padToEven<T extends RgbaImage>(image: T): T | OwnedRgbaImage {
  checkImage(image, 'padToEven');
  const width = image.width + (image.width % 2);
  const height = image.height + (image.height % 2);
  if (width === image.width && height === image.height) return image;
  const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  const stride = image.width * 4;
  for (let y = 0; y < image.height; y++) rgba.set(image.rgba.subarray(y * stride, (y + 1) * stride), y * width * 4);
  return { width, height, rgba };
}

/**
 * The smallest integer scale (up to 4) that makes a frame at least `minHeight` pixels tall: tiny
 * grids (say 4 × 32-px faces) are unwatchable at their native size and leave no room for a label.
 */
export function exportScale(height: number, minHeight = 256): number {
  if (height <= 0) return 1;
  return Math.max(1, Math.min(4, Math.ceil(minHeight / height)));
}

/** A 2D context on an OffscreenCanvas when the browser has one, else on a detached canvas. */
export function createCanvas(width: number, height: number): {
  context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;
  toPng: () => Promise<Blob>;
} {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('No 2D context on OffscreenCanvas');
    return { context, toPng: () => canvas.convertToBlob({ type: 'image/png' }) };
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('No 2D canvas context');
  const toPng = () =>
    new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png'),
    );
  return { context, toPng };
}

/** `frame` as a PNG, upscaled `scale` times by nearest neighbour. */
export async function frameToPngBlob(frame: RgbaImage, scale: PngScale): Promise<Blob> {
  const scaled = upscaleNearest(frame, scale);
  const { context, toPng } = createCanvas(scaled.width, scaled.height);
  context.putImageData(new ImageData(scaled.rgba, scaled.width, scaled.height), 0, 0);
  return toPng();
}

/** Label text size in CSS pixels for a frame `height` tall: 14 px on a 336-px grid, never under 10. */
export function labelFontSize(height: number): number {
  return Math.max(10, Math.min(28, Math.round(height / 24)));
}

/**
 * Draws `text` in the top-left corner on an opaque dark strip (white on near-black reads on any
 * face colour). Only the strip's rectangle changes; it is returned so tests can check that.
 */
export function drawLabel(
  context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D,
  height: number,
  text: string,
): { x: number; y: number; width: number; height: number } {
  const size = labelFontSize(height);
  const padding = Math.round(size * 0.35);
  context.save();
  context.font = `600 ${size}px system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif`;
  context.textBaseline = 'middle';
  const strip = {
    x: 0,
    y: 0,
    width: Math.ceil(context.measureText(text).width) + 2 * padding,
    height: size + 2 * padding,
  };
  context.fillStyle = 'rgb(17, 17, 17)';
  context.fillRect(strip.x, strip.y, strip.width, strip.height);
  context.fillStyle = '#ffffff';
  context.fillText(text, padding, strip.height / 2);
  context.restore();
  return strip;
}

/** A copy of `frame` with `text` (e.g. "step 1,200") drawn in its top-left corner by drawLabel. */
export async function labelFrame(frame: RgbaImage, text: string): Promise<OwnedRgbaImage> {
  checkImage(frame, 'labelFrame');
  const { context } = createCanvas(frame.width, frame.height);
  context.putImageData(new ImageData(frame.rgba.slice(), frame.width, frame.height), 0, 0);
  drawLabel(context, frame.height, text);
  const { data } = context.getImageData(0, 0, frame.width, frame.height);
  return { width: frame.width, height: frame.height, rgba: data };
}
