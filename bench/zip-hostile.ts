/**
 * Hostile zips against Ganvas's reader (src/data/zip/zip-reader.ts) and @zip.js/zip.js, side by side:
 * the cases of tests/unit/data/zip-reader.test.ts, built with the same fixtures. Prints one
 * markdown table: what each reader does with each archive (refuses it, and how; or returns
 * bytes, and whether they are right).
 *
 *   npx tsx bench/zip-hostile.ts
 *
 * zip.js runs twice: with its strictest settings for reading (strictness 'strict', CRC-32 checked
 * by checkSignature) and with its defaults; no web workers (Node), the platform's
 * DecompressionStream as the app would.
 */
import { BlobReader, configure, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js';
import { openZip, readEntry } from '../src/data/zip/zip-reader.ts';
import { buildZip, noise, zipBlob, type FixtureEntry } from '../tests/unit/data/zip/zip-fixtures.ts';

configure({ useWebWorkers: false, useCompressionStream: true });

interface Case {
  label: string;
  blob: Blob;
  /** The entry to read; none: opening (listing) is the test. */
  name?: string;
  /** The right bytes, when the archive should be read. */
  expected?: Uint8Array;
  /** The caller's limit on one entry (ingest: 50 MB; here small, to test the check). */
  maxBytes?: number;
}

const encoder = new TextEncoder();
const cases: Case[] = [];
const add = (label: string, entries: FixtureEntry[] | Blob, name?: string, extra: Partial<Case> = {}): void => {
  cases.push({ label, blob: entries instanceof Blob ? entries : zipBlob(entries), ...(name === undefined ? {} : { name }), ...extra });
};

const photo = noise(70_000, 11);
add('ok: stored + deflated + descriptor', [{ name: 'a.jpg', data: photo, method: 'store' }, { name: 'b.jpg', data: photo, dataDescriptor: true }], 'b.jpg', { expected: photo });
add('ZIP64 records and extra fields', zipBlob([{ name: 'a.jpg', data: photo }], { zip64: true }), 'a.jpg', { expected: photo });
add('bomb: inflates past its declared size (8 MB of zeros declared 1,000 B)', [{ name: 'bomb.png', data: new Uint8Array(8 * 2 ** 20), declaredSize: 1000 }], 'bomb.png');
add('declared size over the caller limit (200 kB, limit 100 kB)', [{ name: 'big.png', data: new Uint8Array(200_000) }], 'big.png', { maxBytes: 100_000 });
add('inflates to less than declared', [{ name: 'short.png', data: 'abc', declaredSize: 10 }], 'short.png');
add('CRC mismatch, stored', [{ name: 'bad.jpg', data: noise(500), method: 'store', crc: 0x12345678 }], 'bad.jpg');
add('CRC mismatch, deflated', [{ name: 'bad.jpg', data: noise(500), crc: 0x12345678 }], 'bad.jpg');
{
  const bytes = buildZip([{ name: 'x.bmp', data: encoder.encode('abcdefgh'.repeat(1000)) }]);
  bytes[30 + 'x.bmp'.length] = 0xff;
  add('invalid deflate data', new Blob([bytes]), 'x.bmp');
}
add('encrypted flag', [{ name: 'secret.jpg', data: 'x', encrypted: true }], 'secret.jpg');
add('unsupported method (12, bzip2)', [{ name: 'bz.jpg', data: 'x', methodCode: 12 }], 'bz.jpg');
{
  const bytes = buildZip([{ name: 'a.jpg', data: 'abc' }]);
  bytes[0] = 0;
  add('no local header where the directory points', new Blob([bytes]), 'a.jpg');
}
{
  const bytes = buildZip([{ name: 'a.jpg', data: noise(100_000) }, { name: 'b.jpg', data: noise(100_000, 2) }]);
  add('cut off before its end (150 kB of 200 kB)', new Blob([bytes.subarray(0, 150_000)]));
}
{
  const bytes = buildZip([{ name: 'a.jpg', data: 'abc' }]);
  new DataView(bytes.buffer).setUint32(bytes.length - 22 + 16, 0x7fff0000, true);
  add('directory offset outside the file', new Blob([bytes]));
}
add('not a zip (text)', new Blob([encoder.encode('this is not a zip\n'.repeat(10_000))]));
add('"../evil.png" name (a label, not a path)', [{ name: '../evil.png', data: 'x', method: 'store' }], '../evil.png', { expected: encoder.encode('x') });

type Outcome = string;

async function own(c: Case): Promise<Outcome> {
  try {
    const archive = await openZip(c.blob);
    if (c.name === undefined) return `listed ${archive.entries.length}`;
    const entry = archive.entries.find((e) => e.name === c.name);
    if (!entry) return 'entry missing';
    const bytes = await readEntry(archive, entry, c.maxBytes === undefined ? {} : { maxBytes: c.maxBytes });
    return verdict(bytes, c);
  } catch (error) {
    return `refused (${(error as { code?: string }).code ?? ''}: ${(error as Error).message.slice(0, 60)})`;
  }
}

/** zip.js on one case: `strict` is its strictest reading options, else its defaults. */
async function zipjs(c: Case, strict: boolean): Promise<Outcome> {
  const reader = new ZipReader(new BlobReader(c.blob), strict ? { strictness: 'strict', checkSignature: true } : {});
  try {
    const entries = await reader.getEntries();
    if (c.name === undefined) return `listed ${entries.length}`;
    const entry = entries.find((e) => e.filename === c.name);
    if (!entry || entry.directory) return `entry missing (${entries.map((e) => e.filename).join(', ')})`;
    // zip.js has no size limit of its own: the caller compares the declared size, as ingest would.
    if (c.maxBytes !== undefined && entry.uncompressedSize > c.maxBytes) return 'refused by the caller (declared size)';
    const bytes = await entry.getData(new Uint8ArrayWriter());
    return verdict(bytes, c);
  } catch (error) {
    return `refused (${(error as Error).message.slice(0, 70)})`;
  } finally {
    await reader.close().catch(() => undefined);
  }
}

function verdict(bytes: Uint8Array, c: Case): Outcome {
  if (!c.expected) return `RETURNED ${bytes.length} bytes`;
  return bytes.length === c.expected.length && bytes.every((b, i) => b === c.expected?.[i]) ? 'read, bytes right' : `WRONG BYTES (${bytes.length})`;
}

async function fiftyThousand(): Promise<string[]> {
  const blob = zipBlob(Array.from({ length: 50_000 }, (_, i) => ({ name: `faces/${i}.jpg`, data: '', method: 'store' as const })));
  const timeIt = async (work: () => Promise<number>): Promise<string> => {
    const started = performance.now();
    const count = await work();
    return `listed ${count} in ${Math.round(performance.now() - started)} ms`;
  };
  return [
    await timeIt(async () => (await openZip(blob)).entries.length),
    await timeIt(async () => {
      const reader = new ZipReader(new BlobReader(blob), { strictness: 'strict' });
      const n = (await reader.getEntries()).length;
      await reader.close();
      return n;
    }),
  ];
}

async function main(): Promise<void> {
  const version = (await import('@zip.js/zip.js/package.json', { with: { type: 'json' } })).default.version;
  console.log(`| hostile case | Ganvas reader | zip.js ${version} (strict, CRC checked) | zip.js ${version} (defaults) |`);
  console.log('|---|---|---|---|');
  for (const c of cases) console.log(`| ${c.label} | ${await own(c)} | ${await zipjs(c, true)} | ${await zipjs(c, false)} |`);
  const [ours, theirs] = await fiftyThousand();
  console.log(`| 50,000 entries | ${ours} | ${theirs} | – |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
