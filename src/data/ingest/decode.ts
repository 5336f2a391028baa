/**
 * One image file → S × S × C bytes, in the worker.
 *
 * Order of work: read the header and refuse huge images before decoding anything; decode with
 * createImageBitmap (the browser's own decoders, off the main thread); take the centre square
 * (or the whole image, squashed); downscale with the browser's high-quality filter; composite
 * onto white; pack RGB or luma bytes.
 */
import { isWithinPixelLimit, readImageDimensions, sniffImageFormat, sourceSizeProblem, type SourceSizeRules } from './image-header.ts';
import { describeError } from '../../protocol/describe-error.ts';
// Types only: the detector (tfjs and face-api, ~2 MB) is imported dynamically, for 'faces' alone.
import type { FaceMargin } from '../faces/align.ts';
import type * as FaceCropper from '../faces/crop.ts';

/** How a non-square image becomes square; 'faces' makes one aligned crop per face instead. */
export type CropMode = 'centre' | 'squash' | 'faces';

/**
 * How the crop is brought down to S × S.
 * - 'bitmap': one createImageBitmap call with resizeQuality 'high' (Skia's mipmapped filter).
 * - 'halving': draw at half size on an OffscreenCanvas until within 2× of S, then once to S,
 *   each draw with imageSmoothingQuality 'high' (the classic canvas recipe).
 * Measured in Chromium (tests/e2e/decode.spec.ts, 500 → 64 px against an exact area average):
 * both give identical pixels (mean error 0.5 levels, max 1.5), because Skia's 'medium'/'high'
 * filter is itself mipmap-based, i.e. the same halving done natively. 'bitmap' is the default
 * because it skips the intermediate canvases: ~1.5× the throughput (390 vs 255 images/s for
 * 500 × 500 JPEGs). A single drawImage with 'low' quality, by contrast, visibly aliases.
 */
export type ResizeMethod = 'bitmap' | 'halving';

export interface DecodeOptions {
  /** Output side S in pixels. */
  side: number;
  /** 3 for RGB, 1 for grayscale (luma). */
  channels: 1 | 3;
  /**
   * 'centre': the largest centred square (no distortion); 'squash': the whole image, stretched;
   * 'faces': every face found, aligned by the eyes (0..N images per photo).
   */
  crop: CropMode;
  /** For 'faces': how much around the face each crop keeps; DEFAULT_FACE_MARGIN when absent. */
  faceMargin?: FaceMargin;
  /** Images with more pixels than this are skipped unread (see MAX_IMAGE_PIXELS). */
  maxPixels: number;
  /** Downscaling method; 'bitmap' unless comparing methods. */
  resize?: ResizeMethod;
  /** Sources too small or too elongated to train on are skipped (see sourceSizeRules); none when absent. */
  sourceRules?: SourceSizeRules;
}

export type DecodeFailure = 'too-large' | 'corrupt' | 'unsupported' | 'too-small' | 'aspect-ratio';

export type DecodeResult =
  | {
      ok: true;
      /** S · S · C bytes per image, rows then columns then channels: one image, or one per face kept for 'faces'. */
      pixels: Uint8Array;
      /** For 'faces': faces kept (the images in `pixels`) and faces found but too small. */
      faces?: { count: number; tooSmall: number };
    }
  | { ok: false; reason: DecodeFailure; message: string };

/**
 * Decodes one image file to `side × side × channels` bytes. Never throws for bad input: a
 * broken or huge file is a result, so one bad photo in a zip costs one skipped image.
 * Transparent pixels become white (a cut-out face on a transparent PNG should not turn black).
 */
