import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  centralDirectoryHash,
  crc32,
  decodeName,
  openZip,
  readEntries,
  readEntry,
  ZipError,
  type ReadEntriesItem,
  type ZipErrorCode,
} from '../../../../src/data/zip/zip-reader.ts';
import { buildZip, crc32 as zlibCrc32, directory, noise, zipBlob, type FixtureEntry } from './zip-fixtures.ts';

const encoder = new TextEncoder();

/** Expects `promise` to reject with a ZipError of `code`; returns it for further checks. */
async function expectZipError(promise: Promise<unknown>, code: ZipErrorCode): Promise<ZipError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ZipError);
  expect((error as ZipError).code).toBe(code);
  return error as ZipError;
}

/** Opens a fixture archive and reads the entry called `name`. */
async function readNamed(entries: FixtureEntry[], name: string, options?: Parameters<typeof readEntry>[2]): Promise<Uint8Array> {
  const archive = await openZip(zipBlob(entries));
  const entry = archive.entries.find((e) => e.name === name);
  if (!entry) throw new Error(`no entry ${name}`);
  return readEntry(archive, entry, options);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('crc32', () => {
  test('matches zlib on assorted lengths, and chains across chunks', () => {
    for (const length of [0, 1, 7, 8, 9, 63, 1000, 65_537]) {
      const data = noise(length, length + 3);
      expect(crc32(data)).toBe(zlibCrc32(data));
    }
    const data = noise(10_001, 9);
    expect(crc32(data.subarray(5000), crc32(data.subarray(0, 5000)))).toBe(zlibCrc32(data));
    expect(crc32(encoder.encode('123456789'))).toBe(0xcbf43926); // the standard check value
  });
});

describe('openZip', () => {
  test('lists stored, deflated, directory and nested entries with their metadata', async () => {
    const photo = noise(5000);
    const archive = await openZip(
      zipBlob([
        directory('faces'),
        { name: 'faces/a.jpg', data: photo, method: 'store' },
        { name: 'faces/sub/b.png', data: 'x'.repeat(10_000) },
      ]),
    );
    expect(archive.zip64).toBe(false);
    expect(archive.entries.map((e) => [e.index, e.name, e.isDirectory, e.method])).toEqual([
      [0, 'faces/', true, 0],
      [1, 'faces/a.jpg', false, 0],
      [2, 'faces/sub/b.png', false, 8],
    ]);
    const [, a, b] = archive.entries;
    expect(a).toMatchObject({ compressedSize: 5000, uncompressedSize: 5000, crc32: zlibCrc32(photo), encrypted: false });
    expect(b?.uncompressedSize).toBe(10_000);
    expect(b?.compressedSize).toBeLessThan(200);
  });

  test('an empty zip is valid and has no entries', async () => {
    const archive = await openZip(zipBlob([]));
    expect(archive.entries).toEqual([]);
    expect(archive.centralDirectorySize).toBe(0);
  });

  test('finds the end record behind a comment, even one containing its signature', async () => {
    const comment = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...encoder.encode(' trailing comment'.repeat(100))]);
    const archive = await openZip(zipBlob([{ name: 'a.jpg', data: 'hello' }], { comment }));
    expect(archive.entries.map((e) => e.name)).toEqual(['a.jpg']);
  });

  test('parses the ZIP64 form (end records and extra fields) and reads from it', async () => {
    const photo = noise(3000, 5);
    const blob = zipBlob(
      [
        { name: 'one.jpg', data: photo },
        { name: 'two.jpg', data: 'two', method: 'store' },
      ],
      { zip64: true },
    );
    const archive = await openZip(blob);
    expect(archive.zip64).toBe(true);
    expect(archive.entries.map((e) => [e.name, e.uncompressedSize])).toEqual([
      ['one.jpg', 3000],
      ['two.jpg', 3],
    ]);
    const [one, two] = archive.entries;
    if (!one || !two) throw new Error('missing entries');
    expect(one.localHeaderOffset).toBe(0);
    expect(two.localHeaderOffset).toBeGreaterThan(3000);
    expect(await readEntry(archive, one)).toEqual(photo);
    expect(new TextDecoder().decode(await readEntry(archive, two))).toBe('two');
  });

  test.each([
    ['an empty file', new Uint8Array(0)],
    ['a tiny file', encoder.encode('PK')],
    ['a text file', encoder.encode('this is not a zip\n'.repeat(10_000))],
    ['a PNG', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...noise(100)])],
  ])('%s is not a zip', async (_label, bytes) => {
    const error = await expectZipError(openZip(new Blob([bytes])), 'not-a-zip');
    expect(error.message).toMatch(/not a zip archive/);
  });

  test('a zip cut off before its end is reported as truncated', async () => {
    const bytes = buildZip([
      { name: 'a.jpg', data: noise(100_000) },
      { name: 'b.jpg', data: noise(100_000, 2) },
    ]);
    for (const keep of [50_000, 150_000, bytes.length - 10]) {
      const error = await expectZipError(openZip(new Blob([bytes.subarray(0, keep)])), 'truncated');
      expect(error.message).toMatch(/incomplete/);
    }
  });

  test('a central directory pointing outside the file is corrupt', async () => {
    const bytes = buildZip([{ name: 'a.jpg', data: 'abc' }]);
    const view = new DataView(bytes.buffer);
    view.setUint32(bytes.length - 22 + 16, 0x7fff0000, true); // directory offset
    await expectZipError(openZip(new Blob([bytes])), 'corrupt');
  });

  test('decodes names: UTF-8 flag, unflagged UTF-8, CP437, Info-ZIP unicode path', async () => {
    const cp437 = new Uint8Array([0x80, 0x81, 0x82, 0x2e, 0x6a, 0x70, 0x67]); // "Çüé.jpg" in CP437
    const unicodePath = encoder.encode('写真.jpg');
    const legacy = encoder.encode('legacy.jpg');
    const field = new DataView(new ArrayBuffer(9 + unicodePath.length));
    field.setUint16(0, 0x7075, true);
    field.setUint16(2, 5 + unicodePath.length, true);
    field.setUint8(4, 1);
    field.setUint32(5, zlibCrc32(legacy), true);
    new Uint8Array(field.buffer).set(unicodePath, 9);
    const archive = await openZip(
      zipBlob([
        { name: 'café/Zoë 😀.jpg' },
        { name: encoder.encode('naïve.png'), utf8Flag: false },
        { name: cp437 },
        { name: legacy, centralExtra: new Uint8Array(field.buffer) },
        { name: '../evil.png' },
      ]),
    );
    expect(archive.entries.map((e) => e.name)).toEqual(['café/Zoë 😀.jpg', 'naïve.png', 'Çüé.jpg', '写真.jpg', '../evil.png']);
  });

  test('CP437 covers all 256 byte values with distinct characters', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const decoded = decodeName(all.subarray(0x80), false);
    expect([...decoded]).toHaveLength(128);
    expect(new Set(decoded).size).toBe(128);
    expect(decoded.startsWith('Çü')).toBe(true);
    expect(decoded.endsWith('■\u00a0')).toBe(true);
  });

  test('reads only the tail and the central directory, not the entries', async () => {
    const entries = Array.from({ length: 50 }, (_, i) => ({ name: `p${i}.jpg`, data: noise(20_000, i + 1), method: 'store' as const }));
    const blob = zipBlob(entries);
    const slice = vi.spyOn(Blob.prototype, 'slice');
    const archive = await openZip(blob);
    const read = slice.mock.calls.reduce((sum, [start = 0, end = blob.size]) => sum + (end - start), 0);
    expect(read).toBeLessThanOrEqual(65_557 + archive.centralDirectorySize);
    expect(read).toBeLessThan(blob.size / 5);
  });

  test('parses 50,000 entries in linear time', async () => {
    const entries = Array.from({ length: 50_000 }, (_, i) => ({ name: `faces/${i}.jpg`, data: '', method: 'store' as const }));
    const blob = zipBlob(entries);
    const started = performance.now();
    const archive = await openZip(blob);
    const elapsed = performance.now() - started;
    expect(archive.entries).toHaveLength(50_000);
    expect(archive.entries[49_999]?.name).toBe('faces/49999.jpg');
    expect(elapsed).toBeLessThan(2000); // ~50–100 ms here; quadratic would take minutes
  });
});

