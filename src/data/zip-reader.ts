/**
 * A streaming zip reader over a Blob (usually the File the user dropped).
 *
 * jszip reads the whole archive into one ArrayBuffer, which fails near 2 GB; a face set can be
 * 3 GB. zip.js reads slices too, but each entry on its own, which made it 5–8× slower on a zip of
 * photos (README, "Data sets: reading big zips"). Here only the End Of Central Directory, the
 * central directory (one slice, ~100 bytes per entry) and then each entry's local header and
 * data are read, on demand, with `Blob.slice()` (readEntries: many entries per slice). Deflated data streams through `DecompressionStream('deflate-raw')` straight
 * into a buffer of the declared size, so the peak memory of reading one entry is that entry.
 *
 * Only what the format needs for reading photos is supported: stored (0) and deflate (8)
 * entries, ZIP64, single-disk archives. Everything read from the archive is treated as hostile
 * data: sizes are bounds to check, never promises; names are labels, never paths.
 *
 * Format reference: PKWARE APPNOTE.TXT 6.3.x (sections 4.3 and 4.5).
 */
import { crc32 } from '../protocol/crc32.ts';

/** Why an archive or entry could not be read; `message` is written for the user. */
export type ZipErrorCode =
  /** No End Of Central Directory: not a zip at all. */
  | 'not-a-zip'
  /** Looks like a zip, but the end is missing (an interrupted download or copy). */
  | 'truncated'
  /** Structures or data that contradict themselves (bad signature, CRC mismatch, bad deflate data). */
  | 'corrupt'
  /** Valid zip features we do not read: split archives, compression other than stored/deflate. */
  | 'unsupported'
  /** The entry is password-protected. */
  | 'encrypted'
  /** The entry declares more bytes than the caller allows. */
  | 'too-large'
  /** The entry inflates to more than it declares: a zip bomb, or a lying archive. */
  | 'zip-bomb'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** The browser could not read the file (moved, deleted or changed since it was chosen). */
  | 'unreadable';

/** An error from the zip reader, with a machine-readable `code` and a user-readable message. */
export class ZipError extends Error {
  override readonly name = 'ZipError';
  readonly code: ZipErrorCode;

