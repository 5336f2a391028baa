import { describe, expect, test } from 'vitest';
import { identifyContent, isWithinPixelLimit, MAX_IMAGE_PIXELS, readImageDimensions, sniffImageFormat, sourceSizeProblem, sourceSizeRules } from '../../../../src/data/ingest/image-header.ts';

// Headers are built byte by byte so each test states exactly what a real encoder writes.

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));
const u16be = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];
const u32be = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u16le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
const u24le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff];
const u32le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const bytes = (...parts: number[][]): Uint8Array => new Uint8Array(parts.flat());

function png(width: number, height: number): Uint8Array {
  // Signature, IHDR length 13, 'IHDR', width, height, depth 8, colour type 6, 3 zero bytes, CRC.
  return bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32be(13), ascii('IHDR'), u32be(width), u32be(height), [8, 6, 0, 0, 0], [0, 0, 0, 0]);
}

/** SOI, APP0 (JFIF), a DQT, then the given SOF marker with the size, then SOS. */
function jpeg(sofMarker: number, width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, ...u16be(16), ...ascii('JFIF'), 0, 1, 1, 0, ...u16be(72), ...u16be(72), 0, 0];
  const dqt = [0xff, 0xdb, ...u16be(67), 0, ...new Array<number>(64).fill(1)];
  const sof = [0xff, sofMarker, ...u16be(17), 8, ...u16be(height), ...u16be(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  const sos = [0xff, 0xda, ...u16be(12), 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0];
  return bytes([0xff, 0xd8], app0, dqt, sof, sos);
}

function riff(chunk: string, payload: number[]): Uint8Array {
  return bytes(ascii('RIFF'), u32le(4 + 8 + payload.length), ascii('WEBP'), ascii(chunk), u32le(payload.length), payload);
}

function box(type: string, ...payload: number[][]): number[] {
  const body = payload.flat();
  return [...u32be(8 + body.length), ...ascii(type), ...body];
}

function avif(ispeSizes: Array<[number, number]>): Uint8Array {
  const ftyp = box('ftyp', ascii('avif'), u32be(0), ascii('mif1'), ascii('miaf'));
  const hdlr = box('hdlr', [0, 0, 0, 0], u32be(0), ascii('pict'), new Array<number>(13).fill(0));
  const ispes = ispeSizes.map(([w, h]) => box('ispe', [0, 0, 0, 0], u32be(w), u32be(h)));
  const ipco = box('ipco', box('pixi', [0, 0, 0, 0], [3, 8, 8, 8]), ...ispes);
  const meta = box('meta', [0, 0, 0, 0], hdlr, box('iprp', ipco));
  return bytes(ftyp, meta, box('mdat', [1, 2, 3]));
}

describe('readImageDimensions', () => {
  test('PNG: IHDR width and height, including a 30000 × 30000 bomb header', () => {
    expect(readImageDimensions(png(640, 480))).toEqual({ format: 'png', width: 640, height: 480 });
    expect(readImageDimensions(png(30000, 30000))).toEqual({ format: 'png', width: 30000, height: 30000 });
  });

  test('JPEG: skips APP0 and DQT to the baseline (SOF0) or progressive (SOF2) frame', () => {
    expect(readImageDimensions(jpeg(0xc0, 500, 375))).toEqual({ format: 'jpeg', width: 500, height: 375 });
    expect(readImageDimensions(jpeg(0xc2, 1920, 1080))).toEqual({ format: 'jpeg', width: 1920, height: 1080 });
  });

  test('JPEG: DHT (C4) is not a frame header, fill bytes before a marker are skipped', () => {
    const dht = [0xff, 0xc4, ...u16be(5), 0, 0, 0];
    const withFill = bytes([0xff, 0xd8], dht, [0xff, 0xff, 0xc0, ...u16be(11), 8, ...u16be(20), ...u16be(30), 1, 1, 0x11, 0]);
    expect(readImageDimensions(withFill)).toEqual({ format: 'jpeg', width: 30, height: 20 });
  });

  test('JPEG: scan data before any frame header gives null', () => {
    expect(readImageDimensions(bytes([0xff, 0xd8, 0xff, 0xda, ...u16be(8), 0, 0, 0, 0, 0, 0]))).toBeNull();
  });

  test('GIF: logical screen size, little-endian', () => {
    const gif = bytes(ascii('GIF89a'), u16le(321), u16le(123), [0xf7, 0, 0]);
    expect(readImageDimensions(gif)).toEqual({ format: 'gif', width: 321, height: 123 });
    expect(readImageDimensions(bytes(ascii('GIF87a'), u16le(1), u16le(2), [0, 0, 0]))).toEqual({ format: 'gif', width: 1, height: 2 });
  });

  test('WebP lossy (VP8): 14-bit sizes after the start code, scale bits ignored', () => {
    const vp8 = riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(400 | 0x4000), ...u16le(300 | 0x8000), 0, 0]);
    expect(readImageDimensions(vp8)).toEqual({ format: 'webp', width: 400, height: 300 });
  });

  test('WebP lossless (VP8L): width − 1 and height − 1 packed in 14-bit fields', () => {
    const packed = ((1000 - 1) | ((750 - 1) << 14)) >>> 0;
    const vp8l = riff('VP8L', [0x2f, ...u32le(packed), 0, 0, 0, 0]);
    expect(readImageDimensions(vp8l)).toEqual({ format: 'webp', width: 1000, height: 750 });
  });

  test('WebP extended (VP8X): 24-bit canvas size minus one', () => {
    const vp8x = riff('VP8X', [0x10, 0, 0, 0, ...u24le(4096 - 1), ...u24le(20000 - 1)]);
    expect(readImageDimensions(vp8x)).toEqual({ format: 'webp', width: 4096, height: 20000 });
  });

  test('BMP: BITMAPINFOHEADER, with a negative (top-down) height, and the OS/2 core header', () => {
    const bmp = (width: number, height: number): Uint8Array =>
      bytes(ascii('BM'), u32le(0), u32le(0), u32le(54), u32le(40), u32le(width), u32le(height >>> 0), u16le(1), u16le(24), new Array<number>(24).fill(0));
    expect(readImageDimensions(bmp(64, 32))).toEqual({ format: 'bmp', width: 64, height: 32 });
    expect(readImageDimensions(bmp(64, -32))).toEqual({ format: 'bmp', width: 64, height: 32 });
    const core = bytes(ascii('BM'), u32le(0), u32le(0), u32le(26), u32le(12), u16le(10), u16le(20), u16le(1), u16le(24));
    expect(readImageDimensions(core)).toEqual({ format: 'bmp', width: 10, height: 20 });
  });

  test('AVIF: the ispe property (the largest one when there are several)', () => {
    expect(readImageDimensions(avif([[800, 600]]))).toEqual({ format: 'avif', width: 800, height: 600 });
    expect(readImageDimensions(avif([[160, 120], [4000, 3000]]))).toEqual({ format: 'avif', width: 4000, height: 3000 });
  });

  test('AVIF without ispe: recognised, but no size (null)', () => {
    const file = avif([]);
    expect(sniffImageFormat(file)).toBe('avif');
    expect(readImageDimensions(file)).toBeNull();
  });

  test('truncated headers, zero sizes and garbage give null', () => {
    expect(readImageDimensions(png(640, 480).subarray(0, 20))).toBeNull();
    expect(readImageDimensions(png(0, 480))).toBeNull();
    expect(readImageDimensions(jpeg(0xc0, 500, 375).subarray(0, 30))).toBeNull();
    expect(readImageDimensions(bytes(ascii('GIF89a'), [1]))).toBeNull();
    expect(readImageDimensions(riff('VP8 ', [0, 0, 0, 1, 2, 3, 0, 0, 0, 0]))).toBeNull();
    expect(readImageDimensions(bytes(ascii('RIFF'), u32le(4), ascii('WEBP')))).toBeNull();
    expect(readImageDimensions(new Uint8Array(0))).toBeNull();
    expect(readImageDimensions(new Uint8Array(256).map((_, i) => (i * 37) & 0xff))).toBeNull();
    expect(readImageDimensions(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
  });
});

describe('sniffImageFormat', () => {
  test('names the format from its magic bytes even when the rest is broken', () => {
    expect(sniffImageFormat(png(1, 1).subarray(0, 8))).toBe('png');
    expect(sniffImageFormat(bytes([0xff, 0xd8, 0xff]))).toBe('jpeg');
    expect(sniffImageFormat(bytes(ascii('II*\0')))).toBeNull(); // TIFF: not decodable by browsers
  });
});

describe('isWithinPixelLimit', () => {
  test('defaults to MAX_IMAGE_PIXELS and rejects empty sizes', () => {
    expect(MAX_IMAGE_PIXELS).toBe(50_000_000);
    expect(isWithinPixelLimit(8000, 6000)).toBe(true);
    expect(isWithinPixelLimit(30000, 30000)).toBe(false);
    expect(isWithinPixelLimit(100, 100, 10_000)).toBe(true);
    expect(isWithinPixelLimit(101, 100, 10_000)).toBe(false);
    expect(isWithinPixelLimit(0, 100)).toBe(false);
  });
});

describe('identifyContent', () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const ftyp = (brands: string): Uint8Array => {
    const bytes = new Uint8Array(8 + brands.length);
    bytes.set([0, 0, 0, bytes.length], 0);
    bytes.set(text(`ftyp${brands}`), 4);
    return bytes;
  };
  test.each<[string, Uint8Array, ReturnType<typeof identifyContent>]>([
    ['an iPhone HEIC', ftyp('heic\0\0\0\0mif1heic'), { kind: 'foreign-image', format: 'HEIC' }],
    ['a HEIF sequence', ftyp('msf1\0\0\0\0msf1hevc'), { kind: 'foreign-image', format: 'HEIC' }],
    ['an AVIF (decodable)', ftyp('avif\0\0\0\0mif1avif'), { kind: 'image', format: 'avif' }],
    ['an MP4 video', ftyp('isom\0\0\0\0isomiso2mp41'), { kind: 'not-image' }],
    ['a little-endian TIFF', new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0]), { kind: 'foreign-image', format: 'TIFF' }],
    ['a big-endian TIFF', new Uint8Array([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8]), { kind: 'foreign-image', format: 'TIFF' }],
    ['a Photoshop file', text('8BPS\0\x01'), { kind: 'foreign-image', format: 'PSD' }],
    ['a bare JPEG XL codestream', new Uint8Array([0xff, 0x0a, 0, 0]), { kind: 'foreign-image', format: 'JPEG XL' }],
    ['an SVG with a prolog', text('<?xml version="1.0"?>\n<!-- drawn -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'), { kind: 'foreign-image', format: 'SVG' }],
    ['an HTML page with inline SVG', text('<!doctype html><html><body><svg></svg></body></html>'), { kind: 'not-image' }],
    ['plain text', text('hello'), { kind: 'not-image' }],
    ['nothing', new Uint8Array(0), { kind: 'not-image' }],
  ])('%s', (_label, bytes, expected) => {
    expect(identifyContent(bytes)).toEqual(expected);
  });
});

describe('sourceSizeProblem', () => {
  const rules = sourceSizeRules(64);
  test.each<[number, number, ReturnType<typeof sourceSizeProblem>]>([
    [1, 1, 'too-small'],
    [31, 400, 'too-small'],
    [32, 32, null],
    [3, 500, 'too-small'],
    [5000, 20, 'too-small'],
    [96, 32, null],
    [97, 32, 'aspect-ratio'],
    [32, 97, 'aspect-ratio'],
    [4000, 3000, null],
  ])('%d×%d → %s', (width, height, expected) => {
    expect(rules).toEqual({ minSide: 32, maxAspectRatio: 3 });
    expect(sourceSizeProblem(width, height, rules)).toBe(expected);
  });
});
