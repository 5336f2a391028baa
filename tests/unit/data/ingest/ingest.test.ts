/**
 * The ingest pipeline end to end in Node: real zips (zip-fixtures), the real zip reader,
 * classification, cache keys and report, with one substitution: Node has no createImageBitmap,
 * so `decode` is a small but real decoder for uncompressed 24-bit BMP written below, returning
 * decodeToPixels' result shape (and reusing its packPixels and header checks). The browser
 * decoder itself is covered by the end-to-end tests (tests/e2e/decode.spec.ts).
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { buildZip, directory, noise, type FixtureEntry } from '../zip/zip-fixtures.ts';
import { ingestPixels, ingestZip, namingTheFile, type IngestDeps } from '../../../../src/data/ingest/ingest.ts';
import { IngestError } from '../../../../src/data/ingest/ingest-error.ts';
import { sampleGrid } from '../../../../src/data/ingest/sample-grid.ts';
import { cropRectangle, packPixels, type DecodeOptions, type DecodeResult } from '../../../../src/data/ingest/decode.ts';
import { isWithinPixelLimit, readImageDimensions, sniffImageFormat } from '../../../../src/data/ingest/image-header.ts';
import type { CachedDataset, CachedDatasetMeta, DatasetCache, PutResult } from '../../../../src/data/storage/cache.ts';
import { datasetIdentity, describeReport, reportAdvice, type DatasetOptions, type DatasetReport, type LoadProgress } from '../../../../src/protocol/dataset.ts';
import { hashPixels } from '../../../../src/data/ingest/pixel-hash.ts';

// ---------------------------------------------------------------------------------------------
// BMP: written and read here

/** An RGB image, row-major, 3 bytes per pixel. */
interface Rgb {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** A recognisable image: every pixel differs, and `seed` makes images differ from each other. */
function pattern(width: number, height: number, seed: number): Rgb {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = (seed * 37 + x * 11) & 0xff;
      pixels[i + 1] = (seed * 53 + y * 13) & 0xff;
      pixels[i + 2] = (seed * 71 + x * y) & 0xff;
    }
  }
  return { width, height, pixels };
}

/** An uncompressed 24-bit BMP: BITMAPINFOHEADER, bottom-up rows of BGR padded to 4 bytes. */
function encodeBmp(image: Rgb): Uint8Array {
  const stride = Math.ceil((image.width * 3) / 4) * 4;
  const bytes = new Uint8Array(54 + stride * image.height);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42; // 'B'
  bytes[1] = 0x4d; // 'M'
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, image.width, true);
  view.setInt32(22, image.height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  view.setUint32(34, stride * image.height, true);
  for (let y = 0; y < image.height; y++) {
    const row = 54 + (image.height - 1 - y) * stride;
    for (let x = 0; x < image.width; x++) {
      const from = (y * image.width + x) * 3;
      bytes[row + x * 3] = image.pixels[from + 2] ?? 0;
      bytes[row + x * 3 + 1] = image.pixels[from + 1] ?? 0;
      bytes[row + x * 3 + 2] = image.pixels[from] ?? 0;
    }
  }
  return bytes;
}

/** A BMP header that declares `width × height` and carries no pixel data. */
function bmpHeaderOnly(width: number, height: number): Uint8Array {
  const bytes = encodeBmp({ width: 1, height: 1, pixels: new Uint8Array(3) }).slice(0, 54);
  const view = new DataView(bytes.buffer);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  return bytes;
}

/**
 * Decodes 24-bit BMPs like decodeToPixels does other formats: sniff, check the header's size
 * against maxPixels, crop, resize (box average; nearest for non-integer factors), composite
 * and pack with the app's own packPixels.
 */
async function decodeBmp(bytes: Uint8Array, options: DecodeOptions): Promise<DecodeResult> {
  await Promise.resolve(); // results arrive asynchronously, as from a worker
  if (sniffImageFormat(bytes) !== 'bmp') return { ok: false, reason: 'unsupported', message: 'not a BMP' };
  const header = readImageDimensions(bytes);
  if (header === null) return { ok: false, reason: 'corrupt', message: 'unreadable BMP header' };
  if (!isWithinPixelLimit(header.width, header.height, options.maxPixels)) return { ok: false, reason: 'too-large', message: 'too many pixels' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { width, height } = header;
  const offset = view.getUint32(10, true);
  const stride = Math.ceil((width * 3) / 4) * 4;
  if (view.getUint16(28, true) !== 24 || view.getUint32(30, true) !== 0) return { ok: false, reason: 'unsupported', message: 'not 24-bit BI_RGB' };
  if (offset + stride * height > bytes.length) return { ok: false, reason: 'corrupt', message: 'truncated pixel data' };
  const at = (x: number, y: number, c: number): number => bytes[offset + (height - 1 - y) * stride + x * 3 + (2 - c)] ?? 0;

  if (options.crop === 'faces') return { ok: false, reason: 'unsupported', message: 'this stand-in decoder does not find faces' };
  const rect = cropRectangle(width, height, options.crop);
  const { side } = options;
  const rgba = new Uint8ClampedArray(side * side * 4);
  const fx = rect.width / side;
  const fy = rect.height / side;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        let n = 0;
        const boxW = Number.isInteger(fx) ? fx : 1;
        const boxH = Number.isInteger(fy) ? fy : 1;
        for (let dy = 0; dy < boxH; dy++) {
          for (let dx = 0; dx < boxW; dx++) {
            sum += at(rect.x + Math.floor(x * fx) + dx, rect.y + Math.floor(y * fy) + dy, c);
            n++;
          }
        }
        rgba[(y * side + x) * 4 + c] = Math.round(sum / n);
      }
      rgba[(y * side + x) * 4 + 3] = 255;
    }
  }
  return { ok: true, pixels: packPixels(rgba, side, options.channels) };
}

// ---------------------------------------------------------------------------------------------
// An in-memory DatasetCache: the real interface, kept in a Map (Node has no IndexedDB)

class MemoryCache implements DatasetCache {
  readonly records = new Map<string, CachedDataset>();
  puts = 0;
  gets = 0;
  constructor(private readonly failWith: PutResult | null = null) {}

