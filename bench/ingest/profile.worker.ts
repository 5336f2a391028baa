/**
 * Runs the app's ingest stages one at a time on the benchmark zip, in a module worker as the
 * app does (src/worker/trainer.ts), so a slow first load can be split into reading, decoding
 * and caching. Every stage calls the app's own modules; nothing here reimplements them.
 */
import { openDatasetCache } from '../../src/data/storage/cache.ts';
import { decodeToPixels, type DecodeOptions } from '../../src/data/ingest/decode.ts';
import { classifyEntry } from '../../src/data/ingest/entries.ts';
import { MAX_IMAGE_PIXELS } from '../../src/data/ingest/image-header.ts';
import { ingestZip } from '../../src/data/ingest/ingest.ts';
import { centralDirectoryHash, crc32, openZip, readEntry, type ZipArchive, type ZipEntry } from '../../src/data/zip/zip-reader.ts';
import { createDecodePool } from '../../src/worker/decode-pool.ts';
import type { ProfileRequest, ProfileResponse, StageTiming } from './bench-types.ts';

/** The members of DedicatedWorkerGlobalScope used here (bench/ compiles with the DOM lib). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<ProfileRequest>) => void) | null;
  postMessage(message: ProfileResponse): void;
}
const scope = self as unknown as WorkerScope;

/** As the app keeps in flight (DEFAULT_DECODE_CONCURRENCY): two per pool worker. */
const IN_FLIGHT = 4;

/** Window of one Blob read in the chunked-read stage: tens of entries per browser round trip. */
const CHUNK_BYTES = 16 * 2 ** 20;

/**
 * The proposed read path: one Blob read per CHUNK_BYTES window instead of two per entry (local
 * header, then data), each entry carved out of the window and CRC-checked as readEntry does.
 * Stored entries only (the benchmark zip's); deflated ones would go through the inflater as now.
 */
