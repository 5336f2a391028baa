/**
 * The zip's table of contents: the End Of Central Directory (and its ZIP64 records), the
 * central directory parsed in one pass, entry names decoded, and the directory's hash used as
 * the cache identity. Reads O(central directory) bytes, never the entries' data.
 */
import { crc32 } from '../../protocol/crc32.ts';
import {
  CENTRAL_HEADER_SIZE,
  EOCD64_LOCATOR_SIZE,
  EOCD64_MIN_SIZE,
  EOCD_SEARCH_SIZE,
  EOCD_SIZE,
  EXTRA_UNICODE_PATH,
  EXTRA_ZIP64,
  FLAG_ENCRYPTED,
  FLAG_UTF8,
  readBytes,
  SIG_CENTRAL,
  SIG_EOCD,
  SIG_EOCD64,
  SIG_EOCD64_LOCATOR,
  SIG_LOCAL,
  toSafeNumber,
  U16_MAX,
  U32_MAX,
  view,
  ZipError,
  type ZipArchive,
  type ZipEntry,
} from './zip-format.ts';

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
// Hash helpers


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