  async get(key: string): Promise<CachedDataset | null> {
    this.gets++;
    const entry = this.records.get(key);
    // Structured clone, as IndexedDB would hand back.
    return entry ? { ...entry, pixels: entry.pixels.slice() } : null;
  }
  async put(entry: CachedDataset): Promise<PutResult> {
    this.puts++;
    if (this.failWith) return this.failWith;
    this.records.set(entry.key, { ...entry, pixels: entry.pixels.slice(), report: structuredClone(entry.report) });
    return { ok: true };
  }
  async list(): Promise<CachedDatasetMeta[]> {
    return [...this.records.values()].map(({ pixels: _pixels, ...meta }) => meta);
  }
  async delete(key: string): Promise<void> {
    this.records.delete(key);
  }
  async clear(): Promise<void> {
    this.records.clear();
  }
  close(): void {}
}

// ---------------------------------------------------------------------------------------------
// Helpers

const OPTIONS: DatasetOptions = { side: 4, channels: 3, crop: 'centre' };
const IMAGE_LENGTH = 4 * 4 * 3;

function zipFile(entries: readonly FixtureEntry[], name = 'faces.zip'): File {
  return new File([buildZip(entries)], name, { lastModified: 1_700_000_000_000 });
}

function deps(overrides: Partial<IngestDeps> = {}): IngestDeps & { events: LoadProgress[] } {
  const events: LoadProgress[] = [];
  return { decode: decodeBmp, cache: null, onProgress: (p) => events.push(p), signal: new AbortController().signal, events, ...overrides };
}

async function ingestError(promise: Promise<unknown>): Promise<IngestError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IngestError);
  return error as IngestError;
}

/** N plain 4×4 images named img-00.bmp… */
function plainImages(count: number): FixtureEntry[] {
  return Array.from({ length: count }, (_, i) => ({ name: `img-${String(i).padStart(2, '0')}.bmp`, data: encodeBmp(pattern(4, 4, i)) }));
}

/** A realistic messy zip: nested folders, macOS junk, text files, broken and hostile entries. */
function messyZip(): { entries: FixtureEntry[]; expected: Uint8Array } {
  const a = pattern(4, 4, 1);
  const b = pattern(4, 4, 2);
  const c = pattern(4, 4, 3);
  const wide = pattern(8, 4, 4); // centre crop: columns 2..5
  const croppedWide = new Uint8Array(IMAGE_LENGTH);
  for (let y = 0; y < 4; y++) croppedWide.set(wide.pixels.subarray((y * 8 + 2) * 3, (y * 8 + 6) * 3), y * 12);
  const entries: FixtureEntry[] = [
    directory('faces/'),
    { name: 'faces/a.bmp', data: encodeBmp(a) },
    directory('faces/2019/'),
    { name: 'faces/2019/b.bmp', data: encodeBmp(b), method: 'store' },
    directory('__MACOSX/'),
    { name: '__MACOSX/faces/._a.bmp', data: 'resource fork' },
    { name: '.DS_Store', data: 'junk' },
    { name: 'readme.txt', data: 'hello' },
    { name: 'faces/notes.md', data: '# notes' },
    { name: 'faces/empty.bmp', data: '' },
    { name: 'faces/broken.bmp', data: 'BM this is not a bitmap' },
    { name: 'faces/renamed.jpg', data: 'plain text with a .jpg name' },
    { name: 'faces/crc.bmp', data: encodeBmp(pattern(4, 4, 9)), crc: 0x12345678 },
    { name: 'faces/locked.bmp', data: encodeBmp(pattern(4, 4, 10)), encrypted: true },
    // Declared 2 MB, deflates to ~2 KB: refused from the directory alone.
    { name: 'faces/bomb.bmp', data: new Uint8Array(2 * 1024 * 1024) },
    // Declares 100 bytes but inflates to 5,000: caught while inflating.
    { name: 'faces/liar.bmp', data: new Uint8Array(5000), declaredSize: 100 },
    { name: 'faces/huge.bmp', data: bmpHeaderOnly(10_000, 10_000) },
    { name: 'faces/c.bmp', data: encodeBmp(c) },
    { name: 'faces/deep/er/wide.bmp', data: encodeBmp(wide) },
  ];
  const expected = new Uint8Array(4 * IMAGE_LENGTH);
  [a.pixels, b.pixels, c.pixels, croppedWide].forEach((pixels, i) => expected.set(pixels, i * IMAGE_LENGTH));
  return { entries, expected };
}

// ---------------------------------------------------------------------------------------------

describe('ingestZip: a messy real-world zip', () => {
  test('keeps the decodable images, in zip order, with exact pixels', async () => {
    const { entries, expected } = messyZip();
    const { set } = await ingestZip(zipFile(entries), OPTIONS, deps());
    expect(set).toMatchObject({ count: 4, side: 4, channels: 3 });
    expect(Array.from(set.pixels)).toEqual(Array.from(expected));
  });

  test('counts every skipped entry by reason, with names', async () => {
    const { report } = await ingestZip(zipFile(messyZip().entries), OPTIONS, deps());
    const byReason = Object.fromEntries(report.skipped.map((g) => [g.reason, { count: g.count, names: g.names }]));
    expect(byReason).toEqual({
      directory: { count: 3, names: ['faces/', 'faces/2019/', '__MACOSX/'] },
      hidden: { count: 2, names: ['__MACOSX/faces/._a.bmp', '.DS_Store'] },
      // Judged by content: text named .jpg is not an image, whatever its name says.
      'not-image': { count: 3, names: ['readme.txt', 'faces/notes.md', 'faces/renamed.jpg'] },
      empty: { count: 1, names: ['faces/empty.bmp'] },
      corrupt: { count: 2, names: ['faces/broken.bmp', 'faces/crc.bmp'] },
      encrypted: { count: 1, names: ['faces/locked.bmp'] },
      // Named with their sizes.
      'zip-bomb': { count: 2, names: ['faces/bomb.bmp (2 MB from 2 KB)', 'faces/liar.bmp (more than its declared 100 bytes)'] },
      'too-large': { count: 1, names: ['faces/huge.bmp (too many pixels)'] },
    });
    // Largest group first.
    const counts = report.skipped.map((g) => g.count);
    expect(counts).toEqual([...counts].sort((x, y) => y - x));
    expect(report).toMatchObject({ source: 'zip', name: 'faces.zip', count: 4, side: 4, channels: 3, crop: 'centre' });
  });

  test('describeReport reads well for it', async () => {
    const { report } = await ingestZip(zipFile(messyZip().entries), OPTIONS, deps());
    expect(describeReport(report)).toBe(
      'Loaded 4 images (4×4 RGB, centre-cropped); skipped 10: 3 not images, 2 corrupt, 2 zip bombs, 1 too large, 1 password-protected, 1 empty file',
    );
    expect(reportAdvice(report)).toEqual([
      '2 zip bombs: they unpack to over 100 times their compressed size (the limit for files above 1 MB) or to more than they declare; not loaded.',
      '1 too large: over the 50 MB limit per file or the 50 megapixel limit per image.',
      '1 password-protected file: re-zip without a password.',
    ]);
  });

  test('grayscale and squash options reach the decoder', async () => {
    const wide = pattern(8, 4, 4);
    const { set } = await ingestZip(zipFile([{ name: 'w.bmp', data: encodeBmp(wide) }]), { side: 4, channels: 1, crop: 'squash' }, deps());
    // Squash 8×4 → 4×4 averages horizontal pairs; luma of each.
    const px = (x: number, c: number): number => wide.pixels[x * 3 + c] ?? 0;
    const r = Math.round((px(0, 0) + px(1, 0)) / 2);
    const g = Math.round((px(0, 1) + px(1, 1)) / 2);
    const b = Math.round((px(0, 2) + px(1, 2)) / 2);
    expect(set.pixels.length).toBe(16);
    expect(set.pixels[0]).toBe(Math.round(0.299 * r + 0.587 * g + 0.114 * b));
  });
});