  constructor(code: ZipErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** One entry of the central directory. Sizes and offsets are bytes, as plain numbers (< 2^53). */
export interface ZipEntry {
  /** Position in the central directory, 0-based. */
  readonly index: number;
  /**
   * The stored name, decoded (see decodeName): a label only. `../evil.png` is a name like any
   * other; nothing here or downstream resolves it as a path.
   */
  readonly name: string;
  readonly compressedSize: number;
  /** As declared by the archive: an upper bound readEntry enforces, not a fact. */
  readonly uncompressedSize: number;
  /** Compression method: 0 stored, 8 deflate; anything else is unsupported. */
  readonly method: number;
  /** General purpose bit flags (bit 0 encrypted, bit 3 data descriptor, bit 11 UTF-8 name). */
  readonly flags: number;
  readonly encrypted: boolean;
  readonly isDirectory: boolean;
  /** CRC-32 of the uncompressed data, from the central directory. */
  readonly crc32: number;
  /** Where the entry's local header starts in the archive. */
  readonly localHeaderOffset: number;
}

/** An opened archive: the Blob it reads from and the parsed central directory. */
export interface ZipArchive {
  readonly blob: Blob;
  readonly entries: readonly ZipEntry[];
  /** True when the archive used ZIP64 end records. */
  readonly zip64: boolean;
  readonly centralDirectoryOffset: number;
  readonly centralDirectorySize: number;
}

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

const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

const FLAG_ENCRYPTED = 1 << 0;
const FLAG_UTF8 = 1 << 11;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_EOCD64 = 0x06064b50;

const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46;
const EOCD_SIZE = 22;
const EOCD64_LOCATOR_SIZE = 20;
const EOCD64_MIN_SIZE = 56;
/** The EOCD is 22 bytes followed by a comment of at most 65,535 bytes. */
const EOCD_SEARCH_SIZE = EOCD_SIZE + 0xffff;

const EXTRA_ZIP64 = 0x0001;
const EXTRA_UNICODE_PATH = 0x7075;

const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

/**
 * Opens a zip archive: finds the End Of Central Directory in the last 65,557 bytes, follows
 * the ZIP64 records when present, and parses the central directory from a single slice.
 * Reads O(central directory) bytes, never the entries' data.
 * @throws ZipError 'not-a-zip', 'truncated', 'corrupt', 'unsupported' or 'unreadable'.
 */
export async function openZip(blob: Blob): Promise<ZipArchive> {
  const size = blob.size;
  const tailStart = Math.max(0, size - EOCD_SEARCH_SIZE);
  const tail = await readBytes(blob, tailStart, size);
  const eocdInTail = findEocd(tail);
  if (eocdInTail < 0) {
    throw await explainMissingEocd(blob, tail, tailStart);
  }
  const eocdOffset = tailStart + eocdInTail;
  const eocd = view(tail, eocdInTail, EOCD_SIZE);
  const diskNumber = eocd.getUint16(4, true);
  const directoryDisk = eocd.getUint16(6, true);
  let entryCount = eocd.getUint16(10, true);
  let directorySize = eocd.getUint32(12, true);
  let directoryOffset = eocd.getUint32(16, true);
  // Where the central directory must end: at the ZIP64 record when there is one, else the EOCD.
  let directoryLimit = eocdOffset;
  let zip64 = false;

  // Saturated fields mean "see the ZIP64 record"; a locator right before the EOCD points to it.
  if (entryCount === U16_MAX || directorySize === U32_MAX || directoryOffset === U32_MAX) {
    const record = await readZip64End(blob, tail, tailStart, eocdOffset);
    if (record) {
      zip64 = true;
      entryCount = record.entryCount;
      directorySize = record.directorySize;
      directoryOffset = record.directoryOffset;
      directoryLimit = record.recordOffset;
    }
  }
  if (!zip64 && (diskNumber !== 0 || directoryDisk !== 0)) {
    throw new ZipError('unsupported', 'This zip is split across several files (a multi-part archive), which is not supported. Please make a single zip.');
  }

  if (directoryOffset + directorySize > directoryLimit) {
    throw new ZipError('corrupt', 'This zip archive is damaged: its table of contents points outside the file.');
  }
  const directory = await readBytes(blob, directoryOffset, directoryOffset + directorySize);
  const entries = parseCentralDirectory(directory);
  // Old writers store the count modulo 65,536 when they overflow it without ZIP64; accept that.
  if (entries.length % 0x10000 !== entryCount % 0x10000) {
    throw new ZipError('corrupt', `This zip archive is damaged: it lists ${entryCount} files but its table of contents holds ${entries.length}.`);
  }
  return { blob, entries, zip64, centralDirectoryOffset: directoryOffset, centralDirectorySize: directorySize };
}

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

/**
 * SHA-256 (lower-case hex) of the central directory bytes: names, sizes, CRCs and offsets of
 * every entry, so two archives with the same hash hold the same files. Used as cache identity.
 * Re-reads the directory with one slice (a few MB for 50,000 entries) rather than keeping it
 * in memory for the archive's whole life.
 * Where `crypto.subtle` is missing (an insecure context, e.g. a LAN address over http) it falls
 * back to a weaker, prefixed `crc32-fnv1a:` digest rather than losing the cache; the dataset
 * cache key also includes the file's name, size and modification time.
 */
export async function centralDirectoryHash(archive: ZipArchive): Promise<string> {
  const start = archive.centralDirectoryOffset;
  const bytes = await readBytes(archive.blob, start, start + archive.centralDirectorySize);
  const subtle = globalThis.crypto?.subtle as SubtleCrypto | undefined;
  if (subtle) {
    const digest = await subtle.digest('SHA-256', bytes);
    return toHex(new Uint8Array(digest));
  }
  return `crc32-fnv1a:${hex32(crc32(bytes))}${hex32(fnv1a(bytes))}`;
}

/** Re-exported: zip entries were its first use, and tests and fixtures import it from here. */
export { crc32 };

// ---------------------------------------------------------------------------------------------
// End of central directory

/** Offset of the EOCD in `tail`, or -1. Scans backwards so a comment containing "PK\5\6" loses. */
function findEocd(tail: Uint8Array): number {
  const data = view(tail, 0, tail.length);
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (data.getUint32(i, true) !== SIG_EOCD) continue;
    // The comment must fit in what follows, or this is a false match inside some other data.
    const commentLength = data.getUint16(i + 20, true);
    if (i + EOCD_SIZE + commentLength <= tail.length) return i;
  }
  return -1;
}

/** The error for a file with no EOCD: a cut-off zip still starts with a local header. */
async function explainMissingEocd(blob: Blob, tail: Uint8Array, tailStart: number): Promise<ZipError> {
  const head = tailStart === 0 ? tail.subarray(0, 4) : await readBytes(blob, 0, 4);
  if (head.length === 4 && view(head, 0, 4).getUint32(0, true) === SIG_LOCAL) {
    return new ZipError('truncated', 'This zip archive is incomplete: its end is missing (an interrupted download or copy?). Please download or create it again.');
  }
  return new ZipError('not-a-zip', 'This file is not a zip archive. Please choose a .zip of images.');
}

interface Zip64End {
  recordOffset: number;
  entryCount: number;
  directorySize: number;
  directoryOffset: number;
}

/** Follows the ZIP64 locator (just before the EOCD) to the ZIP64 EOCD record; null when absent. */
async function readZip64End(blob: Blob, tail: Uint8Array, tailStart: number, eocdOffset: number): Promise<Zip64End | null> {
  const locatorOffset = eocdOffset - EOCD64_LOCATOR_SIZE;
  if (locatorOffset < 0) return null;
  const locatorBytes =
    locatorOffset >= tailStart
      ? tail.subarray(locatorOffset - tailStart, locatorOffset - tailStart + EOCD64_LOCATOR_SIZE)
      : await readBytes(blob, locatorOffset, eocdOffset);
  const locator = view(locatorBytes, 0, EOCD64_LOCATOR_SIZE);
  // No locator: the saturated fields were genuine values (e.g. exactly 65,535 entries).
  if (locator.getUint32(0, true) !== SIG_EOCD64_LOCATOR) return null;
  if (locator.getUint32(4, true) !== 0 || locator.getUint32(16, true) > 1) {
    throw new ZipError('unsupported', 'This zip is split across several files (a multi-part archive), which is not supported. Please make a single zip.');
  }
  const recordOffset = toSafeNumber(locator.getBigUint64(8, true));
  if (recordOffset + EOCD64_MIN_SIZE > locatorOffset) {
    throw new ZipError('corrupt', 'This zip archive is damaged: its ZIP64 end record is missing.');
  }
  const record = view(await readBytes(blob, recordOffset, recordOffset + EOCD64_MIN_SIZE), 0, EOCD64_MIN_SIZE);
  if (record.getUint32(0, true) !== SIG_EOCD64) {
    throw new ZipError('corrupt', 'This zip archive is damaged: its ZIP64 end record is missing.');
  }
  if (record.getUint32(16, true) !== 0 || record.getUint32(20, true) !== 0) {
    throw new ZipError('unsupported', 'This zip is split across several files (a multi-part archive), which is not supported. Please make a single zip.');
  }
  return {
    recordOffset,
    entryCount: toSafeNumber(record.getBigUint64(32, true)),
    directorySize: toSafeNumber(record.getBigUint64(40, true)),
    directoryOffset: toSafeNumber(record.getBigUint64(48, true)),
  };
}

// ---------------------------------------------------------------------------------------------
// Central directory

/** Parses every central directory header in one linear pass over `directory`. */
function parseCentralDirectory(directory: Uint8Array): ZipEntry[] {
  const data = view(directory, 0, directory.length);
  const entries: ZipEntry[] = [];
  let at = 0;
  while (at < directory.length) {
    if (at + CENTRAL_HEADER_SIZE > directory.length || data.getUint32(at, true) !== SIG_CENTRAL) {
      throw new ZipError('corrupt', 'This zip archive is damaged: its table of contents is unreadable.');
    }
    const flags = data.getUint16(at + 8, true);
    const method = data.getUint16(at + 10, true);
    const crc = data.getUint32(at + 16, true);
    let compressedSize = data.getUint32(at + 20, true);
    let uncompressedSize = data.getUint32(at + 24, true);
    const nameLength = data.getUint16(at + 28, true);
    const extraLength = data.getUint16(at + 30, true);
    const commentLength = data.getUint16(at + 32, true);
    const externalAttributes = data.getUint32(at + 38, true);
    let localHeaderOffset = data.getUint32(at + 42, true);
    const nameStart = at + CENTRAL_HEADER_SIZE;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > directory.length) {
      throw new ZipError('corrupt', 'This zip archive is damaged: its table of contents is unreadable.');
    }
    const rawName = directory.subarray(nameStart, extraStart);
    let name = decodeName(rawName, (flags & FLAG_UTF8) !== 0);

    // Extra fields: ZIP64 sizes/offset, and Info-ZIP's UTF-8 name for archivers that keep the
    // legacy name in CP437.
    for (let x = extraStart; x + 4 <= extraStart + extraLength; ) {
      const id = data.getUint16(x, true);
      const length = data.getUint16(x + 2, true);
      const body = x + 4;
      const bodyEnd = body + length;
      if (bodyEnd > extraStart + extraLength) break;
      if (id === EXTRA_ZIP64) {
        // Only the saturated fields are present, in this fixed order.
        let p = body;
        const take = (): number | null => {
          if (p + 8 > bodyEnd) return null;
          const value = toSafeNumber(data.getBigUint64(p, true));
          p += 8;
          return value;
        };
        if (uncompressedSize === U32_MAX) uncompressedSize = take() ?? uncompressedSize;
        if (compressedSize === U32_MAX) compressedSize = take() ?? compressedSize;
        if (localHeaderOffset === U32_MAX) localHeaderOffset = take() ?? localHeaderOffset;
      } else if (id === EXTRA_UNICODE_PATH && length >= 5 && data.getUint8(body) === 1) {
        // Used only if it describes this very name (its CRC matches), as the spec requires.
        if (data.getUint32(body + 1, true) === crc32(rawName)) {
          name = UTF8.decode(directory.subarray(body + 5, bodyEnd));
        }
      }
      x = bodyEnd;
    }

    // A trailing slash marks directories; MS-DOS attribute bit 4 does for some Windows tools.
    const isDirectory = name.endsWith('/') || name.endsWith('\\') || ((externalAttributes & 0x10) !== 0 && uncompressedSize === 0);
    entries.push({
      index: entries.length,
      name,
      compressedSize,
      uncompressedSize,
      method,
      flags,
      encrypted: (flags & FLAG_ENCRYPTED) !== 0,
      isDirectory,
      crc32: crc,
      localHeaderOffset,
    });
    at = next;
  }
  return entries;
}

