/**
 * Which zip entries are worth decoding as images, decided from the central directory alone
 * (no data read), and why the others are skipped, in words the user reads in the ingest report.
 *
 * Entry names are data, never paths: nothing here resolves `..` or touches a file system, and
 * a name is only ever split to show its last part or to read its extension.
 */
import type { IngestSkipReason } from '../protocol/dataset.ts';
import { SUPPORTED_METHODS, type ZipEntry } from './zip-reader.ts';

/** Why an entry is not decoded: the zip-level reasons of the protocol's IngestSkipReason. */
export type SkipReason = Exclude<IngestSkipReason, 'corrupt' | 'unsupported'>;

/** Every skip reason, in the order classifyEntry tests them (for reports and exhaustive tests). */
export const SKIP_REASONS: readonly SkipReason[] = [
  'directory',
  'hidden',
  'not-image',
  'empty',
  'encrypted',
  'unsupported-compression',
  'too-large',
  'zip-bomb',
];

/** The verdict on one entry. */
export type EntryClass = { kind: 'image' } | { kind: 'skip'; reason: SkipReason };

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

/** File extensions (lower case, no dot) the decoder accepts, because browsers decode them. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif', 'bmp', 'avif']);

/** Metadata junk that some OSes add to archives (compared case-insensitively). */
const JUNK_FOLDERS = new Set(['__macosx']);
const JUNK_FILES = new Set(['thumbs.db', 'desktop.ini', '.ds_store']);

/** The central-directory fields classifyEntry needs (a ZipEntry has them all). */
export type ClassifiableEntry = Pick<ZipEntry, 'name' | 'isDirectory' | 'uncompressedSize' | 'compressedSize' | 'method' | 'encrypted'>;

/**
 * Classifies an entry from its central directory record. Checks run from the most obvious to
 * the most suspicious, so a junk file is reported as junk ('hidden', 'not-image') rather than
 * as a threat. Costs O(name length); safe to call on 50,000 entries.
 */
export function classifyEntry(entry: ClassifiableEntry, limits: Readonly<IngestLimits> = DEFAULT_INGEST_LIMITS): EntryClass {
  const skip = (reason: SkipReason): EntryClass => ({ kind: 'skip', reason });
  if (entry.isDirectory) return skip('directory');
  const segments = splitName(entry.name);
  if (segments.some(isHiddenSegment)) return skip('hidden');
  if (!IMAGE_EXTENSIONS.has(extensionOf(segments[segments.length - 1] ?? ''))) return skip('not-image');
  if (entry.uncompressedSize === 0) return skip('empty');
  if (entry.encrypted) return skip('encrypted');
  if (!SUPPORTED_METHODS.includes(entry.method)) return skip('unsupported-compression');
  if (entry.uncompressedSize > limits.maxEntryBytes) return skip('too-large');
  if (entry.uncompressedSize > limits.ratioFloorBytes && entry.uncompressedSize > entry.compressedSize * limits.maxCompressionRatio) {
    return skip('zip-bomb');
  }
  return { kind: 'image' };
}

/** A short, lower-case phrase for a skip reason ("12 files skipped: not an image"). */
export function describeSkipReason(reason: SkipReason): string {
  switch (reason) {
    case 'directory':
      return 'folder';
    case 'hidden':
      return 'hidden or system file';
    case 'not-image':
      return 'not an image';
    case 'empty':
      return 'empty file';
    case 'encrypted':
      return 'password-protected';
    case 'unsupported-compression':
      return 'unsupported compression method';
    case 'too-large':
      return 'too large';
    case 'zip-bomb':
      return 'compressed too well to be an image (possible zip bomb)';
  }
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