describe('ingestZip: whole-file errors', () => {
  test('not a zip', async () => {
    const file = new File(['just some text, no zip here'], 'faces.zip');
    const error = await ingestError(ingestZip(file, OPTIONS, deps()));
    expect(error.code).toBe('not-a-zip');
    expect(error.message).toBe('faces.zip is not a zip archive. Choose a .zip of images.');
  });

  test('an empty zip', async () => {
    const error = await ingestError(ingestZip(zipFile([]), OPTIONS, deps()));
    expect(error.code).toBe('empty');
    expect(error.message).toMatch(/^faces\.zip is an empty zip archive/);
  });

  test('a truncated zip (an interrupted download)', async () => {
    const bytes = buildZip(plainImages(3));
    const file = new File([bytes.subarray(0, bytes.length - 40)], 'faces.zip');
    const error = await ingestError(ingestZip(file, OPTIONS, deps()));
    expect(error.code).toBe('truncated');
    expect(error.message).toMatch(/faces\.zip is incomplete/);
  });

  test('no decodable image says what was found instead', async () => {
    const entries: FixtureEntry[] = [
      { name: 'a.txt', data: 'a' },
      { name: 'b.txt', data: 'b' },
      { name: 'c.csv', data: 'c' },
      { name: 'x.bmp', data: 'BM broken' },
      { name: 'y.bmp', data: 'BM broken too' },
      directory('photos/'),
    ];
    const error = await ingestError(ingestZip(zipFile(entries), OPTIONS, deps()));
    expect(error.code).toBe('no-images');
    expect(error.message).toMatch(/^No usable images in faces\.zip: 3 not images, 2 corrupt\. /);
  });

  test('only junk: folders and hidden files are named rather than an empty list', async () => {
    const error = await ingestError(ingestZip(zipFile([directory('__MACOSX/'), { name: '__MACOSX/._a.jpg', data: 'x' }]), OPTIONS, deps()));
    expect(error.message).toMatch(/^No usable images in faces\.zip: 1 hidden or system file, 1 folder\./);
  });

  test('a set too big for memory fails before decoding anything', async () => {
    let decodes = 0;
    const entries = Array.from({ length: 200 }, (_, i) => ({ name: `${i}.bmp`, data: 'BM' }));
    const error = await ingestError(
      ingestZip(zipFile(entries), { side: 4096, channels: 3, crop: 'centre' }, deps({ decode: async (b, o) => (decodes++, decodeBmp(b, o)) })),
    );
    expect(error.code).toBe('out-of-memory');
    expect(error.message).toMatch(/^faces\.zip: 200 images at 4096×4096 need .* Choose a smaller image size/);
    expect(decodes).toBe(0);
  });

  test('a decoder that breaks (rejects) fails the load with its own message', async () => {
    const error = await ingestError(ingestZip(zipFile(plainImages(6)), OPTIONS, deps({ decode: () => Promise.reject(new Error('worker gone')) })));
    expect(error.code).toBe('decoder-failed');
    expect(error.message).toMatch(/worker gone/);
  });
});

/** Bytes that start like a HEIC photo from an iPhone (ftyp box with the heic brand). */
function heicHeader(): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set([0, 0, 0, 0x18], 0);
  bytes.set(new TextEncoder().encode('ftypheic\0\0\0\0mif1heic'), 4);
  return bytes;
}

/** Entries in each new skip group, for the word-for-word tests below. */
function awkwardZip(): FixtureEntry[] {
  return [
    { name: 'ok/a.bmp', data: encodeBmp(pattern(4, 4, 1)) },
    { name: 'ok/b.bmp', data: encodeBmp(pattern(8, 6, 2)) },
    { name: 'tiny.bmp', data: encodeBmp(pattern(1, 1, 3)) },
    { name: 'strip.bmp', data: encodeBmp(pattern(3, 500, 4)) },
    { name: 'banner.bmp', data: bmpHeaderOnly(5000, 20) },
    { name: 'IMG_0001.HEIC', data: heicHeader() },
    { name: 'IMG_0002.heic', data: heicHeader() },
    { name: 'scan.tif', data: new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0]) },
    { name: 'logo.svg', data: '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>' },
    { name: 'page.png', data: '<!DOCTYPE html><html><body><svg></svg>not a picture</body></html>' },
    { name: 'photo.jpg.txt', data: encodeBmp(pattern(4, 4, 5)) },
    { name: 'bomb.png', data: noise(3000), declaredSize: 1024 * 1024 * 1024 },
    { name: 'lzma.png', data: encodeBmp(pattern(4, 4, 6)), methodCode: 14 },
    { name: 'locked.png', data: encodeBmp(pattern(4, 4, 7)), encrypted: true },
  ];
}

