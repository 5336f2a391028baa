/**
 * Builds zip archives in memory for tests: stored and deflated entries, the ZIP64 form, and
 * deliberately broken archives (lying sizes, wrong CRCs, encrypted flags, truncation).
 *
 * Node APIs only and no test-framework imports, so unit tests, end-to-end tests and scripts can
 * all use it. The output follows PKWARE APPNOTE 6.3.x closely enough for real unzip tools.
 */
import { Buffer } from 'node:buffer';
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';

/** One file (or directory) in a fixture archive. */
export interface FixtureEntry {
  /** The stored name: a string (UTF-8 flagged when non-ASCII) or raw bytes (no flag: CP437). */
  name: string | Uint8Array;
  /** Contents; a string is UTF-8 encoded. Default: empty. */
  data?: Uint8Array | string;
  /** 'deflate' (default for files) or 'store'. */
  method?: 'store' | 'deflate';
  /** Raw method number written instead (e.g. 12 for bzip2); the data is stored as is. */
  methodCode?: number;
  /** Sets general purpose bit 0 (the data itself is not encrypted: readers must not get that far). */
  encrypted?: boolean;
  /** Sets bit 11 (UTF-8 name). Default: true when `name` is a string with non-ASCII characters. */
  utf8Flag?: boolean;
  /** Declared uncompressed size, when the archive should lie about it (zip-bomb tests). */
  declaredSize?: number;
  /** Declared CRC-32, when it should be wrong. */
  crc?: number;
  /** Writes sizes and CRC in a data descriptor after the data (bit 3), zeros in the local header. */
  dataDescriptor?: boolean;
  /** Extra field bytes for the central header only (local headers get `localExtra`). */
  centralExtra?: Uint8Array;
  localExtra?: Uint8Array;
}

/** Options of buildZip. */
export interface BuildZipOptions {
  /** Writes every size/offset through ZIP64 extra fields and the ZIP64 end records. */
  zip64?: boolean;
  /** Archive comment (after the EOCD; readers must look past it). */
  comment?: string | Uint8Array;
}

const encoder = new TextEncoder();

/** CRC-32 as zip stores it (Node's zlib implementation, independent of the reader's). */
export function crc32(data: Uint8Array): number {
  return zlibCrc32(data) >>> 0;
}

/** True for names that need the UTF-8 flag. */
function isAscii(text: string): boolean {
  return [...text].every((ch) => ch.charCodeAt(0) < 0x80);
}

/** A directory entry ("photos/"). */
export function directory(name: string): FixtureEntry {
  return { name: name.endsWith('/') ? name : `${name}/`, method: 'store' };
}

