/**
 * Reading entries' data: one entry (readEntry) or many with few slices (readEntries), with the
 * same checks either way: encryption, method and size limits from the directory alone, then the
 * local header, streamed inflate that stops the moment output exceeds the declared size (zip
 * bombs), and the CRC-32.
 */
import { crc32 } from '../../protocol/crc32.ts';
import { formatBytes } from '../../protocol/format.ts';
import {
  abortedError,
  ignore,
  LOCAL_HEADER_SIZE,
  METHOD_DEFLATE,
  METHOD_STORED,
  readBytes,
  SIG_LOCAL,
  throwIfAborted,
  truncatedEntry,
  unreadable,
  view,
  ZipError,
  type ZipArchive,
  type ZipEntry,
} from './zip-format.ts';

/** Options of readEntry. */
export interface ReadEntryOptions {
  /**
   * The most bytes the caller accepts for this entry; defaults to DEFAULT_READ_MAX_BYTES.
   * Output is also capped at the entry's declared size, whichever is smaller.
   */
  maxBytes?: number;
  signal?: AbortSignal;
}

/**
 * readEntry's backstop when the caller gives no `maxBytes`: bigger than any sane photo, small
 * enough that allocating it cannot take the tab down. Ingest passes its own, smaller limit.
 */
export const DEFAULT_READ_MAX_BYTES = 256 * 1024 * 1024;

/** Compression methods readEntry can decode. */
export const SUPPORTED_METHODS: readonly number[] = [0, 8];

/**
 * Reads one entry's uncompressed bytes. Slices only the local header and the entry's data.
 * Deflated data is inflated as a stream into a buffer of the declared size, and the read stops
 * with 'zip-bomb' as soon as the output would exceed it: the declared size is enforced, not
 * trusted. The CRC-32 of the result is checked against the central directory.
 * @throws ZipError 'encrypted', 'unsupported', 'too-large', 'zip-bomb', 'corrupt',
 *   'truncated', 'aborted' or 'unreadable'.
 */
export async function readEntry(archive: ZipArchive, entry: ZipEntry, options: ReadEntryOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  const { signal } = options;
  throwIfAborted(signal, entry);
  const refusal = refuse(entry, options.maxBytes ?? DEFAULT_READ_MAX_BYTES);
  if (refusal) throw refusal;
  const { blob } = archive;
  const start = await locateData(blob, entry);
  const end = start + entry.compressedSize;
  if (end > blob.size) throw truncatedEntry(entry);
  throwIfAborted(signal, entry);
  // Stored data is read here so it comes back as the output itself (one slice, no copy);
  // deflated data streams from the file so a big entry is never held compressed and inflated.
  const compressed = entry.method === METHOD_STORED && entry.compressedSize === entry.uncompressedSize ? await readBytes(blob, start, end) : blob.slice(start, end);
  return decodeEntryData(entry, compressed, signal);
}

/** Options of readEntries. */
export interface ReadEntriesOptions extends ReadEntryOptions {
  /**
   * Bytes read by one `Blob.slice()`; default DEFAULT_READ_WINDOW_BYTES. An entry that does not
   * fit in one window is read on its own, as readEntry does. At most two windows are held.
   */
  windowBytes?: number;
}

/** One entry read by readEntries: its bytes, or why it could not be read (never both). */
export type ReadEntriesItem =
  | { readonly entry: ZipEntry; readonly bytes: Uint8Array<ArrayBuffer>; readonly error: null }
  | { readonly entry: ZipEntry; readonly bytes: null; readonly error: ZipError };

/**
 * readEntries' window: a `Blob.slice().arrayBuffer()` round trip costs about a millisecond in
 * a worker whatever its size, so reading photos one slice each spends more time on round trips
 * than on bytes; 16 MiB holds hundreds of photos and two of them are cheap to keep.
 */
export const DEFAULT_READ_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * Unrequested bytes between two requested entries that a window still reads through rather
 * than starting a new one: about what one extra round trip costs in reading time.
 */
const MAX_WINDOW_GAP = 1024 * 1024;