describe('ingestZip: skip rules and their wording', () => {
  test('each new rule is its own group, with names, details and advice, word for word', async () => {
    const { set, report } = await ingestZip(zipFile(awkwardZip(), 'awkward.zip'), OPTIONS, deps());
    // a.bmp, b.bmp and the BMP named .txt (judged by its content).
    expect(set.count).toBe(3);
    const groups = Object.fromEntries(report.skipped.map((g) => [g.format ?? g.reason, { label: g.label, names: g.names, advice: g.advice }]));
    expect(groups).toEqual({
      HEIC: { label: 'HEIC photos', names: ['IMG_0001.HEIC', 'IMG_0002.heic'], advice: "2 HEIC photos: this browser can't decode HEIC; convert to JPEG." },
      'aspect-ratio': {
        label: 'too narrow or too wide',
        names: ['strip.bmp (3×500)', 'banner.bmp (5000×20)'],
        advice: '2 too narrow or too wide: one side over 3 times the other; crop them nearer to square.',
      },
      TIFF: { label: 'TIFF image', names: ['scan.tif'], advice: "1 TIFF image: this browser can't decode TIFF; convert to JPEG or PNG." },
      SVG: { label: 'SVG image', names: ['logo.svg'], advice: "1 SVG image: this browser can't decode SVG; convert to PNG." },
      'not-image': { label: 'not an image', names: ['page.png'], advice: undefined },
      'too-small': {
        label: 'too small',
        names: ['tiny.bmp (1×1)'],
        advice: '1 too small: under 2 px on the short side (half the 4 px training size); use larger photos or a smaller image size.',
      },
      'zip-bomb': {
        label: 'zip bomb',
        names: ['bomb.png (1 GB from 2.9 KB)'],
        advice: '1 zip bomb: it unpacks to over 100 times its compressed size (the limit for files above 1 MB) or to more than it declares; not loaded.',
      },
      encrypted: { label: 'password-protected', names: ['locked.png'], advice: '1 password-protected file: re-zip without a password.' },
      'unsupported-compression': {
        label: 'with an unsupported compression method',
        names: ['lzma.png'],
        advice: '1 file compressed with LZMA (method 14): re-zip with standard (Deflate) compression.',
      },
    });
    expect(describeReport(report)).toBe(
      'Loaded 3 images (4×4 RGB, centre-cropped); skipped 11: 2 HEIC photos, 2 too narrow or too wide, 1 not an image, 1 TIFF image, 1 SVG image, ' +
        '1 too small, 1 zip bomb, 1 password-protected, 1 with an unsupported compression method',
    );
  });

  test('the minimum size follows the training size: half of it on the short side', async () => {
    const entries = [8, 15, 16, 40].map((side) => ({ name: `${side}.bmp`, data: encodeBmp(pattern(side, side, side)) }));
    const { set, report } = await ingestZip(zipFile(entries), { side: 32, channels: 3, crop: 'centre' }, deps());
    expect(set.count).toBe(2);
    expect(report.skipped).toEqual([
      {
        reason: 'too-small',
        label: 'too small',
        count: 2,
        names: ['8.bmp (8×8)', '15.bmp (15×15)'],
        advice: '2 too small: under 16 px on the short side (half the 32 px training size); use larger photos or a smaller image size.',
      },
    ]);
  });

  test('no usable image: the advice fits the cause, not a list of formats', async () => {
    const locked = [1, 2].map((i) => ({ name: `p${i}.png`, data: encodeBmp(pattern(4, 4, i)), encrypted: true }));
    expect((await ingestError(ingestZip(zipFile(locked, 'locked.zip'), OPTIONS, deps()))).message).toBe(
      'No usable images in locked.zip: 2 password-protected. 2 password-protected files: re-zip without a password.',
    );
    const lzma = [1, 2].map((i) => ({ name: `p${i}.png`, data: encodeBmp(pattern(4, 4, i)), methodCode: i === 1 ? 14 : 12 }));
    expect((await ingestError(ingestZip(zipFile(lzma, '7z.zip'), OPTIONS, deps()))).message).toBe(
      'No usable images in 7z.zip: 2 with an unsupported compression method. 2 files compressed with LZMA (method 14) or BZIP2 (method 12): re-zip with standard (Deflate) compression.',
    );
    const iphone = [{ name: 'IMG_1.HEIC', data: heicHeader() }];
    expect((await ingestError(ingestZip(zipFile(iphone, 'iphone.zip'), OPTIONS, deps()))).message).toBe(
      "No usable images in iphone.zip: 1 HEIC photo. 1 HEIC photo: this browser can't decode HEIC; convert to JPEG.",
    );
    const text = [{ name: 'notes.txt', data: 'hello' }];
    expect((await ingestError(ingestZip(zipFile(text, 'notes.zip'), OPTIONS, deps()))).message).toBe(
      'No usable images in notes.zip: 1 not an image. Choose a zip of JPEG, PNG, WebP, GIF, BMP or AVIF photos.',
    );
  });

  test('every whole-file message names the file', async () => {
    const bytes = buildZip(plainImages(2));
    // The directory says 2 entries; cut one out of the count so the table of contents disagrees.
    const view = new DataView(bytes.buffer);
    const eocd = bytes.length - 22;
    view.setUint16(eocd + 8, 3, true);
    view.setUint16(eocd + 10, 3, true);
    const damaged = await ingestError(ingestZip(new File([bytes], 'holiday.zip'), OPTIONS, deps()));
    expect(damaged.message).toBe('holiday.zip is damaged: it lists 3 files but its table of contents holds 2.');
    expect(namingTheFile('The file could not be read. It may have been moved.', 'a.zip')).toBe('a.zip could not be read. It may have been moved.');
    expect(namingTheFile('This zip is split across several files.', 'a.zip')).toBe('a.zip is split across several files.');
    expect(namingTheFile('Something else went wrong.', 'a.zip')).toBe('a.zip: Something else went wrong.');
    const broken = await ingestError(ingestZip(zipFile(plainImages(2), 'trip.zip'), OPTIONS, deps({ decode: () => Promise.reject(new Error('worker gone')) })));
    expect(broken.message).toBe('The image decoder stopped working while loading trip.zip (worker gone). Reload the page and try again.');
  });
});

