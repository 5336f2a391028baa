/**
 * What the two halves of the zip reader share (zip-directory.ts reads the table of contents,
 * zip-entry-data.ts the files in it): the record layout of PKWARE APPNOTE.TXT 6.3.x, the entry
 * types, ZipError and its user-facing sentences, and reading byte ranges of the Blob.
 * zip-reader.ts is the one module the rest of the app imports.
 */

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

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

export const FLAG_ENCRYPTED = 1 << 0;
export const FLAG_UTF8 = 1 << 11;

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_EOCD64_LOCATOR = 0x07064b50;
export const SIG_EOCD64 = 0x06064b50;

export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const EOCD_SIZE = 22;
export const EOCD64_LOCATOR_SIZE = 20;
export const EOCD64_MIN_SIZE = 56;
/** The EOCD is 22 bytes followed by a comment of at most 65,535 bytes. */
export const EOCD_SEARCH_SIZE = EOCD_SIZE + 0xffff;

export const EXTRA_ZIP64 = 0x0001;
export const EXTRA_UNICODE_PATH = 0x7075;

export const U16_MAX = 0xffff;
export const U32_MAX = 0xffffffff;

/** Reads [start, end) of the blob; a short read means the file shrank or the offsets lie. */
export async function readBytes(blob: Blob, start: number, end: number): Promise<Uint8Array<ArrayBuffer>> {
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

export function unreadable(cause: unknown): ZipError {
  return new ZipError('unreadable', 'The file could not be read. It may have been moved, deleted or changed since you chose it; please choose it again.', { cause });
}

export function view(bytes: Uint8Array, offset: number, length: number): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, length);
}

/** 64-bit fields beyond 2^53 cannot be byte offsets of any Blob a browser can hold. */
export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ZipError('corrupt', 'This zip archive is damaged: it declares an impossible size.');
  }
  return Number(value);
}

export function truncatedEntry(entry: ZipEntry): ZipError {
  return new ZipError('truncated', `${entry.name}: the archive ends before this file does (an incomplete download?).`);
}

export function throwIfAborted(signal: AbortSignal | undefined, entry: ZipEntry): void {
  if (signal?.aborted) throw abortedError(signal, entry);
}

export function abortedError(signal: AbortSignal, entry: ZipEntry): ZipError {
  return new ZipError('aborted', `${entry.name}: reading was cancelled.`, { cause: signal.reason });
}

export function ignore(): void {
  // A cancel that fails (the stream already errored or closed) has nothing left to stop.
}