export async function decodeToPixels(bytes: Uint8Array, options: DecodeOptions): Promise<DecodeResult> {
  const { side, channels, crop, maxPixels } = options;
  const format = sniffImageFormat(bytes);
  if (format === null) {
    return { ok: false, reason: 'unsupported', message: 'not a PNG, JPEG, GIF, WebP, BMP or AVIF file' };
  }
  const header = readImageDimensions(bytes);
  // AVIF may keep its size somewhere we don't look; every other format must have a readable header.
  if (header === null && format !== 'avif') {
    return { ok: false, reason: 'corrupt', message: `unreadable ${format.toUpperCase()} header` };
  }
  if (header !== null && !isWithinPixelLimit(header.width, header.height, maxPixels)) {
    return tooLarge(header.width, header.height, maxPixels);
  }
  const headerProblem = header && sizeProblem(header.width, header.height, options.sourceRules);
  if (headerProblem) return headerProblem;

  // Loaded before the photo is decoded, outside the per-photo catch: a detector that cannot
  // start is a fault of the whole load (thrown), not a corrupt photo.
  const faceCropper = crop === 'faces' ? await loadFaceCropper() : null;

  let decoded: ImageBitmap;
  try {
    // The blob shares the bytes (no copy). EXIF orientation is applied here ('from-image'), so
    // the crop below is computed on the image as it is meant to be seen.
    decoded = await createImageBitmap(new Blob([ownBuffer(bytes)], { type: `image/${format}` }), {
      imageOrientation: 'from-image',
      premultiplyAlpha: 'default',
    });
  } catch (error) {
    return { ok: false, reason: 'corrupt', message: `could not decode ${format.toUpperCase()}: ${describeError(error)}` };
  }

  try {
    if (!isWithinPixelLimit(decoded.width, decoded.height, maxPixels)) {
      return tooLarge(decoded.width, decoded.height, maxPixels);
    }
    // Again on the decoded size: an AVIF may have had no readable header.
    const decodedProblem = sizeProblem(decoded.width, decoded.height, options.sourceRules);
    if (decodedProblem) return decodedProblem;
    if (crop === 'faces') {
      const cropper = faceCropper ?? (await loadFaceCropper());
      const faces = await cropper.cropFaces(decoded, side, channels, options.faceMargin ?? cropper.DEFAULT_FACE_MARGIN);
      return { ok: true, pixels: faces.pixels, faces: { count: faces.count, tooSmall: faces.tooSmall } };
    }
    const rect = cropRectangle(decoded.width, decoded.height, crop);
    const rgba = options.resize === 'halving' ? resizeByHalving(decoded, rect, side) : await resizeByBitmap(decoded, rect, side);
    return { ok: true, pixels: packPixels(rgba, side, channels) };
  } catch (error) {
    return { ok: false, reason: 'corrupt', message: `could not resize: ${describeError(error)}` };
  } finally {
    // Bitmaps hold decoded pixels outside the JS heap; close rather than wait for GC.
    decoded.close();
  }
}

/** The face cropper module, with its detector loaded (once per worker). */
async function loadFaceCropper(): Promise<typeof FaceCropper> {
  const cropper = await import('../faces/crop.ts');
  await cropper.loadFaceDetector();
  return cropper;
}

/** A source rectangle in pixels. */
export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The part of a width × height image that becomes the square tile: the largest centred
 * square for 'centre' (odd leftovers go to the right/bottom), the whole image for 'squash'.
 */
export function cropRectangle(width: number, height: number, crop: Exclude<CropMode, 'faces'>): Rectangle {
  if (crop === 'squash') return { x: 0, y: 0, width, height };
  const size = Math.min(width, height);
  return { x: Math.floor((width - size) / 2), y: Math.floor((height - size) / 2), width: size, height: size };
}

/**
 * Turns RGBA bytes (straight alpha, as getImageData returns them) into `channels` bytes per
 * pixel, compositing onto white: out = c · a/255 + 255 · (1 − a/255), rounded. Grayscale is
 * ITU-R BT.601 luma, round(0.299 R + 0.587 G + 0.114 B), of the composited colour.
 * @returns side · side · channels bytes.
 */