describe('readEntry', () => {
  test('round-trips stored and deflated entries, including empty ones', async () => {
    const photo = noise(70_000, 11);
    const text = encoder.encode('face '.repeat(50_000));
    const entries: FixtureEntry[] = [
      { name: 'stored.jpg', data: photo, method: 'store' },
      { name: 'deflated.bmp', data: text },
      { name: 'random.png', data: photo },
      { name: 'empty.jpg', data: '' },
      { name: 'empty-deflated.jpg', data: '', method: 'deflate' },
      { name: 'descriptor.jpg', data: text, dataDescriptor: true },
    ];
    expect(await readNamed(entries, 'stored.jpg')).toEqual(photo);
    expect(await readNamed(entries, 'deflated.bmp')).toEqual(text);
    expect(await readNamed(entries, 'random.png')).toEqual(photo);
    expect(await readNamed(entries, 'empty.jpg')).toEqual(new Uint8Array(0));
    expect(await readNamed(entries, 'empty-deflated.jpg')).toEqual(new Uint8Array(0));
    expect(await readNamed(entries, 'descriptor.jpg')).toEqual(text);
  });

  test('uses the local header’s own name and extra lengths', async () => {
    const data = noise(1000, 4);
    const localExtra = new Uint8Array([0xfe, 0xca, 4, 0, 1, 2, 3, 4]); // an unknown 4-byte field
    expect(await readNamed([{ name: 'a.jpg', data, localExtra }], 'a.jpg')).toEqual(data);
  });

  test('slices only the local header and the entry’s data', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => ({ name: `p${i}.jpg`, data: noise(10_000, i + 1) }));
    const blob = zipBlob(entries);
    const archive = await openZip(blob);
    const entry = archive.entries[7];
    if (!entry) throw new Error('missing entry');
    const slice = vi.spyOn(Blob.prototype, 'slice');
    await readEntry(archive, entry);
    const read = slice.mock.calls.reduce((sum, [start = 0, end = blob.size]) => sum + (end - start), 0);
    expect(read).toBe(30 + entry.compressedSize);
  });

  test('stops a bomb: an entry that inflates past its declared size', async () => {
    const bomb = new Uint8Array(8 * 1024 * 1024); // zeros: ~8 KB deflated
    const error = await expectZipError(readNamed([{ name: 'bomb.png', data: bomb, declaredSize: 1000 }], 'bomb.png'), 'zip-bomb');
    expect(error.message).toMatch(/bomb\.png.*more than/);
  });

  test('refuses a declared size over maxBytes without reading the data', async () => {
    const archive = await openZip(zipBlob([{ name: 'big.png', data: new Uint8Array(200_000) }]));
    const entry = archive.entries[0];
    if (!entry) throw new Error('missing entry');
    const slice = vi.spyOn(Blob.prototype, 'slice');
    await expectZipError(readEntry(archive, entry, { maxBytes: 100_000 }), 'too-large');
    expect(slice).not.toHaveBeenCalled();
    expect(await readEntry(archive, entry, { maxBytes: 200_000 })).toHaveLength(200_000);
  });

  test('an entry inflating to less than declared is corrupt', async () => {
    await expectZipError(readNamed([{ name: 'short.png', data: 'abc', declaredSize: 10 }], 'short.png'), 'corrupt');
  });

  test('a CRC mismatch is corrupt, for stored and deflated data', async () => {
    for (const method of ['store', 'deflate'] as const) {
      const error = await expectZipError(readNamed([{ name: 'bad.jpg', data: noise(500), method, crc: 0x12345678 }], 'bad.jpg'), 'corrupt');
      expect(error.message).toMatch(/checksum/);
    }
  });

  test('invalid deflate data is corrupt, not a crash', async () => {
    const data = encoder.encode('abcdefgh'.repeat(1000));
    const bytes = buildZip([{ name: 'x.bmp', data }]);
    // First block header 0b111: final block of the reserved type 3, which every inflater rejects.
    bytes[30 + 'x.bmp'.length] = 0xff;
    const archive = await openZip(new Blob([bytes]));
    const entry = archive.entries[0];
    if (!entry) throw new Error('missing entry');
    await expectZipError(readEntry(archive, entry), 'corrupt');
  });

  test('encrypted and unsupported-method entries are refused', async () => {
    await expectZipError(readNamed([{ name: 'secret.jpg', data: 'x', encrypted: true }], 'secret.jpg'), 'encrypted');
    await expectZipError(readNamed([{ name: 'bz.jpg', data: 'x', methodCode: 12 }], 'bz.jpg'), 'unsupported');
  });

  test('a local header missing where the directory points is corrupt', async () => {
    const bytes = buildZip([{ name: 'a.jpg', data: 'abc' }]);
    bytes[0] = 0; // break the local header signature
    const archive = await openZip(new Blob([bytes]));
    const entry = archive.entries[0];
    if (!entry) throw new Error('missing entry');
    await expectZipError(readEntry(archive, entry), 'corrupt');
  });

  test('data running past the end of the file is truncated', async () => {
    const archive = await openZip(zipBlob([{ name: 'a.jpg', data: noise(1000) }]));
    const entry = archive.entries[0];
    if (!entry) throw new Error('missing entry');
    const lying = { ...entry, compressedSize: archive.blob.size };
    await expectZipError(readEntry(archive, lying), 'truncated');
  });

  test('honours an AbortSignal: already aborted, and aborted mid-read', async () => {
    const data = encoder.encode('a face, a face, '.repeat(2_000_000)); // 32 MB, many inflate chunks
    const archive = await openZip(zipBlob([{ name: 'big.bmp', data }]));
    const entry = archive.entries[0];
    if (!entry) throw new Error('missing entry');

    const before = new AbortController();
    before.abort();
    await expectZipError(readEntry(archive, entry, { signal: before.signal }), 'aborted');

    const during = new AbortController();
    const reading = readEntry(archive, entry, { signal: during.signal });
    setTimeout(() => during.abort(new Error('user pressed stop')), 5);
    const error = await expectZipError(reading, 'aborted');
    expect(error.cause).toEqual(new Error('user pressed stop'));

    // The archive is still readable afterwards.
    expect(await readEntry(archive, entry)).toHaveLength(data.length);
  });
});

