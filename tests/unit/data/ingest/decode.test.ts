import { describe, expect, test } from 'vitest';
import { cropRectangle, packPixels } from '../../../../src/data/ingest/decode.ts';

/** Two pixels of RGBA: pure red opaque, and a half-transparent dark blue. */
const TWO_PIXELS = new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 100, 128, 10, 20, 30, 0, 7, 8, 9, 255]);

describe('packPixels', () => {
  test('RGB drops alpha of opaque pixels unchanged', () => {
    expect(Array.from(packPixels(TWO_PIXELS, 2, 3).subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(packPixels(TWO_PIXELS, 2, 3).subarray(9, 12))).toEqual([7, 8, 9]);
  });

  test('translucent pixels are composited onto white, fully transparent ones become white', () => {
    const rgb = Array.from(packPixels(TWO_PIXELS, 2, 3));
    // c · 128/255 + 127: 0 → 127, 100 → round(50.196 + 127) = 177.
    expect(rgb.slice(3, 6)).toEqual([127, 127, 177]);
    expect(rgb.slice(6, 9)).toEqual([255, 255, 255]);
  });

  test('grayscale is BT.601 luma of the composited colour, rounded', () => {
    const gray = Array.from(packPixels(TWO_PIXELS, 2, 1));
    expect(gray).toEqual([
      Math.round(0.299 * 255), // 76
      Math.round(0.299 * 127 + 0.587 * 127 + 0.114 * 177), // 132.7 → 133
      255,
      Math.round(0.299 * 7 + 0.587 * 8 + 0.114 * 9), // 7.775 → 8
    ]);
    expect(gray).toEqual([76, 133, 255, 8]);
  });

  test('white stays 255 in grayscale (the weights sum to 1 within rounding)', () => {
    expect(Array.from(packPixels(new Uint8ClampedArray([255, 255, 255, 255]), 1, 1))).toEqual([255]);
  });

  test('rejects a buffer of the wrong size', () => {
    expect(() => packPixels(new Uint8ClampedArray(12), 2, 3)).toThrow(/expected 16 RGBA bytes/);
  });
});

describe('cropRectangle', () => {
  test('centre takes the largest centred square; squash takes everything', () => {
    expect(cropRectangle(200, 100, 'centre')).toEqual({ x: 50, y: 0, width: 100, height: 100 });
    expect(cropRectangle(100, 301, 'centre')).toEqual({ x: 0, y: 100, width: 100, height: 100 });
    expect(cropRectangle(200, 100, 'squash')).toEqual({ x: 0, y: 0, width: 200, height: 100 });
  });
});
