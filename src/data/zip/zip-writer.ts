/**
 * A zip written as it goes, for exports too big to hold twice (a 10,000 × 128 px set is 2 GB of
 * float32). Entries are stored (no compression: float32 pixels barely compress and the time is
 * better spent elsewhere), each one streamed from chunks with its CRC computed on the way and
 * written after the data (a data descriptor, general-purpose flag bit 3), so nothing is read
 * twice. The archive builds up as a Blob: pending chunks are folded into it every
 * FOLD_BYTES, and the browser keeps big Blobs in its blob store (on disk when large), not in the
 * worker's heap. No ZIP64: an archive over 4 GiB gets a clear error.
 */
import { crc32 } from './zip-reader.ts';

/** Fold pending chunks into the Blob once this many bytes wait in the heap. */
const FOLD_BYTES = 32 * 1024 * 1024;
const UINT32_LIMIT = 0xffffffff;
/** Bit 3 (sizes and CRC follow the data) and bit 11 (names are UTF-8). */
const FLAGS = 0x0808;
const VERSION = 20;

/** Where an entry's bytes come from: whole, or in chunks as they are produced. */
export type ZipSource = Uint8Array | string | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface ZipEntryWritten {
  name: string;
  size: number;
  crc32: number;
}

export interface ZipWriter {
  /** Appends one entry, reading `source` once, chunk by chunk. */
  add(name: string, source: ZipSource): Promise<ZipEntryWritten>;
  /** Writes the central directory and returns the archive. The writer is spent afterwards. */
  finish(): Blob;
}

/** The export would not fit a zip without ZIP64. */
export class ZipTooLargeError extends Error {
  override readonly name = 'ZipTooLargeError';
}

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(date.getFullYear(), 1980);
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

async function* chunksOf(source: ZipSource): AsyncIterable<Uint8Array> {
  if (typeof source === 'string') yield new TextEncoder().encode(source);
  else if (source instanceof Uint8Array) yield source;
  else yield* source;
}

/** Starts an empty archive; `modified` stamps every entry (default: now). */
export function createZipWriter(modified: Date = new Date()): ZipWriter {
  const stamp = dosDateTime(modified);
  let blob = new Blob([]);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  /** Times pending chunks were folded into the Blob. */
  let folds = 0;
  let offset = 0;
  const central: Uint8Array[] = [];
  let count = 0;
  let finished = false;

  function emit(bytes: Uint8Array): void {
    if (offset + bytes.length > UINT32_LIMIT) {
      throw new ZipTooLargeError('The export would be larger than 4 GB, more than a zip without ZIP64 holds. Export a smaller set or a smaller image size.');
    }
    // Copied: callers may reuse their chunk buffers.
    pending.push(bytes.slice());
    pendingBytes += bytes.length;
    offset += bytes.length;
    if (pendingBytes >= FOLD_BYTES) fold();
  }

  function fold(): void {
    blob = new Blob([blob, ...(pending as BlobPart[])]);
    pending = [];
    pendingBytes = 0;
    folds += 1;
  }

  return {
    async add(name, source) {
      if (finished) throw new Error('zip writer: add after finish');
      const nameBytes = new TextEncoder().encode(name);
      const localOffset = offset;
      const local = new DataView(new ArrayBuffer(30));
      local.setUint32(0, 0x04034b50, true);
      local.setUint16(4, VERSION, true);
      local.setUint16(6, FLAGS, true);
      local.setUint16(8, 0, true); // stored
      local.setUint16(10, stamp.time, true);
      local.setUint16(12, stamp.date, true);
      // CRC and sizes (offsets 14–25) stay 0 here: they follow the data.
      local.setUint16(26, nameBytes.length, true);
      emit(new Uint8Array(local.buffer));
      emit(nameBytes);
      let crc = 0;
      let size = 0;
      for await (const chunk of chunksOf(source)) {
        crc = crc32(chunk, crc);
        size += chunk.length;
        const folded = folds;
        emit(chunk);
        // A big entry takes seconds: let queued messages (pause, stop, training steps) run between folds.
        if (folds !== folded) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const descriptor = new DataView(new ArrayBuffer(16));
      descriptor.setUint32(0, 0x08074b50, true);
      descriptor.setUint32(4, crc, true);
      descriptor.setUint32(8, size, true);
      descriptor.setUint32(12, size, true);
      emit(new Uint8Array(descriptor.buffer));

      const entry = new DataView(new ArrayBuffer(46));
      entry.setUint32(0, 0x02014b50, true);
      entry.setUint16(4, VERSION, true);
      entry.setUint16(6, VERSION, true);
      entry.setUint16(8, FLAGS, true);
      entry.setUint16(10, 0, true);
      entry.setUint16(12, stamp.time, true);
      entry.setUint16(14, stamp.date, true);
      entry.setUint32(16, crc, true);
      entry.setUint32(20, size, true);
      entry.setUint32(24, size, true);
      entry.setUint16(28, nameBytes.length, true);
      entry.setUint32(42, localOffset, true);
      central.push(new Uint8Array(entry.buffer), nameBytes);
      count += 1;
      return { name, size, crc32: crc };
    },
    finish() {
      if (finished) throw new Error('zip writer: finish twice');
      finished = true;
      const directoryOffset = offset;
      central.forEach(emit);
      const end = new DataView(new ArrayBuffer(22));
      end.setUint32(0, 0x06054b50, true);
      end.setUint16(8, count, true);
      end.setUint16(10, count, true);
      end.setUint32(12, offset - directoryOffset, true);
      end.setUint32(16, directoryOffset, true);
      emit(new Uint8Array(end.buffer));
      fold();
      return new Blob([blob], { type: 'application/zip' });
    },
  };
}
