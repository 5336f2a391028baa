/**
 * Ganvas's zip reader against @zip.js/zip.js on the benchmark zip, in a module worker as the app
 * reads (src/worker/trainer.ts): list the archive, then read every image entry's bytes with its
 * CRC-32 checked, as ingestZip hands them to the decoders. The two readers alternate within each
 * round (and swap who goes first every round) so that load from other processes on a shared
 * machine falls on both alike.
 */
import { BlobReader, configure, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js';
import { classifyEntry, DEFAULT_INGEST_LIMITS } from '../../src/data/ingest/entries.ts';
import { openZip, readEntries } from '../../src/data/zip/zip-reader.ts';
import type { ReaderTiming, ReadersRequest, ReadersResponse } from './bench-types.ts';

interface WorkerScope {
  onmessage: ((event: MessageEvent<ReadersRequest>) => void) | null;
  postMessage(message: ReadersResponse): void;
}
const scope = self as unknown as WorkerScope;

// Already in a worker, as the app is; the benchmark zip is stored, so no inflating to spread.
configure({ useWebWorkers: false, useCompressionStream: true });

/** As many reads in flight as ingestZip keeps decodes in flight (DEFAULT_DECODE_CONCURRENCY). */
const IN_FLIGHT = 4;

type Run = (file: File) => Promise<{ openMs: number; readMs: number; images: number; bytes: number }>;

const ganvas: Run = async (file) => {
  const started = performance.now();
  const archive = await openZip(file);
  const images = archive.entries.filter((entry) => classifyEntry(entry).kind === 'read');
  const opened = performance.now();
  let bytes = 0;
  for await (const item of readEntries(archive, images, { maxBytes: DEFAULT_INGEST_LIMITS.maxEntryBytes })) {
    if (item.error) throw item.error;
    bytes += item.bytes.length;
  }
  return { openMs: opened - started, readMs: performance.now() - opened, images: images.length, bytes };
};

/**
 * zip.js reading `inFlight` entries at once; `strict`: its strictest reading options (strictness
 * 'strict', CRC-32 checked), as strict as Ganvas's reader; else its defaults (no CRC check).
 */
const zipjs =
  (inFlight: number, strict: boolean): Run =>
  async (file) => {
    const started = performance.now();
    const reader = new ZipReader(new BlobReader(file), strict ? { strictness: 'strict', checkSignature: true } : {});
    try {
      // The benchmark zip holds only photos, so every file is one (the Ganvas pass classifies them).
      const entries = (await reader.getEntries()).filter((entry) => !entry.directory);
      const opened = performance.now();
      let bytes = 0;
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < entries.length) {
          const entry = entries[next++];
          if (!entry || entry.directory) continue;
          const data = await entry.getData(new Uint8ArrayWriter());
          bytes += data.length;
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
      return { openMs: opened - started, readMs: performance.now() - opened, images: entries.length, bytes };
    } finally {
      await reader.close();
    }
  };

async function compare({ file, rounds }: ReadersRequest): Promise<ReaderTiming[]> {
  const readers: [string, Run][] = [
    ['Ganvas zip-reader (readEntries, 16 MiB windows)', ganvas],
    ['zip.js strict + CRC, one entry at a time', zipjs(1, true)],
    [`zip.js strict + CRC, ${IN_FLIGHT} entries in flight`, zipjs(IN_FLIGHT, true)],
    [`zip.js defaults (no CRC check), ${IN_FLIGHT} entries in flight`, zipjs(IN_FLIGHT, false)],
  ];
  const timings: ReaderTiming[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? readers : [...readers].reverse();
    for (const [reader, run] of order) {
      const result = await run(file);
      timings.push({ reader, round, ...result });
    }
  }
  return timings;
}

scope.onmessage = (event) => {
  compare(event.data).then(
    (timings) => scope.postMessage({ ok: true, timings }),
    (error: unknown) => scope.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) }),
  );
};
