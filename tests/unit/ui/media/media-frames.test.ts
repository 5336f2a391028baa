import { describe, expect, test } from 'vitest';
import { exportScale, labelFontSize, padToEven, upscaleNearest, type RgbaImage } from '../../../../src/ui/media/frames.ts';
import { webmBitrate } from '../../../../src/ui/media/webm-encoder.ts';
import { stepLabel } from '../../../../src/ui/media/timelapse.ts';

/** A width × height image whose pixel (x, y) is [x, y, x + y · width, 255]: every pixel distinct. */
function numbered(width: number, height: number): RgbaImage {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgba.set([x, y, x + y * width, 255], (y * width + x) * 4);
  }
  return { width, height, rgba };
}

function pixelAt(image: RgbaImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return Array.from(image.rgba.subarray(at, at + 4));
}

describe('upscaleNearest', () => {
  test.each([1, 2, 4])('×%i: size is scaled and every output pixel is its source pixel', (scale) => {
    const source = numbered(3, 2);
    const out = upscaleNearest(source, scale);
    expect(out.width).toBe(3 * scale);
    expect(out.height).toBe(2 * scale);
    expect(out.rgba.length).toBe(3 * scale * 2 * scale * 4);
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) expect(pixelAt(out, x, y)).toEqual(pixelAt(source, Math.floor(x / scale), Math.floor(y / scale)));
    }
  });

  test('×2 of a 2 × 1 image, byte for byte', () => {
    const source: RgbaImage = { width: 2, height: 1, rgba: Uint8ClampedArray.of(1, 2, 3, 4, 5, 6, 7, 8) };
    expect(Array.from(upscaleNearest(source, 2).rgba)).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8]);
  });

  test('×1 returns a copy, not the same pixels', () => {
    const source = numbered(2, 2);
    const out = upscaleNearest(source, 1);
    expect(out.rgba).not.toBe(source.rgba);
    expect(Array.from(out.rgba)).toEqual(Array.from(source.rgba));
  });

  test('a subarray at an unaligned offset works', () => {
    const backing = new Uint8ClampedArray(1 + 2 * 2 * 4);
    const inner = numbered(2, 2);
    backing.set(inner.rgba, 1);
    const out = upscaleNearest({ width: 2, height: 2, rgba: backing.subarray(1) }, 4);
    expect(pixelAt(out, 7, 7)).toEqual(pixelAt(inner, 1, 1));
    expect(pixelAt(out, 4, 3)).toEqual(pixelAt(inner, 1, 0));
  });

  test('rejects bad scales and mismatched buffers', () => {
    expect(() => upscaleNearest(numbered(2, 2), 0)).toThrow(/scale/);
    expect(() => upscaleNearest(numbered(2, 2), 1.5)).toThrow(/scale/);
    expect(() => upscaleNearest({ width: 2, height: 2, rgba: new Uint8ClampedArray(12) }, 2)).toThrow(/RGBA/);
  });
});

describe('padToEven', () => {
  test('even sizes come back unchanged (same object)', () => {
    const image = numbered(4, 2);
    expect(padToEven(image)).toBe(image);
  });

  test('odd sizes gain one white column and row; source pixels stay in place', () => {
    const image = numbered(3, 5);
    const out = padToEven(image);
    expect([out.width, out.height]).toEqual([4, 6]);
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 4; x++) {
        expect(pixelAt(out, x, y)).toEqual(x < 3 && y < 5 ? pixelAt(image, x, y) : [255, 255, 255, 255]);
      }
    }
  });
});

describe('export sizes and labels', () => {
  test('exportScale upscales small grids to at least 256 px, by at most 4', () => {
    expect(exportScale(336)).toBe(1);
    expect(exportScale(256)).toBe(1);
    expect(exportScale(200)).toBe(2);
    expect(exportScale(64)).toBe(4);
    expect(exportScale(16)).toBe(4);
  });

  test('the label font is 14 px on a 336-px grid and never below 10 px', () => {
    expect(labelFontSize(336)).toBe(14);
    expect(labelFontSize(64)).toBe(10);
    expect(labelFontSize(4000)).toBe(28);
  });

  test('stepLabel groups thousands', () => {
    expect(stepLabel(1200)).toBe('step 1,200');
    expect(stepLabel(0)).toBe('step 0');
  });

  test('webmBitrate: about 0.6 bit per pixel per frame, within 1–20 Mbit/s', () => {
    expect(webmBitrate(576, 336, 10)).toBe(Math.round(576 * 336 * 10 * 0.6));
    expect(webmBitrate(64, 64, 5)).toBe(1_000_000);
    expect(webmBitrate(2304, 1344, 30)).toBe(20_000_000);
  });
});
