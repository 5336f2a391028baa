import { describe, expect, test } from 'vitest';
import { openZip, readEntry } from '../../../../src/data/zip/zip-reader.ts';
import { createZipWriter } from '../../../../src/data/zip/zip-writer.ts';

describe('createZipWriter', () => {
  test('entries from text, bytes and chunk streams read back whole, CRCs checked, names in UTF-8', async () => {
    const zip = createZipWriter(new Date(2026, 11, 5, 17, 30, 0));
    const chunk = new Uint8Array(1000).map((_, i) => i % 251);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      // The same buffer three times, changed in between: the writer must have copied each.
      for (let i = 0; i < 3; i++) {
        yield chunk;
        chunk[0] = 200 + i;
      }
    }
    expect(await zip.add('README.md', 'héllo')).toEqual({ name: 'README.md', size: 6, crc32: expect.any(Number) as number });
    await zip.add('données/a.bin', chunks());
    await zip.add('empty.txt', new Uint8Array(0));
    const archive = await openZip(zip.finish());
    expect(archive.entries.map((entry) => [entry.name, entry.uncompressedSize])).toEqual([
      ['README.md', 6],
      ['données/a.bin', 3000],
      ['empty.txt', 0],
    ]);
    const [readme, data] = archive.entries;
    if (!readme || !data) throw new Error('entries missing');
    expect(new TextDecoder().decode(await readEntry(archive, readme))).toBe('héllo');
    const bytes = await readEntry(archive, data);
    expect([bytes[0], bytes[1000], bytes[2000], bytes[2999]]).toEqual([0, 200, 201, 2999 % 1000 % 251]);
  });

  test('a 40 MB entry is folded into the Blob as it goes, letting timers run meanwhile', async () => {
    const zip = createZipWriter();
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    const chunk = new Uint8Array(4 * 1024 * 1024).fill(7);
    function* chunks(): Generator<Uint8Array> {
      for (let i = 0; i < 10; i++) yield chunk;
    }
    await zip.add('big.bin', chunks());
    // Without a fold's yield, add() would finish in microtasks alone, before any timer.
    expect(timerRan).toBe(true);
    const archive = await openZip(zip.finish());
    const [entry] = archive.entries;
    if (!entry) throw new Error('no entry');
    expect(entry.uncompressedSize).toBe(40 * 1024 * 1024);
    const bytes = await readEntry(archive, entry, { maxBytes: 64 * 1024 * 1024 });
    expect([bytes[0], bytes[bytes.length - 1]]).toEqual([7, 7]);
  });

  test('refuses to add after finishing', async () => {
    const zip = createZipWriter();
    zip.finish();
    await expect(zip.add('late.txt', 'x')).rejects.toThrow(/after finish/);
  });
});