describe('ingestZip: duplicates', () => {
  const SIDE16: DatasetOptions = { side: 16, channels: 3, crop: 'centre' };
  /** `image` with every channel moved by up to ±2 levels, as re-encoding a photo does. */
  function reencoded(image: Rgb): Rgb {
    return { ...image, pixels: image.pixels.map((v, i) => Math.min(255, Math.max(0, v + ((i * 7) % 5) - 2))) };
  }
  /** A smooth 32×32 picture: what a face photo looks like at this scale (not the noise-like pattern). */
  function smooth(seed: number): Rgb {
    const pixels = new Uint8Array(32 * 32 * 3);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const i = (y * 32 + x) * 3;
        pixels[i] = 128 + Math.round(100 * Math.sin((x + seed * 5) / 6));
        pixels[i + 1] = 128 + Math.round(100 * Math.cos((y * (seed + 1)) / 9));
        pixels[i + 2] = (x * y + seed * 40) & 0xff;
      }
    }
    return { width: 32, height: 32, pixels };
  }
  function duplicatesZip(): FixtureEntry[] {
    const a = smooth(1);
    return [
      { name: 'faces/a.bmp', data: encodeBmp(a) },
      { name: 'faces/b.bmp', data: encodeBmp(smooth(2)) },
      { name: 'faces/c.bmp', data: encodeBmp(smooth(3)) },
      { name: 'copies/a copy.bmp', data: encodeBmp(a) },
      { name: 'copies/a again.bmp', data: encodeBmp(a), method: 'store' },
      { name: 'copies/a re-encoded.bmp', data: encodeBmp(reencoded(a)) },
      { name: 'faces/b.bmp', data: encodeBmp(smooth(4)) },
      { name: 'faces/c.bmp', data: encodeBmp(smooth(5)) },
    ];
  }

  test('exact and near-duplicates are kept once, same-path entries reported, with the names they repeat', async () => {
    const { set, report } = await ingestZip(zipFile(duplicatesZip(), 'dups.zip'), SIDE16, deps());
    expect(set.count).toBe(3);
    expect(report.skipped).toEqual([
      {
        reason: 'duplicate',
        label: 'exact duplicates',
        count: 2,
        names: ['copies/a copy.bmp (same as faces/a.bmp)', 'copies/a again.bmp (same as faces/a.bmp)'],
        advice: '2 exact duplicates: the same pixels as an earlier image; kept once.',
      },
      {
        reason: 'same-path',
        label: 'with repeated paths',
        count: 2,
        names: ['faces/b.bmp', 'faces/c.bmp'],
        advice: '2 with repeated paths: the zip holds more than one file at these paths; only the first was loaded.',
      },
      {
        reason: 'near-duplicate',
        label: 'near-duplicate',
        count: 1,
        names: ['copies/a re-encoded.bmp (same as faces/a.bmp)'],
        advice: '1 near-duplicate: a re-encoded or resized copy of an earlier image; kept once.',
      },
    ]);
    expect(describeReport(report)).toBe('Loaded 3 images (16×16 RGB, centre-cropped); skipped 5: 2 exact duplicates, 2 with repeated paths, 1 near-duplicate');
  });

  test('different pictures, even flat ones of other colours, are not near-duplicates', async () => {
    const flat = (r: number, g: number, b: number): Rgb => ({ width: 16, height: 16, pixels: new Uint8Array(16 * 16 * 3).map((_, i) => [r, g, b][i % 3] ?? 0) });
    const entries = [flat(10, 120, 200), flat(250, 200, 0), flat(128, 128, 128), ...[1, 2, 3, 4, 5, 6].map((i) => encodeBmp(smooth(i)))].map((image, i) => ({
      name: `${i}.bmp`,
      data: image instanceof Uint8Array ? image : encodeBmp(image),
    }));
    const { set, report } = await ingestZip(zipFile(entries), SIDE16, deps());
    expect(set.count).toBe(9);
    expect(report.skipped).toEqual([]);
  });

  test('textures that average to the same grey are not near-duplicates', async () => {
    const stripes = (vertical: boolean, period: number): Rgb => ({
      width: 16,
      height: 16,
      pixels: new Uint8Array(16 * 16 * 3).map((_, i) => (Math.floor((vertical ? Math.floor(i / 3) % 16 : Math.floor(i / 48)) / period) % 2 === 0 ? 0 : 255)),
    });
    const entries = [stripes(true, 1), stripes(false, 1), stripes(true, 2), stripes(false, 2)].map((image, i) => ({ name: `${i}.bmp`, data: encodeBmp(image) }));
    const { set, report } = await ingestZip(zipFile(entries), SIDE16, deps());
    expect(set.count).toBe(4);
    expect(report.skipped).toEqual([]);
  });

  test('kept when asked, and the choice is part of the cache key', async () => {
    const cache = new MemoryCache();
    const file = zipFile(duplicatesZip(), 'dups.zip');
    const kept = await ingestZip(file, { ...SIDE16, keepDuplicates: true }, deps({ cache }));
    expect(kept.set.count).toBe(6);
    expect(kept.report.skipped.map((g) => g.reason)).toEqual(['same-path']);
    const once = await ingestZip(file, SIDE16, deps({ cache }));
    expect(once.report.cache).toEqual({ status: 'stored' });
    expect(once.set.count).toBe(3);
    expect(cache.records.size).toBe(2);
  });
});

