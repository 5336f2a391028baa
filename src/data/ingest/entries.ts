/**
 * Which zip entries are worth decoding as images, decided from the central directory alone
 * (no data read), and why the others are skipped, in words the user reads in the ingest report.
 *
 * Entry names are data, never paths: nothing here resolves `..` or touches a file system, and
 * a name is only ever split to show its last part or to read its extension.
 */
import type { IngestSkipReason } from '../../protocol/dataset.ts';
import { SUPPORTED_METHODS, type ZipEntry } from '../zip/zip-reader.ts';

/** Why an entry is not read: the zip-level reasons of the protocol's IngestSkipReason. */
export type SkipReason = Extract<IngestSkipReason, 'directory' | 'hidden' | 'not-image' | 'empty' | 'encrypted' | 'unsupported-compression' | 'too-large' | 'zip-bomb'>;

/**
 * The verdict on one entry: 'read' it and judge it by its content (whatever its extension:
 * a JPEG named .txt is still a photo, an HTML page named .png is not), or skip it unread.
 */
export type EntryClass = { kind: 'read' } | { kind: 'skip'; reason: SkipReason };

/** Size limits applied to declared entry sizes before any data is read. */
export interface IngestLimits {
  /** Largest declared uncompressed size accepted, in bytes. */
  maxEntryBytes: number;
  /** Largest uncompressed : compressed ratio accepted for entries above `ratioFloorBytes`. */
  maxCompressionRatio: number;
  /** Entries at or below this uncompressed size skip the ratio test, in bytes. */
  ratioFloorBytes: number;
}

/**
 * Defaults for ingesting photos.
 * - 50 MB per entry: a 50-megapixel JPEG is ~25 MB; anything larger is not a face photo, and
 *   decoding it would cost hundreds of MB of RGBA.
 * - 100:1 compression: JPEG, PNG, WebP, AVIF and GIF are already compressed and deflate at
 *   best ~1.1:1; even an uncompressed BMP of a photo stays far below 100:1. Only a zip bomb or
 *   a blank image gets there.
 * - 1 MB floor: small files (a tiny flat-colour PNG, a BMP icon) can compress very well
 *   legitimately, and at that size even a "bomb" costs nothing.
 * The ratio test only sees declared sizes; readEntry enforces them when inflating.
 */
export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxEntryBytes: 50 * 1024 * 1024,
  maxCompressionRatio: 100,
  ratioFloorBytes: 1024 * 1024,
});

/**
 * Extensions (lower case, no dot) of images, decodable or not: only used to name an entry that
 * cannot be read (too large, encrypted…) as "not an image" when its name says so too.
 */
const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif', 'bmp', 'avif', 'heic', 'heif', 'tif', 'tiff', 'svg', 'psd', 'jxl']);

/** Metadata junk that some OSes add to archives (compared case-insensitively). */
const JUNK_FOLDERS = new Set(['__macosx']);
const JUNK_FILES = new Set(['thumbs.db', 'desktop.ini', '.ds_store']);

/** The central-directory fields classifyEntry needs (a ZipEntry has them all). */
export type ClassifiableEntry = Pick<ZipEntry, 'name' | 'isDirectory' | 'uncompressedSize' | 'compressedSize' | 'method' | 'encrypted'>;

/**
 * Classifies an entry from its central directory record. Junk (folders, hidden files) and
 * empty files are skipped first. An entry that cannot be read (encrypted, an unsupported
 * method, too large, a likely zip bomb) is called "not an image" when its name does not look
 * like one either, so a video or a PDF beside the photos is not reported as a threat. A
 * compression ratio test comes before the size test, so a bomb is named as one. Costs O(name
 * length); safe to call on 50,000 entries.
 */
export function classifyEntry(entry: ClassifiableEntry, limits: Readonly<IngestLimits> = DEFAULT_INGEST_LIMITS): EntryClass {
  const skip = (reason: SkipReason): EntryClass => ({ kind: 'skip', reason });
  if (entry.isDirectory) return skip('directory');
  const segments = splitName(entry.name);
  if (segments.some(isHiddenSegment)) return skip('hidden');
  if (entry.uncompressedSize === 0) return skip('empty');
  const unreadable = unreadableReason(entry, limits);
  if (unreadable === null) return { kind: 'read' };
  return IMAGE_EXTENSIONS.has(extensionOf(segments[segments.length - 1] ?? '')) ? skip(unreadable) : skip('not-image');
}

function unreadableReason(entry: ClassifiableEntry, limits: Readonly<IngestLimits>): SkipReason | null {
  if (entry.encrypted) return 'encrypted';
  if (!SUPPORTED_METHODS.includes(entry.method)) return 'unsupported-compression';
  if (entry.uncompressedSize > limits.ratioFloorBytes && entry.uncompressedSize > entry.compressedSize * limits.maxCompressionRatio) {
    return 'zip-bomb';
  }
  if (entry.uncompressedSize > limits.maxEntryBytes) return 'too-large';
  return null;
}

/** Names of the zip compression methods people meet (APPNOTE 4.4.5), for "re-zip" advice. */
const METHOD_NAMES: Readonly<Record<number, string>> = {
  1: 'Shrink',
  6: 'Implode',
  9: 'Deflate64',
  12: 'BZIP2',
  14: 'LZMA',
  19: 'IBM LZ77',
  93: 'Zstandard',
  95: 'XZ',
  96: 'JPEG (WinZip)',
  97: 'WavPack',
  98: 'PPMd',
  99: 'AES encryption',
};

/** "LZMA (method 14)", or "method 42" for a method with no common name. */
export function describeCompressionMethod(method: number): string {
  const name = METHOD_NAMES[method];
  return name ? `${name} (method ${method})` : `method ${method}`;
}

/**
 * The last part of an entry name, for display: `photos/2019/me.jpg` → `me.jpg`. Both `/` and
 * `\` separate (Windows tools write either); a directory's trailing separator is ignored.
 * Unicode is kept as is (the UI renders it as text, never as markup or a path).
 */
export function displayName(name: string): string {
  const segments = splitName(name);
  return segments[segments.length - 1] ?? name;
}

/** The lower-cased extension of a base name without the dot; '' when there is none. */
export function extensionOf(baseName: string): string {
  const dot = baseName.lastIndexOf('.');
  return dot <= 0 ? '' : baseName.slice(dot + 1).toLowerCase();
}

/** Non-empty name segments; empty ones (from `a//b` or a trailing `/`) carry nothing. */
function splitName(name: string): string[] {
  return name.split(/[/\\]/).filter((segment) => segment.length > 0);
}

/**
 * Dot-files and dot-folders (`.DS_Store`, macOS `._photo.jpg` resource forks, `.git/`), the
 * `__MACOSX/` folder and Windows' thumbnail caches. `.` and `..` are not hidden: they are just
 * odd characters in a name (which is never resolved as a path).
 */
function isHiddenSegment(segment: string): boolean {
  if (segment === '.' || segment === '..') return false;
  const lower = segment.toLowerCase();
  return segment.startsWith('.') || JUNK_FOLDERS.has(lower) || JUNK_FILES.has(lower);
}
