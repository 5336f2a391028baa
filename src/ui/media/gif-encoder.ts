/**
 * An animated GIF89a encoder with no dependencies, for exporting a latent walk or the training
 * timeline. Pure: frames in, file bytes out.
 *
 * Palette: one fixed global table for every frame, a 6×7×6 RGB cube (252 colours; green gets the
 * extra level because the eye is most sensitive to it) plus 4 grays between the cube's levels
 * (256 in all). Each pixel maps to the nearest cube colour per channel, or to the nearest extra
 * gray when that is closer. No dithering: it would make consecutive frames flicker. A fixed
 * palette costs some banding on smooth skin, but needs no per-frame quantiser, no local colour
 * tables, and the same colour is the same index in every frame.
 * Format: https://www.w3.org/Graphics/GIF/spec-gif89a.txt
 */

/** One frame, RGBA, row-major; alpha is ignored (GIFs here are opaque). */
export interface GifFrame {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

export interface GifOptions {
  /** Delay after each frame in milliseconds; stored in centiseconds, so rounded to 10 ms. */
  delayMs: number;
  /** Loop forever (NETSCAPE2.0 extension); false plays once. */
  loop: boolean;
}

const RED_LEVELS = 6;
const GREEN_LEVELS = 7;
const BLUE_LEVELS = 6;
const CUBE_SIZE = RED_LEVELS * GREEN_LEVELS * BLUE_LEVELS; // 252
const EXTRA_GRAYS = [32, 96, 160, 224];
/** GIF colour tables hold 2^(n+1) entries; 256 → n = 7. */
const TABLE_SIZE_BITS = 7;
/** LZW codes start one bit wider than the pixel indices (8 bits for 256 colours). */
const MIN_CODE_SIZE = 8;
const MAX_CODE = 4096;

/** The value of level `i` of `levels` spread evenly over 0–255. */
function levelValue(i: number, levels: number): number {
  return Math.round((i * 255) / (levels - 1));
}

/** The 256 × RGB global colour table: cube entries first (r-major), then the extra grays. */
export function gifPalette(): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let r = 0; r < RED_LEVELS; r++) {
    for (let g = 0; g < GREEN_LEVELS; g++) {
      for (let b = 0; b < BLUE_LEVELS; b++) {
        const i = (r * GREEN_LEVELS + g) * BLUE_LEVELS + b;
        table.set([levelValue(r, RED_LEVELS), levelValue(g, GREEN_LEVELS), levelValue(b, BLUE_LEVELS)], i * 3);
      }
    }
  }
  EXTRA_GRAYS.forEach((v, k) => table.set([v, v, v], (CUBE_SIZE + k) * 3));
  return table;
}

/** The palette index for one RGB colour (see the file comment for the rule). */
export function paletteIndex(red: number, green: number, blue: number): number {
  const r = Math.round((red * (RED_LEVELS - 1)) / 255);
  const g = Math.round((green * (GREEN_LEVELS - 1)) / 255);
  const b = Math.round((blue * (BLUE_LEVELS - 1)) / 255);
  const cubeIndex = (r * GREEN_LEVELS + g) * BLUE_LEVELS + b;
  const cubeError =
    (red - levelValue(r, RED_LEVELS)) ** 2 + (green - levelValue(g, GREEN_LEVELS)) ** 2 + (blue - levelValue(b, BLUE_LEVELS)) ** 2;
  let best = cubeIndex;
  let bestError = cubeError;
  EXTRA_GRAYS.forEach((v, k) => {
    const error = (red - v) ** 2 + (green - v) ** 2 + (blue - v) ** 2;
    if (error < bestError) {
      best = CUBE_SIZE + k;
      bestError = error;
    }
  });
  return best;
}

/** Appends bytes to a growing buffer; GIF sizes are not known up front. */
class ByteWriter {
  private bytes: Uint8Array<ArrayBuffer> = new Uint8Array(1024);
  length = 0;

  byte(value: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = value & 0xff;
  }

  /** Little-endian, as every GIF integer is. */
  uint16(value: number): void {
    this.byte(value);
    this.byte(value >>> 8);
  }

  all(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.byte(values[i] ?? 0);
  }

  ascii(text: string): void {
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }

  result(): Uint8Array<ArrayBuffer> {
    return this.bytes.slice(0, this.length);
  }
}

/**
 * GIF-flavoured LZW of palette indices: codes packed least-significant bit first, widening from
 * 9 to 12 bits as the table grows, a clear code first and whenever the table fills (4096 codes).
 * @returns the packed code stream, before splitting into sub-blocks.
 */