async function readChunked(archive: ZipArchive, entries: readonly ZipEntry[]): Promise<number> {
  let window = new Uint8Array(0);
  let windowStart = 0;
  let bytes = 0;
  for (const entry of entries) {
    // 30-byte local header + name + extra; the extra's real length is only in the local header,
    // so leave room for 64 KB of it (its maximum) when deciding whether the window covers it.
    const worstEnd = entry.localHeaderOffset + 30 + 0xffff * 2 + entry.compressedSize;
    if (entry.localHeaderOffset < windowStart || Math.min(worstEnd, archive.blob.size) > windowStart + window.length) {
      windowStart = entry.localHeaderOffset;
      const end = Math.min(archive.blob.size, windowStart + Math.max(CHUNK_BYTES, worstEnd - windowStart));
      window = new Uint8Array(await archive.blob.slice(windowStart, end).arrayBuffer());
    }
    const at = entry.localHeaderOffset - windowStart;
    const header = new DataView(window.buffer, at, 30);
    const dataAt = at + 30 + header.getUint16(26, true) + header.getUint16(28, true);
    const data = window.subarray(dataAt, dataAt + entry.compressedSize);
    if (crc32(data) !== entry.crc32) throw new Error(`${entry.name}: CRC mismatch in the chunked read`);
    bytes += data.length;
  }
  return bytes;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

async function profile({ file, side, decodeSample }: ProfileRequest): Promise<StageTiming[]> {
  const stages: StageTiming[] = [];
  const options: DecodeOptions = { side, channels: 3, crop: 'centre', maxPixels: MAX_IMAGE_PIXELS };

  const opened = await timed(async () => {
    const archive = await openZip(file);
    await centralDirectoryHash(archive);
    return archive;
  });
  const archive = opened.value;
  const images = archive.entries.filter((entry) => classifyEntry(entry).kind === 'read');
  stages.push({ stage: 'open zip + hash directory', images: images.length, ms: opened.ms, note: 'before the cache lookup' });

  // Reading alone, one entry after another as ingestZip does (slice + CRC-32 per entry).
  const sample: Uint8Array[] = [];
  const read = await timed(async () => {
    for (const entry of images) {
      const bytes = await readEntry(archive, entry);
      if (sample.length < decodeSample) sample.push(bytes);
    }
  });
  stages.push({ stage: 'read every entry (readEntry)', images: images.length, ms: read.ms, note: 'sequential, 2 Blob reads per entry' });
  if (images.every((entry) => entry.method === 0)) {
    const chunked = await timed(() => readChunked(archive, images));
    stages.push({ stage: 'read in 16 MiB windows (proposed)', images: images.length, ms: chunked.ms, note: `${(chunked.value / 2 ** 20).toFixed(0)} MiB, CRC-checked` });
  }

  // The browser's JPEG decoder alone: full-size bitmap, no resize or readback.
  const bitmapOnly = await timed(async () => {
    for (const bytes of sample) (await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }))).close();
  });
  stages.push({ stage: 'createImageBitmap only (full size)', images: sample.length, ms: bitmapOnly.ms, note: 'one thread' });

  // Crop and resize straight from the encoded Blob, one call: lets the decoder skip the
  // full-size bitmap where it can (libjpeg-turbo's DCT scaling) and drops one bitmap copy.
  const direct = await timed(async () => {
    for (const bytes of sample) {
      const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
      (await createImageBitmap(blob, 0, 0, 500, 500, { resizeWidth: side, resizeHeight: side, resizeQuality: 'high' })).close();
    }
  });
  stages.push({ stage: 'createImageBitmap(blob, crop, resize) only', images: sample.length, ms: direct.ms, note: 'one thread, one call (500 px crop assumed)' });

  // WebCodecs' ImageDecoder takes the bytes themselves: no Blob to register with the browser
  // process and read back, which createImageBitmap(Blob) needs for every image.
  if (typeof ImageDecoder === 'function') {
    const webCodecs = await timed(async () => {
      for (const bytes of sample) {
        const decoder = new ImageDecoder({ data: bytes, type: 'image/jpeg' });
        const { image } = await decoder.decode();
        image.close();
        decoder.close();
      }
    });
    stages.push({ stage: 'ImageDecoder.decode only (full size)', images: sample.length, ms: webCodecs.ms, note: 'one thread, WebCodecs, no Blob' });
  }

  const oneThread = await timed(async () => {
    for (const bytes of sample) {
      const result = await decodeToPixels(bytes, options);
      if (!result.ok) throw new Error(`decode failed: ${result.message}`);
    }
  });
  stages.push({ stage: 'decodeToPixels', images: sample.length, ms: oneThread.ms, note: 'one thread, one at a time' });

  // The app's pool (2 nested workers on this machine), kept IN_FLIGHT deep like ingestZip.
  const pool = createDecodePool();
  try {
    // Warm-up: worker start-up is paid once per session, not per image.
    const warmUp = await timed(() => Promise.all(sample.slice(0, 4).map((bytes) => pool.decode(bytes.slice(), options))));
    stages.push({ stage: 'decode pool start-up + first 4 decodes', images: 4, ms: warmUp.ms, note: 'nested module workers (Vite dev server)' });
    const pooled = await timed(async () => {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < sample.length) {
          const bytes = sample[next++];
          if (bytes) await pool.decode(bytes.slice(), options);
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    });
    stages.push({ stage: 'decode pool', images: sample.length, ms: pooled.ms, note: `${pool.size} workers, ${IN_FLIGHT} in flight` });

    // The whole pipeline without the cache and without the UI: read + pooled decode + compact.
    const whole = await timed(() =>
      ingestZip(file, { side, channels: 3, crop: 'centre' }, { decode: pool.decode, cache: null, onProgress: () => undefined, signal: new AbortController().signal }),
    );
    stages.push({ stage: 'ingestZip, no cache', images: whole.value.set.count, ms: whole.ms, note: 'read + pooled decode, as in the app' });
  } finally {
    pool.dispose();
  }

  // The cache write and read of a set this size, under a key of our own (removed after).
  const opening = await timed(() => openDatasetCache());
  const cache = opening.value;
  stages.push({ stage: 'openDatasetCache', images: 0, ms: opening.ms, note: 'existing database, first open in this worker' });
  if (cache) {
    const count = images.length;
    const pixels = new Uint8Array(count * side * side * 3).map((_, i) => (i * 31) & 0xff);
    const key = `ganvas-bench:${Date.now()}`;
    const entry = { key, createdAt: Date.now(), count, side, channels: 3, crop: 'centre' as const, sourceName: 'bench', report: null, pixels };
    const put = await timed(() => cache.put(entry));
    stages.push({ stage: 'cache put', images: count, ms: put.ms, note: put.value.ok ? `${(pixels.length / 2 ** 20).toFixed(0)} MB Blob` : `failed: ${put.value.message}` });
    const got = await timed(() => cache.get(key));
    stages.push({ stage: 'cache get', images: got.value?.count ?? 0, ms: got.ms, note: 'Blob → ArrayBuffer' });
    await cache.delete(key);
    cache.close();
  }
  return stages;
}

scope.onmessage = (event) => {
  profile(event.data).then(
    (stages) => scope.postMessage({ ok: true, stages }),
    (error: unknown) => scope.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) }),
  );
};