describe('ingestZip: progress', () => {
  test('is throttled to one event per 100 ms, with a final event at 100%', async () => {
    let clock = 0;
    const total = 40;
    const times: number[] = [];
    const d = deps({
      now: () => clock,
      onProgress: (p) => {
        d.events.push(p);
        if (p.phase === 'decoding') times.push(clock);
      },
      decode: async (bytes, options) => {
        clock += 30; // 30 ms per image → 1.2 s of decoding
        return decodeBmp(bytes, options);
      },
    });
    await ingestZip(zipFile(plainImages(total)), OPTIONS, d);
    const decoding = d.events.filter((e) => e.phase === 'decoding');
    // 1,200 ms at ≤ 10 per second, plus the phase's first and last events.
    expect(decoding.length).toBeLessThanOrEqual(12 + 2);
    expect(decoding.length).toBeGreaterThanOrEqual(5);
    const last = decoding[decoding.length - 1];
    expect(last).toMatchObject({ done: total, total, etaSeconds: 0 });
    expect(last?.bytesRead).toBe(last?.bytesTotal);
    expect(last?.imagesPerSecond).toBeCloseTo(total / 1.2, 0);
    const middle = decoding.find((e) => e.done > 0 && e.done < total);
    expect(middle?.etaSeconds).toBeGreaterThan(0);
    // Done never goes backwards; bytes read grow with it.
    for (let i = 1; i < decoding.length; i++) {
      expect(decoding[i]?.done).toBeGreaterThanOrEqual(decoding[i - 1]?.done ?? 0);
      expect(decoding[i]?.bytesRead).toBeGreaterThanOrEqual(decoding[i - 1]?.bytesRead ?? 0);
    }
    expect(d.events[0]?.phase).toBe('reading');
    // Between the phase's first and last (forced) events, at least 100 ms apart.
    for (let i = 1; i < times.length - 1; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(100);
  });
});

/**
 * A decoder that holds every decode until `expected` are in flight, then finishes the newest
 * first (so results arrive out of order); a fallback timer drains the tail. It records the peak.
 */
function gatedDecoder(expected: number): { decode: IngestDeps['decode']; peak: () => number } {
  let inFlight = 0;
  let peak = 0;
  const waiting: Array<() => void> = [];
  const releaseNewest = (): void => waiting.pop()?.();
  const decode = async (bytes: Uint8Array, options: DecodeOptions): Promise<DecodeResult> => {
    peak = Math.max(peak, ++inFlight);
    const released = new Promise<void>((resolve) => waiting.push(resolve));
    if (inFlight >= expected) setTimeout(releaseNewest, 1);
    setTimeout(() => waiting.splice(0).forEach((release) => release()), 200);
    await released;
    inFlight--;
    return decodeBmp(bytes, options);
  };
  return { decode, peak: () => peak };
}

describe('ingestZip: concurrency', () => {
  test('keeps at most `concurrency` decodes in flight, and uses them all', async () => {
    const gated = gatedDecoder(3);
    const images = plainImages(16);
    const { set } = await ingestZip(zipFile(images), OPTIONS, deps({ decode: gated.decode, concurrency: 3 }));
    expect(gated.peak()).toBe(3);
    // Zip order survives out-of-order completion.
    images.forEach((_, i) => expect(Array.from(set.pixels.subarray(i * IMAGE_LENGTH, (i + 1) * IMAGE_LENGTH))).toEqual(Array.from(pattern(4, 4, i).pixels)));
  });

  test('defaults to 4 in flight', async () => {
    const gated = gatedDecoder(4);
    await ingestZip(zipFile(plainImages(12)), OPTIONS, deps({ decode: gated.decode }));
    expect(gated.peak()).toBe(4);
  });
});

describe('ingestZip: reading', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /**
   * The zip of `entries` with its central directory listed in reverse: a directory order that
   * differs from the file order, which some archivers write after an update.
   */
  function reversedDirectory(entries: readonly FixtureEntry[]): File {
    const bytes = buildZip(entries);
    const view = new DataView(bytes.buffer);
    const eocd = bytes.length - 22; // fixtures write no comment
    const size = view.getUint32(eocd + 12, true);
    const offset = view.getUint32(eocd + 16, true);
    const records: Uint8Array[] = [];
    for (let at = offset; at < offset + size; ) {
      const length = 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
      records.push(bytes.slice(at, at + length));
      at += length;
    }
    let at = offset;
    for (const record of records.reverse()) {
      bytes.set(record, at);
      at += record.length;
    }
    return new File([bytes], 'faces.zip', { lastModified: 1_700_000_000_000 });
  }

  test('keeps directory (zip) order when it differs from the order of the data in the file', async () => {
    const images = plainImages(6);
    const { set } = await ingestZip(reversedDirectory(images), OPTIONS, deps());
    expect(set.count).toBe(6);
    images.forEach((_, i) => {
      const expected = pattern(4, 4, images.length - 1 - i).pixels;
      expect(Array.from(set.pixels.subarray(i * IMAGE_LENGTH, (i + 1) * IMAGE_LENGTH))).toEqual(Array.from(expected));
    });
  });

  test('reads the entries in a few large slices, not one or two per image', async () => {
    const file = zipFile(plainImages(40));
    const slice = vi.spyOn(Blob.prototype, 'slice');
    const { set, report } = await ingestZip(file, OPTIONS, deps());
    expect(set.count).toBe(40);
    expect(report.skipped).toEqual([]);
    // Open (tail + directory), directory hash, then one window for all 40 entries.
    expect(slice.mock.calls.length).toBeLessThanOrEqual(5);
  });
});

describe('ingestZip: cancellation', () => {
  test('an abort mid-way rejects with code cancelled and caches nothing', async () => {
    const controller = new AbortController();
    const cache = new MemoryCache();
    let calls = 0;
    const decode = async (bytes: Uint8Array, options: DecodeOptions): Promise<DecodeResult> => {
      if (++calls === 3) controller.abort();
      return decodeBmp(bytes, options);
    };
    const error = await ingestError(ingestZip(zipFile(plainImages(20)), OPTIONS, deps({ decode, cache, signal: controller.signal })));
    expect(error.code).toBe('cancelled');
    expect(error.name).toBe('AbortError');
    expect(calls).toBeLessThan(20);
    expect(cache.puts).toBe(0);
    expect(cache.records.size).toBe(0);
  });

  test('does not wait for a decode that never returns', async () => {
    const controller = new AbortController();
    const decode = (): Promise<DecodeResult> => {
      setTimeout(() => controller.abort(), 10);
      return new Promise<DecodeResult>(() => undefined); // a hung worker
    };
    const error = await ingestError(ingestZip(zipFile(plainImages(3)), OPTIONS, deps({ decode, signal: controller.signal })));
    expect(error.code).toBe('cancelled');
  });

  test('an already-aborted signal stops before reading', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await ingestError(ingestZip(zipFile(plainImages(2)), OPTIONS, deps({ signal: controller.signal })));
    expect(error.code).toBe('cancelled');
  });
});

