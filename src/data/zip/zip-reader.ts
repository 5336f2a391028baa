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
// The reader in three parts: zip-format.ts (layout, types, errors, byte reads), zip-directory.ts
// (opening: the table of contents) and zip-entry-data.ts (reading and inflating entries).
export { ZipError, type ZipArchive, type ZipEntry, type ZipErrorCode } from './zip-format.ts';
export { centralDirectoryHash, decodeName, openZip } from './zip-directory.ts';
export {
  DEFAULT_READ_MAX_BYTES,
  DEFAULT_READ_WINDOW_BYTES,
  readEntries,
  readEntry,
  SUPPORTED_METHODS,
  type ReadEntriesItem,
  type ReadEntriesOptions,
  type ReadEntryOptions,
} from './zip-entry-data.ts';
/** Re-exported: zip entries were its first use, and tests and fixtures import it from here. */
export { crc32 } from '../../protocol/crc32.ts';