export function lzwEncode(indices: Uint8Array): Uint8Array {
  const clearCode = 1 << MIN_CODE_SIZE;
  const endCode = clearCode + 1;
  const out = new ByteWriter();
  let bitBuffer = 0;
  let bitCount = 0;
  let codeSize = MIN_CODE_SIZE + 1;
  const emit = (code: number): void => {
    bitBuffer |= code << bitCount;
    bitCount += codeSize;
    while (bitCount >= 8) {
      out.byte(bitBuffer);
      bitBuffer >>>= 8;
      bitCount -= 8;
    }
  };

  // Keyed by prefix code · 256 + next index: a number key is far faster than a string.
  let table = new Map<number, number>();
  let nextCode = endCode + 1;
  emit(clearCode);
  if (indices.length > 0) {
    let prefix = indices[0] ?? 0;
    for (let i = 1; i < indices.length; i++) {
      const k = indices[i] ?? 0;
      const key = prefix * 256 + k;
      const known = table.get(key);
      if (known !== undefined) {
        prefix = known;
        continue;
      }
      emit(prefix);
      if (nextCode === MAX_CODE) {
        // Table full: start over rather than keep emitting 12-bit codes from a stale table.
        emit(clearCode);
        table = new Map();
        nextCode = endCode + 1;
        codeSize = MIN_CODE_SIZE + 1;
      } else {
        // The decoder learns each entry one code late, so widen when the code just assigned
        // no longer fits — before emitting it, exactly when the decoder widens.
        if (nextCode >= 1 << codeSize) codeSize++;
        table.set(key, nextCode++);
      }
      prefix = k;
    }
    emit(prefix);
  }
  emit(endCode);
  if (bitCount > 0) out.byte(bitBuffer);
  return out.result();
}

/** Builds a GIF frame by frame, so a long time-lapse never holds every decoded frame at once. */
export interface GifWriter {
  /** Quantises, compresses and appends one frame (same size as the writer's). */
  addFrame(frame: GifFrame): void;
  /** Frames added so far. */
  readonly frameCount: number;
  /**
   * Writes the trailer and returns the file as parts in order (one per frame, plus header and
   * trailer): callers can hand them to `new Blob(parts)` without one large contiguous copy.
   */
  finish(): Uint8Array<ArrayBuffer>[];
}

/**
 * Starts an animated GIF89a: header, logical screen with the fixed 256-colour global table,
 * NETSCAPE2.0 loop extension; then per frame a graphic control extension (delay; disposal
 * "leave in place", since every frame covers the whole screen) and a full-screen image.
 */
export function createGifWriter(width: number, height: number, options: GifOptions): GifWriter {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0xffff || height > 0xffff) {
    throw new Error(`encodeGif: bad size ${width}×${height}`);
  }
  const delay = Math.max(0, Math.min(0xffff, Math.round(options.delayMs / 10)));
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let frameCount = 0;
  let finished = false;

  const header = new ByteWriter();
  header.ascii('GIF89a');
  header.uint16(width);
  header.uint16(height);
  // Global table present (0x80), 8 bits per primary (0x70), unsorted, 2^(7+1) entries.
  header.byte(0x80 | 0x70 | TABLE_SIZE_BITS);
  header.byte(0); // background colour index
  header.byte(0); // no aspect ratio
  header.all(gifPalette());
  if (options.loop) {
    header.all([0x21, 0xff, 11]);
    header.ascii('NETSCAPE2.0');
    header.all([3, 1]);
    header.uint16(0); // 0 = loop forever
    header.byte(0);
  }
  parts.push(header.result());

  return {
    get frameCount() {
      return frameCount;
    },
    addFrame(frame: GifFrame): void {
      if (finished) throw new Error('encodeGif: the GIF is already finished');
      if (frame.width !== width || frame.height !== height || frame.rgba.length !== width * height * 4) {
        throw new Error(`encodeGif: every frame must be ${width}×${height} RGBA`);
      }
      const out = new ByteWriter();
      out.all([0x21, 0xf9, 4, 1 << 2]); // graphic control: disposal 1, no transparency
      out.uint16(delay);
      out.all([0, 0]); // transparent index (unused), block terminator

      out.byte(0x2c);
      out.uint16(0);
      out.uint16(0);
      out.uint16(width);
      out.uint16(height);
      out.byte(0); // no local table, not interlaced

      const indices = new Uint8Array(width * height);
      for (let p = 0; p < indices.length; p++) {
        indices[p] = paletteIndex(frame.rgba[p * 4] ?? 0, frame.rgba[p * 4 + 1] ?? 0, frame.rgba[p * 4 + 2] ?? 0);
      }
      out.byte(MIN_CODE_SIZE);
      const data = lzwEncode(indices);
      for (let start = 0; start < data.length; start += 255) {
        const block = data.subarray(start, Math.min(start + 255, data.length));
        out.byte(block.length);
        out.all(block);
      }
      out.byte(0);
      parts.push(out.result());
      frameCount++;
    },
    finish(): Uint8Array<ArrayBuffer>[] {
      if (finished) throw new Error('encodeGif: the GIF is already finished');
      if (frameCount === 0) throw new Error('encodeGif: no frames');
      finished = true;
      parts.push(Uint8Array.of(0x3b));
      return parts;
    },
  };
}

/**
 * Encodes frames as an animated GIF89a in one go (see createGifWriter for the layout).
 * @param frames all the same size, at least one.
 */
export function encodeGif(frames: readonly GifFrame[], options: GifOptions): Uint8Array {
  const first = frames[0];
  if (first === undefined) throw new Error('encodeGif: no frames');
  const writer = createGifWriter(first.width, first.height, options);
  for (const frame of frames) writer.addFrame(frame);
  const parts = writer.finish();
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