describe('ingestZip: cache', () => {
  test('stores a full load, then serves the same file from the cache without decoding', async () => {
    const cache = new MemoryCache();
    const { entries, expected } = messyZip();
    const file = zipFile(entries);
    const first = await ingestZip(file, OPTIONS, deps({ cache }));
    expect(first.report.cache).toEqual({ status: 'stored' });
    expect(cache.puts).toBe(1);
    // The identity a checkpoint records, so a stored run can find this set without the zip.
    const pixelHash = hashPixels(first.set.pixels);
    expect([...cache.records.values()][0]?.datasetIdentity).toBe(datasetIdentity(first.report, { pixelHash }));

    let decodes = 0;
    const second = await ingestZip(file, OPTIONS, deps({ cache, decode: async (b, o) => (decodes++, decodeBmp(b, o)) }));
    expect(decodes).toBe(0);
    expect(second.report.cache).toEqual({ status: 'hit' });
    expect(Array.from(second.set.pixels)).toEqual(Array.from(expected));
    expect(second.report.skipped).toEqual(first.report.skipped);
    expect(describeReport(second.report)).toBe(describeReport(first.report));
    expect(cache.puts).toBe(1);
  });

  test('another size, or a changed file, is a miss', async () => {
    const cache = new MemoryCache();
    const file = zipFile(plainImages(2));
    await ingestZip(file, OPTIONS, deps({ cache }));
    const bigger = await ingestZip(file, { ...OPTIONS, channels: 1 }, deps({ cache }));
    expect(bigger.report.cache).toEqual({ status: 'stored' });
    const changed = await ingestZip(zipFile(plainImages(3)), OPTIONS, deps({ cache }));
    expect(changed.report.cache).toEqual({ status: 'stored' });
    expect(changed.set.count).toBe(3);
    expect(cache.records.size).toBe(3);
  });

  test('a refused write still returns the set, and says why it was not cached', async () => {
    const cache = new MemoryCache({ ok: false, reason: 'quota', message: 'Not enough browser storage' });
    const { set, report } = await ingestZip(zipFile(plainImages(2)), OPTIONS, deps({ cache }));
    expect(set.count).toBe(2);
    expect(report.cache).toEqual({
      status: 'skipped',
      message: 'Not cached: the browser refused storage (quota). Training works; loading this zip again will decode it again.',
    });
  });

  test('no IndexedDB: skipped, with the reason', async () => {
    const { report } = await ingestZip(zipFile(plainImages(1)), OPTIONS, deps({ cache: null }));
    expect(report.cache.status).toBe('skipped');
    expect(report.cache.status === 'skipped' && report.cache.message).toMatch(/no IndexedDB/);
  });
});

describe('ingestPixels', () => {
  test('wraps rendered cartoon faces without caching them', () => {
    const pixels = noise(5 * IMAGE_LENGTH);
    const { set, report } = ingestPixels(pixels, OPTIONS, 'Cartoon faces');
    expect(set.count).toBe(5);
    expect(set.pixels).toBe(pixels);
    expect(report).toMatchObject({ source: 'cartoon', name: 'Cartoon faces', count: 5, skipped: [], cache: { status: 'skipped' } });
    expect(describeReport(report)).toBe('Loaded 5 images (4×4 RGB, centre-cropped)');
  });

  test('rejects bytes that are not whole images', () => {
    expect(() => ingestPixels(new Uint8Array(IMAGE_LENGTH + 1), OPTIONS, 'Cartoon faces')).toThrow(IngestError);
  });
});

describe('sampleGrid', () => {
  const set = ingestPixels(noise(40 * IMAGE_LENGTH), OPTIONS, 'x').set;

  test("is Heaton's 4 × 7 grid with 16 px margins by default", () => {
    const grid = sampleGrid(set);
    expect(grid.width).toBe(16 + 7 * (4 + 16));
    expect(grid.height).toBe(16 + 4 * (4 + 16));
    expect(grid.pixels.length).toBe(grid.width * grid.height * 4);
  });

  test('shows distinct real images, chosen by seed', () => {
    const tileAt = (grid: ReturnType<typeof sampleGrid>, row: number, col: number): number[] => {
      const out: number[] = [];
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          const i = ((16 + row * 20 + y) * grid.width + 16 + col * 20 + x) * 4;
          out.push(grid.pixels[i] ?? -1, grid.pixels[i + 1] ?? -1, grid.pixels[i + 2] ?? -1);
        }
      }
      return out;
    };
    const images = Array.from({ length: set.count }, (_, i) => Array.from(set.pixels.subarray(i * IMAGE_LENGTH, (i + 1) * IMAGE_LENGTH)).join());
    const grid = sampleGrid(set, 28, 7);
    const shown = new Set<number>();
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 7; c++) {
        const index = images.indexOf(tileAt(grid, r, c).join());
        expect(index).toBeGreaterThanOrEqual(0);
        shown.add(index);
      }
    }
    expect(shown.size).toBe(28);
    expect(Array.from(sampleGrid(set, 28, 7).pixels)).toEqual(Array.from(grid.pixels));
    expect(Array.from(sampleGrid(set, 28, 8).pixels)).not.toEqual(Array.from(grid.pixels));
  });

  test('a set smaller than the grid shows each image once and leaves the rest white', () => {
    const small = ingestPixels(noise(3 * IMAGE_LENGTH, 5), OPTIONS, 'x').set;
    const grid = sampleGrid(small, 28, 0, { gridRows: 2, gridCols: 2, gridMargin: 1 });
    expect(grid.width).toBe(1 + 2 * 5);
    // Last tile (row 1, col 1) is white.
    const i = ((1 + 5) * grid.width + 1 + 5) * 4;
    expect(Array.from(grid.pixels.subarray(i, i + 4))).toEqual([255, 255, 255, 255]);
  });
});