/**
 * Reads many entries with few slices: walks them in local-header-offset order, reads the file
 * in windows of up to `windowBytes` (one slice each, covering many entries' local headers and
 * data), and yields each entry's bytes with exactly readEntry's checks (size limits, zip bomb,
 * CRC, encryption, method, truncation). The next window is read while the caller works on the
 * current one, so memory is about two windows plus the entry being yielded.
 *
 * Per-entry problems are yielded as `{ entry, error }` and the walk goes on. When `signal`
 * fires, one 'aborted' item is yielded and the generator ends. Yielded bytes are the caller's
 * own (never a view of a window), so they may be transferred to another worker.
 */
export async function* readEntries(
  archive: ZipArchive,
  entries: readonly ZipEntry[],
  options: ReadEntriesOptions = {},
): AsyncGenerator<ReadEntriesItem, void, undefined> {
  const { signal } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_READ_MAX_BYTES;
  const windowBytes = Math.max(LOCAL_HEADER_SIZE, Math.floor(options.windowBytes ?? DEFAULT_READ_WINDOW_BYTES));
  const steps = planReads(archive, entries, maxBytes, windowBytes);
  const { blob } = archive;

  // One window ahead: started as soon as the previous one is handed over. Its rejection is
  // observed here so that a caller that stops early leaves no unhandled rejection behind.
  const fetchWindow = (step: ReadStep | undefined): Promise<Uint8Array<ArrayBuffer>> | null => {
    if (step?.kind !== 'window') return null;
    const reading = readBytes(blob, step.start, step.end);
    reading.catch(ignore);
    return reading;
  };
  let nextWindow = fetchWindow(steps[0]);
  for (const [index, step] of steps.entries()) {
    const pending = nextWindow;
    nextWindow = null;
    if (step.kind === 'refused') {
      if (signal?.aborted) {
        yield failed(step.entry, abortedError(signal, step.entry));
        return;
      }
      yield failed(step.entry, step.error);
      continue;
    }
    if (step.kind === 'solo') {
      if (signal?.aborted) {
        yield failed(step.entry, abortedError(signal, step.entry));
        return;
      }
      nextWindow = fetchWindow(steps[index + 1]);
      yield await readSolo(archive, step.entry, maxBytes, signal);
      continue;
    }
    let window: Uint8Array<ArrayBuffer> | null = null;
    let windowError: ZipError | null = null;
    try {
      window = await (pending ?? readBytes(blob, step.start, step.end));
    } catch (error) {
      windowError = error instanceof ZipError ? error : unreadable(error);
    }
    nextWindow = fetchWindow(steps[index + 1]);
    for (const { entry, error } of step.items) {
      if (signal?.aborted) {
        yield failed(entry, abortedError(signal, entry));
        return;
      }
      if (error) yield failed(entry, error);
      else if (window === null) yield failed(entry, windowError ?? unreadable(null));
      else yield await readFromWindow(blob, window, step.start, entry, signal);
    }
  }
}

/**
 * What readEntries does next: one window's slice and the entries in it (refused ones ride
 * along, in offset order, without widening it), one entry too big for a window, or one entry
 * refused from the directory alone before any window.
 */
type ReadStep =
  | { kind: 'window'; start: number; end: number; items: { entry: ZipEntry; error: ZipError | null }[] }
  | { kind: 'solo'; entry: ZipEntry }
  | { kind: 'refused'; entry: ZipEntry; error: ZipError };

/**
 * Groups `entries` (sorted by offset) into windows. An entry's extent is taken to run to the
 * next local header in the archive (or the central directory): in a well-formed zip that is
 * exactly its header, name, extra, data and descriptor, which the central directory alone
 * cannot tell (local name and extra lengths may differ). When the guess is short, the entry's
 * missing tail costs one more slice (see readFromWindow), never a wrong result.
 */