describe('readEntries', () => {
  /** Every item the generator yields. */
  async function collect(items: AsyncIterable<ReadEntriesItem>): Promise<ReadEntriesItem[]> {
    const all: ReadEntriesItem[] = [];
    for await (const item of items) all.push(item);
    return all;
  }

  /** Slices taken since `slice` was installed: how many, and how many bytes in all. */
  function sliced(slice: { mock: { calls: [start?: number, end?: number, contentType?: string][] } }, size: number): { count: number; bytes: number } {
    const bytes = slice.mock.calls.reduce((sum, [start = 0, end = size]) => sum + (end - start), 0);
    return { count: slice.mock.calls.length, bytes };
  }

  test('reads stored and deflated entries across tiny windows, in offset order, with local extras and descriptors', async () => {
    const entries: FixtureEntry[] = Array.from({ length: 30 }, (_, i) => ({
      name: `f${i}.jpg`,
      data: i % 3 === 0 ? encoder.encode('face '.repeat(10 + i)) : noise(5 + i * 3, i + 1),
      method: i % 2 === 0 ? 'deflate' : 'store',
      // Local extras the directory does not show make some entries longer than planned.
      ...(i % 7 === 3 ? { localExtra: new Uint8Array([0xfe, 0xca, 16, 0, ...new Uint8Array(16)]) } : {}),
      ...(i % 5 === 4 ? { dataDescriptor: true } : {}),
    }));
    const archive = await openZip(zipBlob(entries));
    // Asked in reverse: yielded in file order all the same.
    const items = await collect(readEntries(archive, [...archive.entries].reverse(), { windowBytes: 100 }));
    expect(items.map((item) => item.entry.name)).toEqual(entries.map((e) => e.name));
    for (const [i, item] of items.entries()) {
      expect(item.error).toBeNull();
      const data = entries[i]?.data;
      expect(item.bytes).toEqual(typeof data === 'string' ? encoder.encode(data) : data);
    }
  });

  test('reads an entry bigger than the window on its own', async () => {
    const big = noise(5000, 3);
    const entries: FixtureEntry[] = [
      { name: 'a.jpg', data: noise(100, 1), method: 'store' },
      { name: 'big.jpg', data: big, method: 'store' },
      { name: 'big.bmp', data: encoder.encode('x'.repeat(20_000)) },
      { name: 'b.jpg', data: noise(100, 2) },
    ];
    const archive = await openZip(zipBlob(entries));
    const items = await collect(readEntries(archive, archive.entries, { windowBytes: 1000 }));
    expect(items.map((item) => item.error)).toEqual([null, null, null, null]);
    expect(items[1]?.bytes).toEqual(big);
    expect(items[2]?.bytes).toHaveLength(20_000);
    expect(items[3]?.bytes).toEqual(entries[3]?.data);
  });

  test('yields per-entry errors and goes on: CRC, refused, too large, bomb, truncated', async () => {
    const entries: FixtureEntry[] = [
      { name: 'ok1.jpg', data: noise(300, 1) },
      { name: 'bad.jpg', data: noise(300, 2), method: 'store', crc: 0x12345678 },
      { name: 'secret.jpg', data: 'x', encrypted: true },
      { name: 'bz.jpg', data: 'x', methodCode: 12 },
      { name: 'huge.bmp', data: new Uint8Array(5000), method: 'store' },
      { name: 'bomb.png', data: new Uint8Array(100_000), declaredSize: 1000 },
      { name: 'ok2.jpg', data: noise(300, 3), method: 'store' },
    ];
    const archive = await openZip(zipBlob(entries));
    const first = archive.entries[0];
    if (!first) throw new Error('missing entry');
    const lying = { ...first, index: 99, name: 'lying.jpg', compressedSize: archive.blob.size };
    const items = await collect(readEntries(archive, [...archive.entries, lying], { windowBytes: 512, maxBytes: 4000 }));
    expect(items.map((item) => [item.entry.name, item.error?.code ?? 'ok'])).toEqual([
      ['ok1.jpg', 'ok'],
      ['lying.jpg', 'truncated'],
      ['bad.jpg', 'corrupt'],
      ['secret.jpg', 'encrypted'],
      ['bz.jpg', 'unsupported'],
      ['huge.bmp', 'too-large'],
      ['bomb.png', 'zip-bomb'],
      ['ok2.jpg', 'ok'],
    ]);
    expect(items.at(-1)?.bytes).toEqual(entries[6]?.data);
  });

  test('an abort yields one aborted item and ends', async () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({ name: `p${i}.jpg`, data: noise(200, i + 1) }));
    const archive = await openZip(zipBlob(entries));
    const controller = new AbortController();
    const items: ReadEntriesItem[] = [];
    for await (const item of readEntries(archive, archive.entries, { windowBytes: 600, signal: controller.signal })) {
      items.push(item);
      if (items.length === 2) controller.abort(new Error('user pressed stop'));
    }
    expect(items.map((item) => item.error?.code ?? 'ok')).toEqual(['ok', 'ok', 'aborted']);
    expect(items[2]?.error?.cause).toEqual(new Error('user pressed stop'));
  });

  test('reads each byte about once, in few slices, and hands out bytes that own their buffer', async () => {
    const entries: FixtureEntry[] = Array.from({ length: 200 }, (_, i) => ({ name: `p${i}.jpg`, data: noise(10_000, i + 1), method: i % 2 ? 'store' : 'deflate' }));
    const blob = zipBlob(entries);
    const archive = await openZip(blob);
    const slice = vi.spyOn(Blob.prototype, 'slice');
    const items = await collect(readEntries(archive, archive.entries, { windowBytes: 64 * 1024 }));
    const { count, bytes } = sliced(slice, blob.size);
    expect(items.every((item) => item.error === null)).toBe(true);
    const dataBytes = archive.centralDirectoryOffset;
    expect(bytes).toBeLessThanOrEqual(dataBytes);
    expect(bytes).toBeGreaterThan(dataBytes * 0.99);
    // Windows end on entry boundaries, so each holds at least a window less one entry.
    expect(count).toBeLessThanOrEqual(Math.ceil(dataBytes / (64 * 1024 - 10_100)) + 1);
    const stored = items[1]?.bytes;
    expect(stored?.byteLength).toBe(10_000);
    expect(stored?.buffer.byteLength).toBe(10_000); // not a view of a window
  });

  test('skips the bytes of unrequested entries far apart', async () => {
    const entries: FixtureEntry[] = [
      { name: 'a.jpg', data: noise(1000, 1), method: 'store' },
      { name: 'video.mp4', data: noise(3 * 1024 * 1024, 2), method: 'store' },
      { name: 'b.jpg', data: noise(1000, 3), method: 'store' },
    ];
    const blob = zipBlob(entries);
    const archive = await openZip(blob);
    const wanted = archive.entries.filter((e) => e.name.endsWith('.jpg'));
    const slice = vi.spyOn(Blob.prototype, 'slice');
    const items = await collect(readEntries(archive, wanted));
    expect(items.map((item) => item.bytes?.length)).toEqual([1000, 1000]);
    expect(sliced(slice, blob.size).bytes).toBeLessThan(4000);
  });
});

describe('centralDirectoryHash', () => {
  test('is a SHA-256 hex digest that follows the directory, not the comment', async () => {
    const entries = [{ name: 'a.jpg', data: 'one' }];
    const hash = await centralDirectoryHash(await openZip(zipBlob(entries)));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await centralDirectoryHash(await openZip(zipBlob(entries, { comment: 'hi' })))).toBe(hash);
    expect(await centralDirectoryHash(await openZip(zipBlob([{ name: 'a.jpg', data: 'two' }])))).not.toBe(hash);
    expect(await centralDirectoryHash(await openZip(zipBlob([{ name: 'b.jpg', data: 'one' }])))).not.toBe(hash);
  });
});
