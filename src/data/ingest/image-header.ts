/**
 * Image dimensions from the first bytes of a file, without decoding it.
 *
 * A zip can hold a 30000 × 30000 PNG of a few kilobytes (a "decompression bomb"): decoding it
 * would allocate 3.6 GB of RGBA. Reading the header first lets the worker skip such files before
 * anything big is allocated. Pure (no browser APIs), so Node tests cover every format.
 */

/** The formats whose headers this module reads; all are ones Chromium's decoders accept. */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif';

/** What a header says about an image. Dimensions are as stored, before any EXIF rotation. */
export interface ImageDimensions {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * Largest image decoded by default: 50 megapixels (a 8660 × 5773 photo; 200 MB as RGBA).
 * Phone cameras stay well under it; anything bigger in a face dataset is almost surely a bomb.
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** Whether a width × height image stays within `maxPixels` (and has a real, positive size). */
export function isWithinPixelLimit(width: number, height: number, maxPixels: number = MAX_IMAGE_PIXELS): boolean {
  return width > 0 && height > 0 && width * height <= maxPixels;
}

/**
 * The format announced by the file's magic bytes, or null when it is none of ours. Unlike
 * readImageDimensions this needs only the signature, so it tells "not an image we know"
 * (unsupported) apart from "our format, but a broken header" (corrupt).
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, 0, PNG_SIGNATURE)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  if (ascii(bytes, 0, 2) === 'BM') return 'bmp';
  if (isAvif(bytes)) return 'avif';
  return null;
}

/** Image formats that are photos or pictures, but that browsers' decoders here do not accept. */
export type ForeignImageFormat = 'HEIC' | 'TIFF' | 'SVG' | 'PSD' | 'JPEG XL';

/** What a file is, judged by its content (never by its name). */
export type FileContent = { kind: 'image'; format: ImageFormat } | { kind: 'foreign-image'; format: ForeignImageFormat } | { kind: 'not-image' };

/**
 * Tells decodable images, images in a format the browser cannot decode (an iPhone's HEIC, a
 * scanner's TIFF, an SVG drawing: worth naming, so the user can convert them) and everything
 * else (text, HTML, video… whatever its extension says) apart, from the first bytes.
 */
export function identifyContent(bytes: Uint8Array): FileContent {
  const format = sniffImageFormat(bytes);
  if (format !== null) return { kind: 'image', format };
  const foreign = sniffForeignImage(bytes);
  return foreign === null ? { kind: 'not-image' } : { kind: 'foreign-image', format: foreign };
}

/** HEIF brands (still images and sequences, HEVC-coded) that ftyp boxes carry. */
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);
const JXL_CONTAINER = [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a];

function sniffForeignImage(bytes: Uint8Array): ForeignImageFormat | null {
  if (ascii(bytes, 4, 4) === 'ftyp') {
    const end = Math.min(u32be(bytes, 0), bytes.length);
    for (let offset = 8; offset + 4 <= end; offset += offset === 8 ? 8 : 4) {
      if (HEIF_BRANDS.has(ascii(bytes, offset, 4))) return 'HEIC';
    }
    return null;
  }
  const head4 = ascii(bytes, 0, 4);
  if (head4 === 'II*\0' || head4 === 'MM\0*') return 'TIFF';
  if (head4 === '8BPS') return 'PSD';
  if ((bytes[0] === 0xff && bytes[1] === 0x0a) || startsWith(bytes, 0, JXL_CONTAINER)) return 'JPEG XL';
  // SVG is text: an <svg> root within the first kilobyte (after an XML prolog or comments),
  // and not inside an HTML page, which may hold inline SVG but is not an image.
  const text = ascii(bytes, 0, Math.min(bytes.length, 1024)).toLowerCase();
  if (text.includes('<svg') && !text.includes('<html')) return 'SVG';
  return null;
}

/** Limits on a source image's size, before any crop: see sourceSizeProblem. */
export interface SourceSizeRules {
  /** Shortest side accepted, in pixels. */
  minSide: number;
  /** Longest side : shortest side accepted. */
  maxAspectRatio: number;
}

/**
 * Photos whose longer side is more than 3× the shorter: strips, banners and panoramas, whose
 * centre square is a sliver of the picture and whose squash is a smear.
 */
export const MAX_ASPECT_RATIO = 3;

