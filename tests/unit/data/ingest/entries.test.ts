import { describe, expect, test } from 'vitest';
import {
  classifyEntry,
  DEFAULT_INGEST_LIMITS,
  describeCompressionMethod,
  displayName,
  extensionOf,
  type ClassifiableEntry,
  type EntryClass,
  type SkipReason,
} from '../../../../src/data/ingest/entries.ts';
import { openZip } from '../../../../src/data/zip/zip-reader.ts';
import { directory, noise, zipBlob } from '../zip/zip-fixtures.ts';

const MB = 1024 * 1024;

/** A plain deflated 200 KB JPEG-like entry; each row of the table overrides what it tests. */
function entry(overrides: Partial<ClassifiableEntry>): ClassifiableEntry {
  return { name: 'faces/a.jpg', isDirectory: false, uncompressedSize: 200_000, compressedSize: 190_000, method: 8, encrypted: false, ...overrides };
}

/** Read, then judged by content. */
const image: EntryClass = { kind: 'read' };
const skip = (reason: SkipReason): EntryClass => ({ kind: 'skip', reason });

describe('classifyEntry', () => {
  test.each<[string, Partial<ClassifiableEntry>, EntryClass]>([
    ['a jpg', {}, image],
    ['upper-case JPEG', { name: 'IMG_0001.JPEG' }, image],
    ['mixed-case png', { name: 'x.PnG' }, image],
    ['webp', { name: 'x.webp' }, image],
    ['gif', { name: 'x.gif' }, image],
    ['bmp', { name: 'x.Bmp' }, image],
    ['avif', { name: 'x.avif' }, image],
    ['stored', { method: 0, compressedSize: 200_000 }, image],
    ['a deeply nested image', { name: 'a/b/c/d/e.jpg' }, image],
    ['a ../ name (just a name)', { name: '../evil.png' }, image],
    ['an absolute-looking name', { name: '/etc/passwd.jpg' }, image],
    ['a unicode name', { name: 'фото/顔 😀.jpg' }, image],
    ['a backslash path', { name: 'faces\\b.jpg' }, image],
    ['a directory', { name: 'faces/', isDirectory: true, uncompressedSize: 0 }, skip('directory')],
    ['__MACOSX junk', { name: '__MACOSX/faces/._a.jpg' }, skip('hidden')],
    ['__MACOSX any case', { name: '__macosx/a.jpg' }, skip('hidden')],
    ['AppleDouble file', { name: 'faces/._a.jpg' }, skip('hidden')],
    ['.DS_Store', { name: 'faces/.DS_Store' }, skip('hidden')],
    ['a dot-folder', { name: '.thumbnails/a.jpg' }, skip('hidden')],
    ['Thumbs.db', { name: 'faces/Thumbs.db' }, skip('hidden')],
    // Judged by content once read, not by name: a photo may be called anything.
    ['a text file', { name: 'README.txt' }, image],
    ['no extension', { name: 'faces/jpg' }, image],
    ['a HEIC photo (named by content later)', { name: 'IMG_1.HEIC' }, image],
    ['an image-looking folder', { name: 'faces.jpg/notes.md' }, image],
    ['a large video beside the photos is not a threat', { name: 'clip.mp4', uncompressedSize: 60 * MB, compressedSize: 59 * MB }, skip('not-image')],
    ['an encrypted PDF', { name: 'doc.pdf', encrypted: true }, skip('not-image')],
    ['an encrypted HEIC', { name: 'IMG_2.heic', encrypted: true }, skip('encrypted')],
    ['an empty file', { uncompressedSize: 0, compressedSize: 2 }, skip('empty')],
    ['encrypted', { encrypted: true }, skip('encrypted')],
    ['bzip2', { method: 12 }, skip('unsupported-compression')],
    ['AES (method 99)', { method: 99 }, skip('unsupported-compression')],
    ['over 50 MB', { uncompressedSize: 50 * MB + 1, compressedSize: 50 * MB }, skip('too-large')],
    ['exactly 50 MB', { uncompressedSize: 50 * MB, compressedSize: 49 * MB }, image],
    ['ratio over 100:1 above the floor', { uncompressedSize: 10 * MB, compressedSize: 10 * MB / 101 }, skip('zip-bomb')],
    ['a 1 GiB bomb is a bomb, not just too large', { uncompressedSize: 1024 * MB, compressedSize: MB }, skip('zip-bomb')],
    ['ratio exactly 100:1', { uncompressedSize: 10 * MB, compressedSize: 10 * MB / 100 }, image],
    ['zero compressed bytes for 2 MB', { uncompressedSize: 2 * MB, compressedSize: 0 }, skip('zip-bomb')],
    ['high ratio below the floor (a flat tiny PNG)', { uncompressedSize: 1 * MB, compressedSize: 1000 }, image],
  ])('%s', (_label, overrides, expected) => {
    expect(classifyEntry(entry(overrides))).toEqual(expected);
  });

  test('junk is reported as junk before as a threat', () => {
    expect(classifyEntry(entry({ name: '__MACOSX/x.jpg', encrypted: true }))).toEqual(skip('hidden'));
    expect(classifyEntry(entry({ name: 'x.txt', uncompressedSize: 0 }))).toEqual(skip('empty'));
  });

  test('honours custom limits', () => {
    const limits = { maxEntryBytes: 100_000, maxCompressionRatio: 2, ratioFloorBytes: 1000 };
    expect(classifyEntry(entry({}), limits)).toEqual(skip('too-large'));
    expect(classifyEntry(entry({ uncompressedSize: 90_000, compressedSize: 40_000 }), limits)).toEqual(skip('zip-bomb'));
    expect(classifyEntry(entry({ uncompressedSize: 90_000, compressedSize: 45_000 }), limits)).toEqual(image);
  });

  test('defaults are 50 MB, 100:1 above 1 MB, and frozen', () => {
    expect(DEFAULT_INGEST_LIMITS).toEqual({ maxEntryBytes: 50 * MB, maxCompressionRatio: 100, ratioFloorBytes: MB });
    expect(Object.isFrozen(DEFAULT_INGEST_LIMITS)).toBe(true);
  });

  test('classifies the entries of a real archive from the central directory', async () => {
    const bombData = new Uint8Array(4 * MB); // zeros: ~1000:1
    const archive = await openZip(
      zipBlob([
        directory('faces'),
        { name: 'faces/a.jpg', data: noise(3000) },
        { name: 'faces/b.png', data: noise(3000, 2), method: 'store' },
        { name: '__MACOSX/faces/._a.jpg', data: 'junk' },
        { name: 'faces/.DS_Store', data: 'junk' },
        { name: 'faces/notes.txt', data: 'hello' },
        { name: 'faces/empty.jpg', data: '' },
        { name: 'faces/locked.jpg', data: noise(100), encrypted: true },
        { name: 'faces/bomb.bmp', data: bombData },
      ]),
    );
    expect(archive.entries.map((e) => [displayName(e.name), classifyEntry(e)])).toEqual([
      ['faces', skip('directory')],
      ['a.jpg', image],
      ['b.png', image],
      ['._a.jpg', skip('hidden')],
      ['.DS_Store', skip('hidden')],
      ['notes.txt', image],
      ['empty.jpg', skip('empty')],
      ['locked.jpg', skip('encrypted')],
      ['bomb.bmp', skip('zip-bomb')],
    ]);
  });
});

describe('describeCompressionMethod', () => {
  test.each([
    [14, 'LZMA (method 14)'],
    [12, 'BZIP2 (method 12)'],
    [93, 'Zstandard (method 93)'],
    [42, 'method 42'],
  ])('%d → %s', (method, expected) => {
    expect(describeCompressionMethod(method)).toBe(expected);
  });
});

describe('displayName', () => {
  test.each([
    ['faces/2019/me.jpg', 'me.jpg'],
    ['me.jpg', 'me.jpg'],
    ['../evil.png', 'evil.png'],
    ['../../', '..'],
    ['faces\\win.jpg', 'win.jpg'],
    ['faces/', 'faces'],
    ['фото/顔 😀.jpg', '顔 😀.jpg'],
    ['', ''],
  ])('%s → %s', (name, expected) => {
    expect(displayName(name)).toBe(expected);
  });
});

describe('extensionOf', () => {
  test.each([
    ['a.JPG', 'jpg'],
    ['a.tar.gz', 'gz'],
    ['.jpg', ''],
    ['noext', ''],
    ['trailing.', ''],
  ])('%s → %s', (name, expected) => {
    expect(extensionOf(name)).toBe(expected);
  });
});