describe("ingestZip: crop 'faces' (0..N images per photo)", () => {
  const FACES: DatasetOptions = { side: 32, channels: 3, crop: 'faces' };
  /** A smooth 32×32 picture standing for one aligned face crop (distinct per seed, not near-duplicates). */
  function crop(seed: number): Uint8Array {
    const pixels = new Uint8Array(32 * 32 * 3);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const i = (y * 32 + x) * 3;
        pixels[i] = 128 + Math.round(100 * Math.sin((x + seed * 5) / 6));
        pixels[i + 1] = 128 + Math.round(100 * Math.cos((y * (seed + 1)) / 9));
        pixels[i + 2] = (x * y + seed * 40) & 0xff;
      }
    }
    return pixels;
  }
  const photo = (seed: number): Uint8Array => encodeBmp(pattern(40, 40, seed));
  /**
   * A stand-in for the face detector's answer (the real one runs in Chromium: see
   * tests/e2e/faces.spec.ts): what each photo, known by its bytes, gives.
   */
  function faceDecoder(plan: readonly { photo: Uint8Array; crops: Uint8Array[]; tooSmall: number }[], margin = 'normal'): IngestDeps['decode'] {
    return async (bytes, options) => {
      await Promise.resolve();
      expect(options).toMatchObject({ crop: 'faces', faceMargin: margin });
      const planned = plan.find((p) => p.photo.length === bytes.length && p.photo.every((v, i) => v === bytes[i]));
      if (!planned) return { ok: false, reason: 'corrupt', message: 'not in the plan' };
      const pixels = new Uint8Array(planned.crops.length * 32 * 32 * 3);
      planned.crops.forEach((c, i) => pixels.set(c, i * c.length));
      return { ok: true, pixels, faces: { count: planned.crops.length, tooSmall: planned.tooSmall } };
    };
  }
  const group = photo(1);
  const landscape = photo(2);
  const thumbnail = photo(3);
  const repeat = photo(4);
  const plan = [
    { photo: group, crops: [crop(1), crop(2), crop(3)], tooSmall: 0 },
    { photo: landscape, crops: [], tooSmall: 0 },
    { photo: thumbnail, crops: [crop(4)], tooSmall: 2 },
    { photo: repeat, crops: [crop(1)], tooSmall: 0 },
  ];
  const entries: FixtureEntry[] = [
    { name: 'group.bmp', data: group },
    { name: 'landscape.bmp', data: landscape },
    { name: 'thumbnail.bmp', data: thumbnail },
    { name: 'repeat.bmp', data: repeat },
  ];

  test('more images than photos, in zip order; the counts in words, word for word', async () => {
    const { set, report } = await ingestZip(zipFile(entries, 'party.zip'), FACES, deps({ decode: faceDecoder(plan) }));
    // 5 crops from 4 entries (the set outgrows the entry count), less one repeated face.
    expect(set.count).toBe(4);
    const imageLength = 32 * 32 * 3;
    [crop(1), crop(2), crop(3), crop(4)].forEach((expected, i) => expect(set.pixels.subarray(i * imageLength, (i + 1) * imageLength)).toEqual(expected));
    expect(report.faces).toEqual({ margin: 'normal', photos: 2 });
    expect(describeReport(report)).toBe('Found 4 faces in 2 photos (32×32 RGB, aligned faces); 1 photo without a face; 2 faces too small; skipped 1: 1 exact duplicate');
    expect(reportAdvice(report)).toEqual([
      '2 faces too small: their eyes are under 5 px apart in the photo, so their crops would be blurred; use larger photos or a smaller image size.',
      '1 photo without a face: no face was found with enough confidence (faces in profile, half hidden or tiny are missed).',
      '1 exact duplicate: the same pixels as an earlier image; kept once.',
    ]);
    expect(report.skipped.map(({ reason, names }) => [reason, names])).toEqual([
      ['face-too-small', ['thumbnail.bmp (face 1 of 2)', 'thumbnail.bmp (face 2 of 2)']],
      ['no-face', ['landscape.bmp']],
      ['duplicate', ['repeat.bmp (same as group.bmp)']],
    ]);
  });

  test('one face and one of each reason read in the singular', () => {
    const report: DatasetReport = {
      source: 'zip',
      name: 'a.zip',
      count: 1,
      side: 64,
      channels: 3,
      crop: 'faces',
      faces: { margin: 'tight', photos: 1 },
      skipped: [
        { reason: 'face-too-small', label: 'face too small', count: 1, names: ['y.jpg'] },
        { reason: 'no-face', label: 'photo without a face', count: 1, names: ['x.jpg'] },
      ],
      cache: { status: 'stored' },
      seconds: 1,
    };
    // Photos without a face come first in the headline whatever the group order.
    expect(describeReport(report)).toBe('Found 1 face in 1 photo (64×64 RGB, aligned faces); 1 photo without a face; 1 face too small');
  });

  test('progress counts photos, not faces', async () => {
    const d = deps({ decode: faceDecoder(plan) });
    await ingestZip(zipFile(entries), FACES, d);
    const decoding = d.events.filter((e) => e.phase === 'decoding');
    expect(decoding.at(-1)).toMatchObject({ done: 4, total: 4 });
  });

  test('the margin is part of the cache key; a cached faces set keeps its counts', async () => {
    const cache = new MemoryCache();
    const file = zipFile(entries, 'party.zip');
    const first = await ingestZip(file, FACES, deps({ cache, decode: faceDecoder(plan) }));
    const again = await ingestZip(file, FACES, deps({ cache, decode: faceDecoder(plan) }));
    expect(again.report.cache).toEqual({ status: 'hit' });
    expect(describeReport(again.report)).toBe(describeReport(first.report));
    const tight = await ingestZip(file, { ...FACES, faceMargin: 'tight' }, deps({ cache, decode: faceDecoder(plan, 'tight') }));
    expect(tight.report.cache).toEqual({ status: 'stored' });
    expect(tight.report.faces?.margin).toBe('tight');
    expect(cache.records.size).toBe(2);
    expect(datasetIdentity(tight.report, { pixelHash: 'x' })).not.toBe(datasetIdentity(first.report, { pixelHash: 'x' }));
  });

  test('a photo whose faces are all too small is not a photo without a face', async () => {
    const only = [{ photo: thumbnail, crops: [], tooSmall: 3 }];
    const error = await ingestError(ingestZip(zipFile([{ name: 'tiny.bmp', data: thumbnail }], 'tiny.zip'), FACES, deps({ decode: faceDecoder(only) })));
    expect(error.message).toBe(
      'No usable images in tiny.zip: 3 faces too small. 3 faces too small: their eyes are under 5 px apart in the photo, so their crops would be blurred; use larger photos or a smaller image size.',
    );
  });
});