function planReads(archive: ZipArchive, entries: readonly ZipEntry[], maxBytes: number, windowBytes: number): ReadStep[] {
  const size = archive.blob.size;
  const boundaries = [...new Set(archive.entries.map((e) => e.localHeaderOffset)), archive.centralDirectoryOffset].sort((a, b) => a - b);
  const extentEnd = (entry: ZipEntry): number => {
    const minimum = entry.localHeaderOffset + LOCAL_HEADER_SIZE + entry.compressedSize;
    const next = boundaries[upperBound(boundaries, entry.localHeaderOffset)];
    return next !== undefined && next >= minimum ? next : minimum;
  };
  // Stable by index among equal offsets, so the order is deterministic even in odd archives.
  const sorted = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset || a.index - b.index);
  const steps: ReadStep[] = [];
  let current: Extract<ReadStep, { kind: 'window' }> | null = null;
  for (const entry of sorted) {
    const error = refuse(entry, maxBytes);
    if (error) {
      // Refused from the directory alone: no bytes needed, so it never shapes a window.
      if (current) current.items.push({ entry, error });
      else steps.push({ kind: 'refused', entry, error });
      continue;
    }
    const start = entry.localHeaderOffset;
    const end = Math.min(extentEnd(entry), size);
    if (current && start >= current.start && start - current.end <= MAX_WINDOW_GAP && extentEnd(entry) - current.start <= windowBytes) {
      current.end = Math.max(current.end, end);
      current.items.push({ entry, error: null });
      continue;
    }
    if (extentEnd(entry) - start > windowBytes || start + LOCAL_HEADER_SIZE > size) {
      // Too big for a window (or not even a header left in the file): readEntry's path, which
      // streams the data and reports truncation itself.
      steps.push({ kind: 'solo', entry });
      current = null;
      continue;
    }
    current = { kind: 'window', start, end, items: [{ entry, error: null }] };
    steps.push(current);
  }
  return steps;
}

/** Index of the first element of ascending `values` greater than `value`. */
function upperBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((values[mid] as number) <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** One entry out of a window that starts at `windowStart`, with readEntry's checks. */
async function readFromWindow(blob: Blob, window: Uint8Array<ArrayBuffer>, windowStart: number, entry: ZipEntry, signal: AbortSignal | undefined): Promise<ReadEntriesItem> {
  try {
    const offset = entry.localHeaderOffset - windowStart;
    // The plan puts every window entry's fixed header inside its window, unless the file shrank.
    if (offset + LOCAL_HEADER_SIZE > window.length) throw truncatedEntry(entry);
    const start = dataStart(view(window, offset, LOCAL_HEADER_SIZE), entry);
    const end = start + entry.compressedSize;
    if (end > blob.size) throw truncatedEntry(entry);
    const windowEnd = windowStart + window.length;
    let compressed: Uint8Array<ArrayBuffer>;
    if (end <= windowEnd) {
      // A copy for stored data: the output must not keep (or, transferred, detach) the window.
      const inWindow = window.subarray(start - windowStart, end - windowStart);
      compressed = entry.method === METHOD_STORED ? inWindow.slice() : inWindow;
    } else {
      // The local name or extra was longer than the directory suggested: fetch the tail.
      const head = start < windowEnd ? window.subarray(start - windowStart) : new Uint8Array(0);
      const tail = await readBytes(blob, Math.max(start, windowEnd), end);
      compressed = new Uint8Array(head.length + tail.length);
      compressed.set(head);
      compressed.set(tail, head.length);
    }
    return { entry, bytes: await decodeEntryData(entry, compressed, signal), error: null };
  } catch (error) {
    return failed(entry, error instanceof ZipError ? error : unreadable(error));
  }
}

/** An entry too big for a window, read by readEntry, as an item. */
async function readSolo(archive: ZipArchive, entry: ZipEntry, maxBytes: number, signal: AbortSignal | undefined): Promise<ReadEntriesItem> {
  try {
    return { entry, bytes: await readEntry(archive, entry, { maxBytes, signal }), error: null };
  } catch (error) {
    return failed(entry, error instanceof ZipError ? error : unreadable(error));
  }
}

function failed(entry: ZipEntry, error: ZipError): ReadEntriesItem {
  return { entry, bytes: null, error };
}

/**
 * The checks that need only the directory (encryption, method, the caller's size limit):
 * the 'encrypted', 'unsupported' or 'too-large' error, or null when the entry can be read.
 */
function refuse(entry: ZipEntry, maxBytes: number): ZipError | null {
  if (entry.encrypted) {
    return new ZipError('encrypted', `${entry.name}: this file is password-protected.`);
  }
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATE) {
    return new ZipError('unsupported', `${entry.name}: compression method ${entry.method} is not supported (only stored and deflate).`);
  }
  if (entry.uncompressedSize > maxBytes) {
    return new ZipError('too-large', `${entry.name}: ${formatBytes(entry.uncompressedSize)} is over the ${formatBytes(maxBytes)} limit per file.`);
  }
  return null;
}