export function packPixels(rgba: Uint8ClampedArray, side: number, channels: 1 | 3): Uint8Array {
  const count = side * side;
  if (rgba.length !== count * 4) {
    throw new Error(`packPixels: expected ${count * 4} RGBA bytes for ${side}×${side}, got ${rgba.length}`);
  }
  const out = new Uint8Array(count * channels);
  for (let i = 0; i < count; i++) {
    const alpha = rgba[i * 4 + 3] ?? 255;
    let r = rgba[i * 4] ?? 0;
    let g = rgba[i * 4 + 1] ?? 0;
    let b = rgba[i * 4 + 2] ?? 0;
    if (alpha !== 255) {
      const white = 255 - alpha;
      r = Math.round((r * alpha) / 255 + white);
      g = Math.round((g * alpha) / 255 + white);
      b = Math.round((b * alpha) / 255 + white);
    }
    if (channels === 3) {
      out[i * 3] = r;
      out[i * 3 + 1] = g;
      out[i * 3 + 2] = b;
    } else {
      out[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
  return out;
}

/** Crop and resize in one createImageBitmap call, then read the pixels back. */
async function resizeByBitmap(source: ImageBitmap, rect: Rectangle, side: number): Promise<Uint8ClampedArray> {
  const resized = await createImageBitmap(source, rect.x, rect.y, rect.width, rect.height, {
    resizeWidth: side,
    resizeHeight: side,
    resizeQuality: 'high',
  });
  try {
    return readPixels(resized, { x: 0, y: 0, width: side, height: side }, side);
  } finally {
    resized.close();
  }
}

/**
 * Progressive halving: each step at most halves the size, so bilinear-ish smoothing never
 * skips source pixels (a single big-ratio drawImage would alias).
 */
function resizeByHalving(source: ImageBitmap, rect: Rectangle, side: number): Uint8ClampedArray {
  let current: CanvasImageSource = source;
  let currentRect = rect;
  while (currentRect.width > side * 2 || currentRect.height > side * 2) {
    const width = Math.max(side, Math.ceil(currentRect.width / 2));
    const height = Math.max(side, Math.ceil(currentRect.height / 2));
    const canvas = new OffscreenCanvas(width, height);
    const context = get2d(canvas);
    context.imageSmoothingQuality = 'high';
    context.drawImage(current, currentRect.x, currentRect.y, currentRect.width, currentRect.height, 0, 0, width, height);
    current = canvas;
    currentRect = { x: 0, y: 0, width, height };
  }
  return readPixels(current, currentRect, side);
}

/**
 * Draws `rect` of `source` onto a white side × side canvas and returns its RGBA. The white
 * fill is where transparency is composited: the canvas blends premultiplied colour over it.
 */
function readPixels(source: CanvasImageSource, rect: Rectangle, side: number): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(side, side);
  const context = get2d(canvas);
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, side, side);
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, rect.x, rect.y, rect.width, rect.height, 0, 0, side, side);
  return context.getImageData(0, 0, side, side).data;
}

function get2d(canvas: OffscreenCanvas): OffscreenCanvasRenderingContext2D {
  // willReadFrequently keeps the canvas on the CPU, where getImageData is a copy, not a GPU readback.
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('OffscreenCanvas 2d context unavailable');
  return context;
}

function tooLarge(width: number, height: number, maxPixels: number): DecodeResult {
  const megapixels = (n: number): string => `${(n / 1e6).toFixed(1)} MP`;
  return {
    ok: false,
    reason: 'too-large',
    message: `${width}×${height}, ${megapixels(width * height)}, over the ${megapixels(maxPixels)} limit`,
  };
}

/** The source-size rule `width × height` breaks, as a failed result; null when it keeps them all. */
export function sizeProblem(width: number, height: number, rules: SourceSizeRules | undefined): DecodeResult | null {
  const problem = rules ? sourceSizeProblem(width, height, rules) : null;
  return problem === null ? null : { ok: false, reason: problem, message: `${width}×${height}` };
}

/** Blob parts may not view a SharedArrayBuffer; copy only in that case. */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
}