/**
 * The source-size rules for a training size: a short side below half of it would be
 * upscaled more than 2× into a blurred block (a 1×1 or 3×500 image becomes flat or striped).
 */
export function sourceSizeRules(side: number): SourceSizeRules {
  return { minSide: Math.ceil(side / 2), maxAspectRatio: MAX_ASPECT_RATIO };
}

/** Why a width × height source is not worth training on, or null when it is. */
export function sourceSizeProblem(width: number, height: number, rules: SourceSizeRules): 'too-small' | 'aspect-ratio' | null {
  const short = Math.min(width, height);
  if (short < rules.minSide) return 'too-small';
  if (Math.max(width, height) > short * rules.maxAspectRatio) return 'aspect-ratio';
  return null;
}

/**
 * Width and height from the header of a PNG, JPEG, GIF, WebP, BMP or AVIF file.
 * @returns null when the format is unknown, the header is truncated or malformed, or (AVIF
 *   only) no `ispe` property is found; callers then fall back to checking after decoding.
 */
export function readImageDimensions(bytes: Uint8Array): ImageDimensions | null {
  const format = sniffImageFormat(bytes);
  let size: { width: number; height: number } | null;
  switch (format) {
    case 'png':
      size = readPng(bytes);
      break;
    case 'jpeg':
      size = readJpeg(bytes);
      break;
    case 'gif':
      size = bytes.length >= 10 ? { width: u16le(bytes, 6), height: u16le(bytes, 8) } : null;
      break;
    case 'webp':
      size = readWebp(bytes);
      break;
    case 'bmp':
      size = readBmp(bytes);
      break;
    case 'avif':
      size = readAvif(bytes);
      break;
    case null:
      return null;
  }
  if (!size || size.width <= 0 || size.height <= 0) return null;
  return { format, width: size.width, height: size.height };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

type Size = { width: number; height: number } | null;

/** The first chunk of a PNG must be IHDR: length 13, then width and height as big-endian u32. */
function readPng(bytes: Uint8Array): Size {
  if (bytes.length < 24 || ascii(bytes, 12, 4) !== 'IHDR') return null;
  return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
}

/**
 * Walks JPEG markers until a start-of-frame. APPn (EXIF, ICC, thumbnails), DQT, DHT and
 * friends come first and are skipped by their length; the frame header holds the size.
 */
function readJpeg(bytes: Uint8Array): Size {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    // Any number of 0xFF fill bytes may precede a marker code.
    let marker = bytes[offset + 1] ?? 0;
    while (marker === 0xff && offset + 2 < bytes.length) {
      offset++;
      marker = bytes[offset + 1] ?? 0;
    }
    offset += 2;
    // Markers without a length segment: TEM and RSTn.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    // Start of scan or end of image before any frame header: no size to be had.
    if (marker === 0xda || marker === 0xd9) return null;
    if (offset + 2 > bytes.length) return null;
    const length = u16be(bytes, offset);
    if (length < 2) return null;
    if (isStartOfFrame(marker)) {
      // Segment: length(2) precision(1) height(2) width(2) …
      if (offset + 7 > bytes.length) return null;
      return { width: u16be(bytes, offset + 5), height: u16be(bytes, offset + 3) };
    }
    offset += length;
  }
  return null;
}

/** SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** WebP's first chunk says which of three layouts follows: lossy, lossless or extended. */
function readWebp(bytes: Uint8Array): Size {
  const chunk = ascii(bytes, 12, 4);
  // Each layout needs its size fields present: VP8 and VP8X up to byte 30, VP8L up to 25.
  if (bytes.length < (chunk === 'VP8L' ? 25 : 30)) return null;
  if (chunk === 'VP8 ') {
    // Frame tag (3 bytes), start code 9D 01 2A, then 14-bit width and height (2 scale bits above).
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return null;
    return { width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    // Signature byte 0x2F, then width − 1 and height − 1 as two 14-bit fields, LSB first.
    if (bytes[20] !== 0x2f) return null;
    const bits = u32le(bytes, 21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    // Flags (1), reserved (3), then canvas width − 1 and height − 1 as 24-bit little-endian.
    return { width: u24le(bytes, 24) + 1, height: u24le(bytes, 27) + 1 };
  }
  return null;
}

/** BMP: OS/2 core header (16-bit sizes) or BITMAPINFOHEADER and later (signed 32-bit sizes). */
function readBmp(bytes: Uint8Array): Size {
  if (bytes.length < 26) return null;
  const headerSize = u32le(bytes, 14);
  if (headerSize === 12) return { width: u16le(bytes, 18), height: u16le(bytes, 20) };
  if (headerSize < 40) return null;
  // A negative height means rows are stored top-down; the size is its magnitude.
  const width = i32le(bytes, 18);
  const height = i32le(bytes, 22);
  return { width, height: Math.abs(height) };
}

/** An ISO-BMFF file whose ftyp brands include AVIF's image or sequence brand. */
function isAvif(bytes: Uint8Array): boolean {
  if (bytes.length < 16 || ascii(bytes, 4, 4) !== 'ftyp') return false;
  const end = Math.min(u32be(bytes, 0), bytes.length);
  // Major brand at 8, minor version at 12, compatible brands from 16.
  for (let offset = 8; offset + 4 <= end; offset += offset === 8 ? 8 : 4) {
    const brand = ascii(bytes, offset, 4);
    if (brand === 'avif' || brand === 'avis') return true;
  }
  return false;
}

/**
 * AVIF keeps sizes in `ispe` properties: meta → iprp → ipco → ispe. A file may carry several
 * (alpha plane, thumbnails, grid tiles); the largest is returned because the caller uses it as
 * a guard against huge images, where overestimating is the safe side.
 */
function readAvif(bytes: Uint8Array): Size {
  const meta = findBox(bytes, 0, bytes.length, 'meta');
  if (!meta) return null;
  // `meta` is a full box: 4 bytes of version and flags before its children.
  const iprp = findBox(bytes, meta.start + 4, meta.end, 'iprp');
  if (!iprp) return null;
  const ipco = findBox(bytes, iprp.start, iprp.end, 'ipco');
  if (!ipco) return null;
  let best: Size = null;
  for (const box of boxes(bytes, ipco.start, ipco.end)) {
    if (box.type !== 'ispe' || box.start + 12 > box.end) continue;
    // Full box header (4), then width and height as big-endian u32.
    const width = u32be(bytes, box.start + 4);
    const height = u32be(bytes, box.start + 8);
    if (!best || width * height > best.width * best.height) best = { width, height };
  }
  return best;
}

interface Box {
  type: string;
  /** Offset of the box's payload (after its header). */
  start: number;
  /** Offset just past the box. */
  end: number;
}

/** The boxes laid end to end in [start, end); stops at the first malformed one. */
function* boxes(bytes: Uint8Array, start: number, end: number): Generator<Box> {
  let offset = start;
  while (offset + 8 <= end) {
    let size = u32be(bytes, offset);
    const type = ascii(bytes, offset + 4, 4);
    let header = 8;
    if (size === 1) {
      // 64-bit largesize follows the type; sizes past 2^53 are not real files.
      if (offset + 16 > end) return;
      size = u32be(bytes, offset + 8) * 2 ** 32 + u32be(bytes, offset + 12);
      header = 16;
    } else if (size === 0) {
      size = end - offset; // "extends to the end of the file"
    }
    if (size < header || offset + size > end) {
      // A truncated last box still lets us read what is there (headers often come first).
      yield { type, start: offset + header, end };
      return;
    }
    yield { type, start: offset + header, end: offset + size };
    offset += size;
  }
}

function findBox(bytes: Uint8Array, start: number, end: number, type: string): Box | null {
  for (const box of boxes(bytes, start, end)) {
    if (box.type === type) return box;
  }
  return null;
}

// Readers return 0 past the end (via `?? 0`); callers check lengths where it matters.

function u16be(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}

function u32be(bytes: Uint8Array, offset: number): number {
  return (((bytes[offset] ?? 0) << 24) | ((bytes[offset + 1] ?? 0) << 16) | ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0)) >>> 0;
}

function u16le(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8);
}

function u24le(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16);
}

function u32le(bytes: Uint8Array, offset: number): number {
  return i32le(bytes, offset) >>> 0;
}

function i32le(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16) | ((bytes[offset + 3] ?? 0) << 24);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (offset + length > bytes.length) return '';
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function startsWith(bytes: Uint8Array, offset: number, signature: readonly number[]): boolean {
  return signature.every((value, i) => bytes[offset + i] === value);
}