/**
 * An entry's compressed bytes → its checked uncompressed bytes; shared by readEntry and
 * readEntries so both enforce the same rules. `compressed` is either the bytes themselves
 * (stored: returned as the output, so they must be the caller's own) or a Blob to stream
 * (deflate, without holding the compressed data).
 * @throws ZipError 'corrupt', 'zip-bomb', 'truncated', 'aborted' or 'unreadable'.
 */
async function decodeEntryData(entry: ZipEntry, compressed: Uint8Array<ArrayBuffer> | Blob, signal: AbortSignal | undefined): Promise<Uint8Array<ArrayBuffer>> {
  let output: Uint8Array<ArrayBuffer>;
  let crc: number;
  if (entry.method === METHOD_STORED) {
    if (entry.compressedSize !== entry.uncompressedSize) {
      throw new ZipError('corrupt', `${entry.name}: stored file with mismatched sizes (${entry.compressedSize} vs ${entry.uncompressedSize} bytes).`);
    }
    output = compressed instanceof Blob ? await readBytes(compressed, 0, compressed.size) : compressed;
    throwIfAborted(signal, entry);
    crc = crc32(output);
  } else {
    ({ output, crc } = await inflate(compressed instanceof Blob ? compressed.stream() : streamOf(compressed), entry, signal));
  }
  if (crc !== entry.crc32) {
    throw new ZipError('corrupt', `${entry.name}: the data is corrupt (checksum mismatch).`);
  }
  return output;
}

/** Bytes already in memory as a one-chunk stream (DecompressionStream copies, never detaches). */
function streamOf(bytes: Uint8Array<ArrayBuffer>): ReadableStream<Uint8Array<ArrayBuffer>> {
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Local headers and inflate

/** Reads the local header (whose name and extra lengths may differ from the central one) → data start. */
async function locateData(blob: Blob, entry: ZipEntry): Promise<number> {
  const offset = entry.localHeaderOffset;
  if (offset + LOCAL_HEADER_SIZE > blob.size) throw truncatedEntry(entry);
  return dataStart(view(await readBytes(blob, offset, offset + LOCAL_HEADER_SIZE), 0, LOCAL_HEADER_SIZE), entry);
}

/** The data start of `entry`, from its 30-byte local header. @throws ZipError 'corrupt'. */
function dataStart(header: DataView, entry: ZipEntry): number {
  if (header.getUint32(0, true) !== SIG_LOCAL) {
    throw new ZipError('corrupt', `${entry.name}: the archive is damaged here (no file header where the table of contents points).`);
  }
  return entry.localHeaderOffset + LOCAL_HEADER_SIZE + header.getUint16(26, true) + header.getUint16(28, true);
}

/**
 * Inflates `compressed` into a buffer of exactly the declared size, CRC-ing chunk by chunk.
 * Stops (and cancels the stream) the moment output would overflow the declaration.
 */
async function inflate(
  compressed: ReadableStream<Uint8Array<ArrayBuffer>>,
  entry: ZipEntry,
  signal: AbortSignal | undefined,
): Promise<{ output: Uint8Array<ArrayBuffer>; crc: number }> {
  const declared = entry.uncompressedSize;
  const output = new Uint8Array(declared);
  const reader = compressed.pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  // Cancelling resolves a pending read() with done, so an abort is noticed without waiting for data.
  const onAbort = (): void => {
    reader.cancel().catch(ignore);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let written = 0;
  let crc = 0;
  let finished = false;
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throwIfAborted(signal, entry);
        if (error instanceof Error && error.name === 'NotReadableError') throw unreadable(error);
        throw new ZipError('corrupt', `${entry.name}: the compressed data is corrupt.`, { cause: error });
      }
      throwIfAborted(signal, entry);
      if (result.done) break;
      const chunk = result.value;
      if (written + chunk.length > declared) {
        throw new ZipError(
          'zip-bomb',
          `${entry.name}: inflates to more than the ${formatBytes(declared)} it declares (a zip bomb or a damaged archive); reading stopped.`,
        );
      }
      output.set(chunk, written);
      crc = crc32(chunk, crc);
      written += chunk.length;
    }
    finished = true;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Stop the decompressor on every early exit so it does not keep reading the file.
    if (!finished) reader.cancel().catch(ignore);
  }
  if (written !== declared) {
    throw new ZipError('corrupt', `${entry.name}: the data is corrupt (${formatBytes(written)} instead of ${formatBytes(declared)}).`);
  }
  return { output, crc };
}