const UTF8 = new TextDecoder('utf-8');
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });

/**
 * Code page 437, bytes 0x80–0xFF: the legacy zip name encoding. (TextDecoder has no cp437,
 * and 'latin1' means windows-1252 there, which garbles box-drawing and accented names.)
 */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/**
 * Decodes an entry name. Bit 11 set: UTF-8. Otherwise the spec says CP437, but macOS's
 * Archive Utility and most Linux tools write UTF-8 without setting the bit, so a name that is
 * valid UTF-8 is read as UTF-8 and only the rest as CP437. Pure ASCII is the same in all three.
 */
export function decodeName(raw: Uint8Array, utf8Flag: boolean): string {
  if (utf8Flag) return UTF8.decode(raw);
  let ascii = true;
  for (const byte of raw) {
    if (byte >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) {
    try {
      return UTF8_STRICT.decode(raw);
    } catch {
      // Not UTF-8: fall through to CP437.
    }
  }
  let name = '';
  for (const byte of raw) name += byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80];
  return name;
}

// ---------------------------------------------------------------------------------------------
// Entry data

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

function truncatedEntry(entry: ZipEntry): ZipError {
  return new ZipError('truncated', `${entry.name}: the archive ends before this file does (an incomplete download?).`);
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

function throwIfAborted(signal: AbortSignal | undefined, entry: ZipEntry): void {
  if (signal?.aborted) throw abortedError(signal, entry);
}

function abortedError(signal: AbortSignal, entry: ZipEntry): ZipError {
  return new ZipError('aborted', `${entry.name}: reading was cancelled.`, { cause: signal.reason });
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Reads [start, end) of the blob; a short read means the file shrank or the offsets lie. */
async function readBytes(blob: Blob, start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
  let buffer: ArrayBuffer;
  try {
    buffer = await blob.slice(start, end).arrayBuffer();
  } catch (error) {
    throw unreadable(error);
  }
  if (buffer.byteLength !== end - start) {
    throw new ZipError('truncated', 'This zip archive is incomplete: it ends before the data it describes.');
  }
  return new Uint8Array(buffer);
}

function unreadable(cause: unknown): ZipError {
  return new ZipError('unreadable', 'The file could not be read. It may have been moved, deleted or changed since you chose it; please choose it again.', { cause });
}

function view(bytes: Uint8Array, offset: number, length: number): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, length);
}

/** 64-bit fields beyond 2^53 cannot be byte offsets of any Blob a browser can hold. */
function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ZipError('corrupt', 'This zip archive is damaged: it declares an impossible size.');
  }
  return Number(value);
}

/** Eight 256-entry CRC tables for slicing-by-8 (8 KB, built once at load in microseconds). */

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** "12.5 MB": sizes in messages the user reads. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function ignore(): void {
  // A cancel that fails (the stream already errored or closed) has nothing left to stop.
}
