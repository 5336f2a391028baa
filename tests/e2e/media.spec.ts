import { readFile, writeFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';

// The media exports in real Chromium: time-lapses from synthetic grid PNGs as GIF (walked block
// by block) and WebM (walked element by element: WebCodecs VP9/VP8 in mediabunny's WebM container),
// PNG exports at 1×/2×/4×, the step label, and the export control itself.

async function openHarness(page: Page): Promise<void> {
  await page.goto('/tests/e2e/harness/media.html');
  await expect(page.locator('#status')).toHaveText('ready');
}

const fromBase64 = (base64: string): Uint8Array => new Uint8Array(Buffer.from(base64, 'base64'));

interface GifSummary {
  version: string;
  width: number;
  height: number;
  controlExtensions: number;
  images: number;
  delays: number[];
  trailer: boolean;
}

/** Walks a GIF's blocks as a decoder does (header, global table, extensions, images, trailer). */
function walkGif(bytes: Uint8Array): GifSummary {
  const u16 = (at: number): number => (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
  const packed = bytes[10] ?? 0;
  const summary: GifSummary = {
    version: String.fromCharCode(...bytes.subarray(0, 6)),
    width: u16(6),
    height: u16(8),
    controlExtensions: 0,
    images: 0,
    delays: [],
    trailer: false,
  };
  const skipSubBlocks = (from: number): number => {
    let at = from;
    while ((bytes[at] ?? 0) !== 0) at += (bytes[at] ?? 0) + 1;
    return at + 1;
  };
  let at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  while (at < bytes.length) {
    const introducer = bytes[at];
    if (introducer === 0x3b) {
      summary.trailer = at === bytes.length - 1;
      break;
    }
    if (introducer === 0x21) {
      if (bytes[at + 1] === 0xf9) {
        summary.controlExtensions++;
        summary.delays.push(u16(at + 4));
      }
      at = skipSubBlocks(at + 2);
    } else if (introducer === 0x2c) {
      summary.images++;
      const local = bytes[at + 9] ?? 0;
      at += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0);
      at = skipSubBlocks(at + 1); // LZW minimum code size, then the data sub-blocks
    } else {
      throw new Error(`unexpected GIF block 0x${(introducer ?? 0).toString(16)} at ${at}`);
    }
  }
  return summary;
}

interface WebmSummary {
  docType: string;
  codecId: string;
  pixelWidth: number;
  pixelHeight: number;
  simpleBlocks: number;
  /** Segment Info Duration, in timecode units. */
  duration: number;
  /** Absolute block times in the file's timecode units (1 ms with mediabunny's default scale). */
  blockTimes: number[];
}

const EBML = 0x1a45dfa3;
/** Master elements whose children matter here: EBML header, Segment, Info, Tracks, TrackEntry, Video, Cluster, BlockGroup. */
const MASTERS = new Set([EBML, 0x18538067, 0x1549a966, 0x1654ae6b, 0xae, 0xe0, 0x1f43b675, 0xa0]);

/** A tiny EBML walker: IDs keep their length marker, sizes drop it; all-ones size means "unknown". */
function walkWebm(bytes: Uint8Array): WebmSummary {
  const summary: WebmSummary = { docType: '', codecId: '', pixelWidth: 0, pixelHeight: 0, simpleBlocks: 0, duration: NaN, blockTimes: [] };
  const vint = (at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } => {
    const first = bytes[at] ?? 0;
    let length = 1;
    while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
    if (length > 8) throw new Error(`bad EBML vint at ${at}`);
    let value = keepMarker ? first : first & (0xff >> length);
    let allOnes = value === (0xff >> length);
    for (let i = 1; i < length; i++) {
      const byte = bytes[at + i] ?? 0;
      value = value * 256 + byte;
      if (byte !== 0xff) allOnes = false;
    }
    return { value, length, unknown: !keepMarker && allOnes };
  };
  const uint = (at: number, size: number): number => {
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + (bytes[at + i] ?? 0);
    return value;
  };
  const text = (at: number, size: number): string => String.fromCharCode(...bytes.subarray(at, at + size)).replace(/\0+$/, '');
  let clusterTime = 0;
  const walk = (start: number, end: number): void => {
    let at = start;
    while (at < end) {
      const id = vint(at, true);
      const size = vint(at + id.length, false);
      const body = at + id.length + size.length;
      const bodyEnd = size.unknown ? end : body + size.value;
      if (bodyEnd > end) throw new Error(`element 0x${id.value.toString(16)} overruns its parent`);
      if (MASTERS.has(id.value)) walk(body, bodyEnd);
      else if (id.value === 0x4282) summary.docType = text(body, size.value);
      else if (id.value === 0x86) summary.codecId = text(body, size.value);
      else if (id.value === 0xb0) summary.pixelWidth = uint(body, size.value);
      else if (id.value === 0xba) summary.pixelHeight = uint(body, size.value);
      else if (id.value === 0x4489) summary.duration = new DataView(bytes.buffer, bytes.byteOffset + body, size.value)[size.value === 8 ? 'getFloat64' : 'getFloat32'](0);
      else if (id.value === 0xe7) clusterTime = uint(body, size.value);
      else if (id.value === 0xa3 || id.value === 0xa1) {
        if (id.value === 0xa3) summary.simpleBlocks++;
        // Track number (a vint), then a signed 16-bit time relative to the cluster.
        const track = vint(body, false);
        const relative = new DataView(bytes.buffer, bytes.byteOffset + body + track.length, 2).getInt16(0);
        summary.blockTimes.push(clusterTime + relative);
      }
      at = bodyEnd;
    }
  };
  expect(uint(0, 4)).toBe(EBML);
  walk(0, bytes.length);
  return summary;
}

test.describe('media exports', () => {
  test.beforeEach(async ({ page }) => openHarness(page));

  test('WebCodecs can encode VP9 or VP8 in this Chromium', async ({ page }) => {
    const support = await page.evaluate(() => window.mediaHarness.webmSupport());
    // Checked on Debian's Chromium 156 headless with tests/e2e/chromium.ts's flags: VP9 works.
    expect(support).toEqual({ supported: true, codec: expect.stringMatching(/^(vp09|vp8)/) });
  });

  test('a GIF time-lapse of N grids: GIF89a, upscaled screen, N frames at 1/fps', async ({ page }) => {
    const N = 6;
    // 96 × 64 grids are upscaled ×4 (exportScale) to 384 × 256.
    const result = await page.evaluate((n) => window.mediaHarness.timelapse('gif', n, 96, 64, 10), N);
    expect(result.type).toBe('image/gif');
    expect(result.progress).toEqual([1, 2, 3, 4, 5, 6]);
    const gif = walkGif(fromBase64(result.base64));
    expect(gif.version).toBe('GIF89a');
    expect([gif.width, gif.height]).toEqual([384, 256]);
    expect(gif.controlExtensions).toBe(N);
    expect(gif.images).toBe(N);
    expect(gif.delays).toEqual(Array(N).fill(10)); // centiseconds
    expect(gif.trailer).toBe(true);
  });

  test('a WebM time-lapse of N grids: EBML, DocType webm, N blocks at 1/fps', async ({ page }) => {
    const N = 7;
    const result = await page.evaluate((n) => window.mediaHarness.timelapse('webm', n, 96, 64, 10), N);
    expect(result.type).toBe('video/webm');
    expect(result.progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const bytes = fromBase64(result.base64);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
    const webm = walkWebm(bytes);
    expect(webm.docType).toBe('webm');
    expect(['V_VP9', 'V_VP8']).toContain(webm.codecId);
    expect([webm.pixelWidth, webm.pixelHeight]).toEqual([384, 256]);
    expect(webm.simpleBlocks).toBe(N);
    expect(webm.blockTimes).toEqual([0, 100, 200, 300, 400, 500, 600]);
    // The last frame is shown for 1/fps too: 7 frames at 10 fps last 700 ms.
    expect(webm.duration).toBe(700);
    // Chromium's own demuxer reads it as a 384 × 256 video of about N / fps seconds.
    const metadata = await page.evaluate((base64) => window.mediaHarness.videoMetadata(base64, 'video/webm'), result.base64);
    expect(metadata).toEqual({ width: 384, height: 256, duration: expect.closeTo(N / 10, 1) });
  });

  test('encodeWebm pads odd sizes to even and keeps every frame', async ({ page }) => {
    const base64 = await page.evaluate(() => window.mediaHarness.webmFromRgba(5, 33, 21, 5));
    const webm = walkWebm(fromBase64(base64));
    expect([webm.pixelWidth, webm.pixelHeight]).toEqual([34, 22]);
    expect(webm.simpleBlocks).toBe(5);
    expect(webm.blockTimes).toEqual([0, 200, 400, 600, 800]);
    expect(webm.duration).toBe(1000);
  });

  test('aborting an export rejects with AbortError, for both formats', async ({ page }) => {
    const names = await page.evaluate(async () => [await window.mediaHarness.abortedTimelapse('gif', 3), await window.mediaHarness.abortedTimelapse('webm', 3)]);
    expect(names).toEqual(['AbortError', 'AbortError']);
  });

  test('PNG exports decode to S, 2S and 4S sides with every pixel exact', async ({ page }) => {
    const results = await page.evaluate(() => window.mediaHarness.pngRoundTrip(40, 24));
    expect(results).toEqual([
      { scale: 1, width: 40, height: 24, exact: true },
      { scale: 2, width: 80, height: 48, exact: true },
      { scale: 4, width: 160, height: 96, exact: true },
    ]);
  });

  test('a label changes only a small strip in the top-left corner, with light text on dark', async ({ page }) => {
    const result = await page.evaluate(() => window.mediaHarness.labelChanges(576, 336, 'step 1,200'));
    expect(result.box).not.toBeNull();
    const box = result.box ?? { x0: 0, y0: 0, x1: 0, y1: 0 };
    expect([box.x0, box.y0]).toEqual([0, 0]);
    // 14-px text on a 336-px grid: a strip about 24 px tall and under 120 px wide.
    expect(box.y1).toBeGreaterThanOrEqual(16);
    expect(box.y1).toBeLessThan(32);
    expect(box.x1).toBeGreaterThan(50);
    expect(box.x1).toBeLessThan(120);
    expect(result.changed).toBe((box.x1 + 1) * (box.y1 + 1)); // the whole strip, nothing outside it
    expect(result.light).toBeGreaterThan(40); // text was drawn
    expect(result.dark).toBeGreaterThan(result.light);
    // MEDIA_LABEL_PNG=path saves a labelled grid, to judge legibility by eye.
    const savePath = process.env['MEDIA_LABEL_PNG'];
    if (savePath) {
      const png = await page.evaluate(() => window.mediaHarness.labelledPng(576, 336, 'step 1,200'));
      await writeFile(savePath, Buffer.from(png, 'base64'));
    }
  });

  test('the export control: disabled under two grids; GIF and WebM download', async ({ page }) => {
    await page.evaluate(() => window.mediaHarness.mountExport(1));
    const button = page.getByRole('button', { name: 'Export time-lapse' });
    await expect(button).toBeDisabled();
    await expect(page.getByText('A time-lapse needs at least two saved grids.')).toBeVisible();

    await page.evaluate(() => window.mediaHarness.mountExport(4));
    await expect(button).toBeEnabled();
    const format = page.getByLabel('Time-lapse format');
    const rate = page.getByLabel('Frame rate');
    await expect(rate).toHaveValue('10');
    // WebCodecs works here (see above), so WebM is offered.
    await expect(format.locator('option[value="webm"]')).toBeEnabled();

    for (const [value, fileName, magic] of [
      ['gif', 'ganvas-timelapse.gif', [0x47, 0x49, 0x46, 0x38]],
      ['webm', 'ganvas-timelapse.webm', [0x1a, 0x45, 0xdf, 0xa3]],
    ] as const) {
      await format.selectOption(value);
      await rate.selectOption('5');
      const downloading = page.waitForEvent('download');
      await button.click();
      const download = await downloading;
      expect(download.suggestedFilename()).toBe(fileName);
      const bytes = await readFile(await download.path());
      expect(Array.from(bytes.subarray(0, 4))).toEqual(magic);
      await expect(button).toBeEnabled();
    }
    await expect(page.getByRole('alert')).toHaveCount(0);
  });

  test('without WebCodecs, webmSupport says why and the control disables WebM with the reason', async ({ page }) => {
    // Stands in for a browser without VideoEncoder (this Chromium has one).
    const support = await page.evaluate(() => {
      Reflect.deleteProperty(window, 'VideoEncoder');
      return window.mediaHarness.webmSupport();
    });
    expect(support).toEqual({ supported: false, reason: expect.stringMatching(/WebCodecs/) });
    await page.evaluate(() => window.mediaHarness.mountExport(3));
    await expect(page.getByLabel('Time-lapse format').locator('option[value="webm"]')).toBeDisabled();
    await expect(page.getByText(/WebM unavailable: .*WebCodecs/)).toBeVisible();
    await expect(page.getByLabel('Time-lapse format')).toHaveValue('gif');
    await expect(page.getByRole('button', { name: 'Export time-lapse' })).toBeEnabled();
  });
});
