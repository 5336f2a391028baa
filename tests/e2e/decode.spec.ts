import { expect, test, type Page } from '@playwright/test';
import type { DecodeOptions } from '../../src/data/ingest/decode.ts';

// Real Chromium decoders in a real module worker: images are made in the page, decoded by
// src/data/ingest/decode.ts in tests/e2e/harness/decode.worker.ts, and compared here.

const RGB_32: DecodeOptions = { side: 32, channels: 3, crop: 'centre', maxPixels: 50_000_000 };

async function openHarness(page: Page): Promise<void> {
  await page.goto('/tests/e2e/harness/decode.html');
  await expect(page.locator('#status')).toHaveText('ready');
}

/** Pixel `index` of packed bytes as an array of its channels. */
function pixel(pixels: number[], index: number, channels: number): number[] {
  return pixels.slice(index * channels, (index + 1) * channels);
}

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => expect(Math.abs(value - (expected[i] ?? NaN)), `channel ${i}: ${value} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance));
}

test.describe('decodeToPixels in a worker', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('a PNG and a JPEG decode to S × S × 3 with their colours', async ({ page }) => {
    const results = await page.evaluate(async (options) => {
      const h = window.decodeHarness;
      const fill = [{ x: 0, y: 0, width: 100, height: 80, colour: 'rgb(200, 40, 60)' }];
      const out = [];
      for (const type of ['image/png', 'image/jpeg'] as const) {
        const result = await h.decodeInWorker(await h.encodeRects(100, 80, fill, type, 0.95), options);
        out.push(result.ok ? { ok: true, pixels: Array.from(result.pixels) } : { ok: false, pixels: [] });
      }
      return out;
    }, RGB_32);
    const [png, jpeg] = results;
    expect(png?.ok).toBe(true);
    expect(jpeg?.ok).toBe(true);
    expect(png?.pixels.length).toBe(32 * 32 * 3);
    expect(jpeg?.pixels.length).toBe(32 * 32 * 3);
    for (const index of [0, 31, 16 * 32 + 16, 32 * 32 - 1]) {
      expectClose(pixel(png?.pixels ?? [], index, 3), [200, 40, 60], 1);
      // JPEG: chroma subsampling and quantisation move a flat colour by a few levels.
      expectClose(pixel(jpeg?.pixels ?? [], index, 3), [200, 40, 60], 8);
    }
  });

  test("a 4:1 image: 'centre' keeps only the middle; 'squash' keeps all three bands", async ({ page }) => {
    const results = await page.evaluate(async () => {
      const h = window.decodeHarness;
      // Red | green | blue bands; the centre square (x 150..250) is exactly the green band.
      const fills = [
        { x: 0, y: 0, width: 150, height: 100, colour: '#ff0000' },
        { x: 150, y: 0, width: 100, height: 100, colour: '#00ff00' },
        { x: 250, y: 0, width: 150, height: 100, colour: '#0000ff' },
      ];
      const png = await h.encodeRects(400, 100, fills, 'image/png');
      const base = { side: 16, channels: 3, maxPixels: 50_000_000 } as const;
      const centre = await h.decodeInWorker(png, { ...base, crop: 'centre' });
      const squash = await h.decodeInWorker(png, { ...base, crop: 'squash' });
      return [centre, squash].map((r) => (r.ok ? Array.from(r.pixels) : []));
    });
    const [centre = [], squash = []] = results;
    for (let i = 0; i < 16 * 16; i++) expectClose(pixel(centre, i, 3), [0, 255, 0], 2);
    // Squashed, row 8: columns 0..4 red (0..5.9), 7..8 green (6..9.9), 11..15 blue.
    const row = 8 * 16;
    expectClose(pixel(squash, row + 1, 3), [255, 0, 0], 2);
    expectClose(pixel(squash, row + 8, 3), [0, 255, 0], 2);
    expectClose(pixel(squash, row + 14, 3), [0, 0, 255], 2);
  });

  test('EXIF orientation is applied before cropping (a phone photo taken sideways)', async ({ page }) => {
    const pixels = await page.evaluate(async () => {
      const h = window.decodeHarness;
      // 200 × 100: left half red, right half blue. Tagged orientation 6 ("rotate 90° clockwise
      // to display"), it is meant to be seen 100 × 200 with red on top and blue below.
      const fills = [
        { x: 0, y: 0, width: 100, height: 100, colour: '#ff0000' },
        { x: 100, y: 0, width: 100, height: 100, colour: '#0000ff' },
      ];
      const jpeg = await h.encodeRects(200, 100, fills, 'image/jpeg', 0.95);
      // APP1 "Exif": big-endian TIFF header, one IFD entry: Orientation (0x0112), SHORT, 1, value 6.
      const exif = [0xff, 0xe1, 0, 34, ...[0x45, 0x78, 0x69, 0x66, 0, 0], 0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0];
      const app0End = 4 + (((jpeg[4] ?? 0) << 8) | (jpeg[5] ?? 0)); // SOI (2) + APP0 marker (2) + its length
      const tagged = new Uint8Array([...jpeg.subarray(0, app0End), ...exif, ...jpeg.subarray(app0End)]);
      const result = await h.decodeInWorker(tagged, { side: 8, channels: 3, crop: 'squash', maxPixels: 1e6 });
      return result.ok ? Array.from(result.pixels) : [];
    });
    expectClose(pixel(pixels, 1 * 8 + 1, 3), [255, 0, 0], 12); // top: red
    expectClose(pixel(pixels, 1 * 8 + 6, 3), [255, 0, 0], 12);
    expectClose(pixel(pixels, 6 * 8 + 1, 3), [0, 0, 255], 12); // bottom: blue
    expectClose(pixel(pixels, 6 * 8 + 6, 3), [0, 0, 255], 12);
  });

  test('a grayscale PNG decodes to its own levels, as 1 channel or as equal RGB', async ({ page }) => {
    const results = await page.evaluate(async () => {
      const h = window.decodeHarness;
      // 64 × 64 gray PNG (colour type 0): left half 30, right half 220.
      const samples = new Uint8Array(64 * 64).map((_, i) => (i % 64 < 32 ? 30 : 220));
      const png = await h.encodePng(64, 64, 0, samples);
      const gray = await h.decodeInWorker(png, { side: 16, channels: 1, crop: 'centre', maxPixels: 1e6 });
      const rgb = await h.decodeInWorker(png, { side: 16, channels: 3, crop: 'centre', maxPixels: 1e6 });
      return [gray, rgb].map((r) => (r.ok ? Array.from(r.pixels) : []));
    });
    const [gray = [], rgb = []] = results;
    expect(gray.length).toBe(16 * 16);
    expect(pixel(gray, 5 * 16 + 2, 1)).toEqual([30]);
    expect(pixel(gray, 5 * 16 + 13, 1)).toEqual([220]);
    expect(pixel(rgb, 5 * 16 + 2, 3)).toEqual([30, 30, 30]);
    expect(pixel(rgb, 5 * 16 + 13, 3)).toEqual([220, 220, 220]);
  });

  test('transparent pixels of an RGBA PNG become white, not black; half alpha blends with white', async ({ page }) => {
    const pixels = await page.evaluate(async () => {
      const h = window.decodeHarness;
      // 48 × 48: left third transparent black, middle third half-transparent black, right third opaque red.
      const samples = new Uint8Array(48 * 48 * 4);
      for (let i = 0; i < 48 * 48; i++) {
        const column = i % 48;
        const alpha = column < 16 ? 0 : column < 32 ? 128 : 255;
        samples.set(column < 32 ? [0, 0, 0, alpha] : [255, 0, 0, 255], i * 4);
      }
      const result = await h.decodeInWorker(await h.encodePng(48, 48, 6, samples), { side: 12, channels: 3, crop: 'centre', maxPixels: 1e6 });
      return result.ok ? Array.from(result.pixels) : [];
    });
    expectClose(pixel(pixels, 6 * 12 + 1, 3), [255, 255, 255], 0);
    expectClose(pixel(pixels, 6 * 12 + 6, 3), [127, 127, 127], 2);
    expectClose(pixel(pixels, 6 * 12 + 10, 3), [255, 0, 0], 0);
  });

  test("a corrupt JPEG is 'corrupt', a non-image is 'unsupported'", async ({ page }) => {
    const results = await page.evaluate(async (options) => {
      const h = window.decodeHarness;
      const jpeg = await h.encodeRects(64, 64, [{ x: 10, y: 10, width: 20, height: 20, colour: '#123456' }], 'image/jpeg');
      // Keep the headers (SOI … SOF, tables) and cut the file in the middle of the scan.
      const truncated = jpeg.slice(0, Math.floor(jpeg.length * 0.6));
      // Keep the headers, then overwrite everything after them with garbage markers.
      const garbled = jpeg.slice();
      for (let i = 0; i < garbled.length; i++) if (i > 20) garbled[i] = 0xff;
      const text = new TextEncoder().encode('hello, I am not a picture');
      const out = [];
      for (const bytes of [truncated, garbled, text]) {
        const result = await h.decodeInWorker(bytes, options);
        out.push(result.ok ? 'ok' : result.reason);
      }
      return out;
    }, RGB_32);
    expect(results).toEqual(['corrupt', 'corrupt', 'unsupported']);
  });

  test("a PNG whose header claims 30000 × 30000 is 'too-large', refused without decoding", async ({ page }) => {
    const result = await page.evaluate(async (options) => {
      const h = window.decodeHarness;
      const { results, ms } = await h.decodeManyInWorker([h.pngHeaderOnly(30000, 30000)], options);
      return { result: results[0], ms };
    }, RGB_32);
    expect(result.result).toMatchObject({ ok: false, reason: 'too-large' });
    expect(result.result?.ok === false && result.result.message).toBe('30000×30000, 900.0 MP, over the 50.0 MP limit');
    // Decoding (or even allocating) 3.6 GB of RGBA would take seconds or crash the worker.
    expect(result.ms).toBeLessThan(50);
  });

  test('resize quality and speed: bitmap vs halving, against an exact box filter', async ({ page }, testInfo) => {
    const report = await page.evaluate(async () => {
      const h = window.decodeHarness;
      // 500 × 500 → 64: a factor of 7.8125, so neither method can lean on exact power-of-two
      // mip levels. Reference: the exact area-weighted average (each output pixel is the mean
      // of the source area it covers, fractional pixels weighted by overlap).
      // Content: 1-px checkerboard (aliasing test) over a smooth gradient (accuracy test).
      const side = 500;
      const samples = new Uint8Array(side * side * 3);
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          // Kept within 10..250: Uint8Array wraps rather than clamps.
          const stripe = (x + y) % 2 === 0 ? 60 : -60;
          const base = 70 + (x / side) * 100 + (y / side) * 20;
          samples.set([base + stripe, base, 255 - base], (y * side + x) * 3);
        }
      }
      const png = await h.encodePng(side, side, 2, samples);
      const scale = side / 64;
      // weights[t][x]: how much of source column x falls in output column t (rows alike).
      const weights = Array.from({ length: 64 }, (_, t) =>
        Array.from({ length: side }, (_, x) => Math.max(0, Math.min(x + 1, (t + 1) * scale) - Math.max(x, t * scale)) / scale),
      );
      const reference: number[] = [];
      for (let ty = 0; ty < 64; ty++) {
        for (let tx = 0; tx < 64; tx++) {
          for (let c = 0; c < 3; c++) {
            let sum = 0;
            for (let y = Math.floor(ty * scale); y < Math.min(side, Math.ceil((ty + 1) * scale)); y++) {
              for (let x = Math.floor(tx * scale); x < Math.min(side, Math.ceil((tx + 1) * scale)); x++) {
                sum += (weights[ty]?.[y] ?? 0) * (weights[tx]?.[x] ?? 0) * (samples[(y * side + x) * 3 + c] ?? 0);
              }
            }
            reference.push(sum);
          }
        }
      }
      const photos: Uint8Array[] = [];
      for (let i = 0; i < 40; i++) photos.push(await h.encodePhotoLike(500, 500, i + 1));
      const out: Record<string, { meanError: number; maxError: number; imagesPerSecond: number }> = {};
      for (const resize of ['bitmap', 'halving'] as const) {
        const options = { side: 64, channels: 3, crop: 'centre', maxPixels: 50_000_000, resize } as const;
        const result = await h.decodeInWorker(png, options);
        if (!result.ok) throw new Error(result.message);
        let total = 0;
        let max = 0;
        result.pixels.forEach((value, i) => {
          const error = Math.abs(value - (reference[i] ?? 0));
          total += error;
          max = Math.max(max, error);
        });
        await h.decodeManyInWorker(photos.slice(0, 5), options); // warm-up
        const { results, ms } = await h.decodeManyInWorker(photos, options);
        if (!results.every((r) => r.ok)) throw new Error('a photo failed to decode');
        out[resize] = { meanError: total / result.pixels.length, maxError: max, imagesPerSecond: (photos.length / ms) * 1000 };
      }
      return out;
    });
    testInfo.annotations.push({ type: 'resize', description: JSON.stringify(report) });
    console.log('resize comparison (500→64 error vs area average; 500×500 JPEG → 64 px images/s):', JSON.stringify(report));
    // Both must be close to the area average (the checkerboard averages out), not aliased.
    expect(report['bitmap']?.meanError).toBeLessThan(2);
    expect(report['halving']?.meanError).toBeLessThan(2);
    expect(report['bitmap']?.imagesPerSecond).toBeGreaterThan(20);
  });
});