/** Builds a complete zip archive from `entries`. */
export function buildZip(entries: readonly FixtureEntry[], options: BuildZipOptions = {}): Uint8Array<ArrayBuffer> {
  const zip64 = options.zip64 ?? false;
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const push = (bytes: Uint8Array): void => {
    parts.push(bytes);
    offset += bytes.length;
  };

  for (const entry of entries) {
    const nameBytes = typeof entry.name === 'string' ? encoder.encode(entry.name) : entry.name;
    const utf8 = entry.utf8Flag ?? (typeof entry.name === 'string' && !isAscii(entry.name));
    const data = typeof entry.data === 'string' ? encoder.encode(entry.data) : (entry.data ?? new Uint8Array(0));
    const isDir = typeof entry.name === 'string' && entry.name.endsWith('/');
    const method = entry.methodCode ?? (entry.method === 'store' || isDir ? 0 : 8);
    const body = method === 8 ? new Uint8Array(deflateRawSync(data)) : data;
    const crc = entry.crc ?? crc32(data);
    const size = entry.declaredSize ?? data.length;
    const flags = (entry.encrypted ? 1 : 0) | (entry.dataDescriptor ? 1 << 3 : 0) | (utf8 ? 1 << 11 : 0);
    const localOffset = offset;

    // ZIP64: 32-bit fields saturate and the real values go into extra field 0x0001.
    const localZip64 = zip64 ? zip64Extra([size, body.length]) : new Uint8Array(0);
    const localExtra = concat([localZip64, entry.localExtra ?? new Uint8Array(0)]);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, zip64 ? 45 : 20, true);
    local.setUint16(6, flags, true);
    local.setUint16(8, method, true);
    local.setUint16(10, 0, true); // time: 00:00:00
    local.setUint16(12, (1 << 5) | 1 | (40 << 9), true); // date: 2020-01-01
    local.setUint32(14, entry.dataDescriptor ? 0 : crc, true);
    local.setUint32(18, entry.dataDescriptor ? 0 : zip64 ? 0xffffffff : body.length, true);
    local.setUint32(22, entry.dataDescriptor ? 0 : zip64 ? 0xffffffff : size, true);
    local.setUint16(26, nameBytes.length, true);
    local.setUint16(28, localExtra.length, true);
    push(new Uint8Array(local.buffer));
    push(nameBytes);
    push(localExtra);
    push(body);
    if (entry.dataDescriptor) {
      const descriptor = new DataView(new ArrayBuffer(zip64 ? 24 : 16));
      descriptor.setUint32(0, 0x08074b50, true);
      descriptor.setUint32(4, crc, true);
      if (zip64) {
        descriptor.setBigUint64(8, BigInt(body.length), true);
        descriptor.setBigUint64(16, BigInt(size), true);
      } else {
        descriptor.setUint32(8, body.length, true);
        descriptor.setUint32(12, size, true);
      }
      push(new Uint8Array(descriptor.buffer));
    }

    const centralZip64 = zip64 ? zip64Extra([size, body.length, localOffset]) : new Uint8Array(0);
    const centralExtra = concat([centralZip64, entry.centralExtra ?? new Uint8Array(0)]);
    const header = new DataView(new ArrayBuffer(46));
    header.setUint32(0, 0x02014b50, true);
    header.setUint16(4, (3 << 8) | 63, true); // made by: Unix, spec 6.3
    header.setUint16(6, zip64 ? 45 : 20, true);
    header.setUint16(8, flags, true);
    header.setUint16(10, method, true);
    header.setUint16(12, 0, true);
    header.setUint16(14, (1 << 5) | 1 | (40 << 9), true);
    header.setUint32(16, crc, true);
    header.setUint32(20, zip64 ? 0xffffffff : body.length, true);
    header.setUint32(24, zip64 ? 0xffffffff : size, true);
    header.setUint16(28, nameBytes.length, true);
    header.setUint16(30, centralExtra.length, true);
    header.setUint16(32, 0, true); // comment length
    header.setUint16(34, 0, true); // disk
    header.setUint16(36, 0, true); // internal attributes
    header.setUint32(38, isDir ? ((0o40755 << 16) | 0x10) >>> 0 : (0o100644 << 16) >>> 0, true);
    header.setUint32(42, zip64 ? 0xffffffff : localOffset, true);
    central.push(concat([new Uint8Array(header.buffer), nameBytes, centralExtra]));
  }

  const directoryOffset = offset;
  for (const header of central) push(header);
  const directorySize = offset - directoryOffset;
  const comment = typeof options.comment === 'string' ? encoder.encode(options.comment) : (options.comment ?? new Uint8Array(0));

  if (zip64) {
    const recordOffset = offset;
    const record = new DataView(new ArrayBuffer(56));
    record.setUint32(0, 0x06064b50, true);
    record.setBigUint64(4, 44n, true); // size of the rest of the record
    record.setUint16(12, 45, true);
    record.setUint16(14, 45, true);
    record.setUint32(16, 0, true);
    record.setUint32(20, 0, true);
    record.setBigUint64(24, BigInt(entries.length), true);
    record.setBigUint64(32, BigInt(entries.length), true);
    record.setBigUint64(40, BigInt(directorySize), true);
    record.setBigUint64(48, BigInt(directoryOffset), true);
    push(new Uint8Array(record.buffer));
    const locator = new DataView(new ArrayBuffer(20));
    locator.setUint32(0, 0x07064b50, true);
    locator.setUint32(4, 0, true);
    locator.setBigUint64(8, BigInt(recordOffset), true);
    locator.setUint32(16, 1, true);
    push(new Uint8Array(locator.buffer));
  }

  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, zip64 ? 0xffff : entries.length, true);
  end.setUint16(10, zip64 ? 0xffff : entries.length, true);
  end.setUint32(12, zip64 ? 0xffffffff : directorySize, true);
  end.setUint32(16, zip64 ? 0xffffffff : directoryOffset, true);
  end.setUint16(20, comment.length, true);
  push(new Uint8Array(end.buffer));
  push(comment);
  return concat(parts);
}

/** A ZIP64 extended information extra field holding the given 64-bit values, in order. */
function zip64Extra(values: readonly number[]): Uint8Array {
  const field = new DataView(new ArrayBuffer(4 + 8 * values.length));
  field.setUint16(0, 0x0001, true);
  field.setUint16(2, 8 * values.length, true);
  values.forEach((value, i) => field.setBigUint64(4 + 8 * i, BigInt(value), true));
  return new Uint8Array(field.buffer);
}

/** Concatenates byte arrays into one. */
export function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat(parts));
}

/** The archive's bytes as a Blob, as a dropped File would be. */
export function zipBlob(entries: readonly FixtureEntry[], options?: BuildZipOptions): Blob {
  return new Blob([buildZip(entries, options)]);
}

/** Deterministic pseudo-random bytes (xorshift32): incompressible test data without a seed API. */
export function noise(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  let x = seed || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}
