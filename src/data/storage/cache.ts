/**
 * An IndexedDB cache of decoded training sets, so that reopening the same zip at the same
 * size skips minutes of decoding.
 *
 * Layout: two object stores in one database.
 * - `meta`: small records (key, counts, shape, the ingest report), read by `list()` without
 *   ever touching pixels.
 * - `pixels`: one Blob per key, holding count · side · side · channels bytes.
 * Pixels are stored as a Blob rather than a Uint8Array/ArrayBuffer because Chrome and Firefox
 * keep IndexedDB Blobs as separate files outside the record store: a 123 MB (or 2 GB) value
 * is then not serialised into one giant in-memory clone, reads return a file-backed handle that
 * costs nothing until `arrayBuffer()` is called, and there is no per-value size ceiling of the
 * kind large ArrayBuffers have met (Chrome's IPC limit). Chunking ArrayBuffers would avoid the
 * ceiling too but needs bookkeeping and still clones every chunk through the record store.
 *
 * The IndexedDB code is deliberately thin; the decisions (keys, record validation, error
 * classification, room checks) are pure functions tested in Node, which has no IndexedDB.
 * The wrapper itself is exercised by the browser end-to-end tests.
 */
import { estimateStorage, openDatabase, transactionDone } from './idb.ts';
import type { FaceMargin } from '../../protocol/dataset.ts';

/** How a photo becomes a square: crop its centre, squash the whole frame, or crop each face. */
export type CropMode = 'centre' | 'squash' | 'faces';

/** Everything that makes two decoded sets interchangeable. */
export interface DatasetIdentity {
  /** File name as the user chose it. */
  name: string;
  /** File size in bytes. */
  size: number;
  /** File modification time, ms since the epoch (File.lastModified). */
  lastModified: number;
  /** centralDirectoryHash of the archive: changes when any entry's name, size or CRC does. */
  directoryHash: string;
  /** Image side in pixels. */
  side: number;
  /** 1 (grey) or 3 (RGB). */
  channels: number;
  crop: CropMode;
  /** For crop 'faces': the margin (a different margin is a different set); ignored otherwise. */
  faceMargin?: FaceMargin;
  /** Whether duplicates were kept (DatasetOptions.keepDuplicates) rather than kept once. */
  keepDuplicates: boolean;
}

/**
 * Bumped when decoding changes in a way that alters pixels (resampling, colour handling), so
 * stale sets are never served; older keys simply stop matching and can be cleared.
 */
export const DATASET_CACHE_VERSION = 2; // 2: source-size rules, content sniffing, duplicates kept once

const KEY_PREFIX = `ganvas-dataset:v${DATASET_CACHE_VERSION}:`;

/**
 * The cache key of a decoded set: a stable, unambiguous string (a JSON array in fixed field
 * order behind a versioned prefix, so no name can collide with another field's text).
 * @throws TypeError when a number field is not finite (JSON would turn it into `null`).
 */
export function datasetCacheKey(identity: DatasetIdentity): string {
  const { name, size, lastModified, directoryHash, side, channels, keepDuplicates } = identity;
  // 'faces' carries its margin in the crop field, so the keys of the other modes stay as they were.
  const crop = identity.crop === 'faces' ? `faces:${identity.faceMargin ?? 'normal'}` : identity.crop;
  for (const [field, value] of Object.entries({ size, lastModified, side, channels })) {
    if (!Number.isFinite(value)) throw new TypeError(`datasetCacheKey: ${field} must be a finite number, got ${value}`);
  }
  return KEY_PREFIX + JSON.stringify([name, size, lastModified, directoryHash, side, channels, crop, keepDuplicates]);
}

/** A value that survives JSON and structured clone unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What `list()` returns: a cached set without its pixels. */
export interface CachedDatasetMeta {
  key: string;
  /** ms since the epoch. */
  createdAt: number;
  count: number;
  side: number;
  channels: number;
  crop: CropMode;
  /** The zip's file name, for the UI ("faces.zip, 64 px, 9,812 images"). */
  sourceName: string;
  /** The ingest report (counts, skip reasons…), as plain JSON. */
  report: JsonValue;
  /**
   * The set's datasetIdentity, as checkpoints record it, so a stored run can find its data
   * here without the zip. Absent in records written before it was kept.
   */
  datasetIdentity?: string;
}

/** A cached set: metadata and count · side · side · channels pixel bytes. */
export interface CachedDataset extends CachedDatasetMeta {
  pixels: Uint8Array;
}

/** Why a put failed: storage full, IndexedDB gone (private mode, closed), or anything else. */
export type CacheFailureReason = 'quota' | 'unavailable' | 'error';

/** The outcome of `put`: a full disk is an expected outcome, not an exception. */
export type PutResult = { ok: true } | { ok: false; reason: CacheFailureReason; message: string };

/** The cache. All methods are safe to call concurrently; each runs in its own transaction. */
export interface DatasetCache {
  /** The set stored under `key`, or null when absent, unreadable or inconsistent (then it is removed). */
  get(key: string): Promise<CachedDataset | null>;
  /** Stores (or replaces) a set. Never throws: failures come back as a PutResult. */
  put(entry: CachedDataset): Promise<PutResult>;
  /** Metadata of every cached set, newest first; no pixels are read. */
  list(): Promise<CachedDatasetMeta[]>;
  delete(key: string): Promise<void>;
  clear(): Promise<void>;
  /** Closes the database connection; the cache must not be used afterwards. */
  close(): void;
}

/** The byte length a set of this shape must have. */
export function expectedPixelBytes(meta: Pick<CachedDatasetMeta, 'count' | 'side' | 'channels'>): number {
  return meta.count * meta.side * meta.side * meta.channels;
}

/**
 * Checks that a record read back from IndexedDB has the shape this version writes; anything
 * else (an older version, a half-written record, another app's data) is treated as a miss.
 */
export function isCachedDatasetMeta(value: unknown): value is CachedDatasetMeta {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const isCount = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  return (
    typeof record['key'] === 'string' &&
    typeof record['createdAt'] === 'number' &&
    isCount(record['count']) &&
    isCount(record['side']) &&
    isCount(record['channels']) &&
    (record['crop'] === 'centre' || record['crop'] === 'squash' || record['crop'] === 'faces') &&
    typeof record['sourceName'] === 'string' &&
    (record['datasetIdentity'] === undefined || typeof record['datasetIdentity'] === 'string') &&
    'report' in record
  );
}

/** Splits an entry into the `meta` record and the `pixels` Blob. @throws RangeError on a shape mismatch. */
export function toStoredRecords(entry: CachedDataset): { meta: CachedDatasetMeta; pixels: Blob } {
  const { pixels, ...meta } = entry;
  if (pixels.length !== expectedPixelBytes(meta)) {
    throw new RangeError(`cache.put: ${pixels.length} bytes do not match ${meta.count} × ${meta.side}² × ${meta.channels}`);
  }
  // A view contributes only its own bytes to a Blob (one copy); shared memory cannot go in a Blob.
  const bytes = pixels.buffer instanceof ArrayBuffer ? (pixels as Uint8Array<ArrayBuffer>) : pixels.slice();
  return { meta, pixels: new Blob([bytes]) };
}

/** Joins the stored records back into an entry; null when they disagree. */
export function fromStoredRecords(meta: unknown, pixels: Uint8Array): CachedDataset | null {
  if (!isCachedDatasetMeta(meta) || pixels.length !== expectedPixelBytes(meta)) return null;
  return { ...meta, pixels };
}

/** Maps an IndexedDB/DOM error to a put failure the UI can explain. */
export function classifyStorageError(error: unknown): { reason: CacheFailureReason; message: string } {
  const name = error instanceof Error || isDomExceptionLike(error) ? error.name : '';
  const detail = error instanceof Error || isDomExceptionLike(error) ? error.message : String(error);
  if (name === 'QuotaExceededError' || /quota/i.test(detail)) {
    return { reason: 'quota', message: 'Not enough browser storage to cache this dataset; it will be decoded again next time.' };
  }
  if (name === 'InvalidStateError' || name === 'SecurityError' || name === 'UnknownError') {
    return { reason: 'unavailable', message: `Browser storage is unavailable (${name}); the dataset will not be cached.` };
  }
  return { reason: 'error', message: `Could not cache the dataset: ${detail || name || 'unknown error'}` };
}

/**
 * False only when the browser's own estimate says `bytes` cannot fit; an unknown estimate gives
 * the write a chance (the browser reports quota errors anyway). Saves writing 100+ MB in vain.
 */
export function hasRoomFor(estimate: { usage?: number; quota?: number } | null, bytes: number): boolean {
  if (!estimate || estimate.quota === undefined || estimate.usage === undefined) return true;
  return estimate.quota - estimate.usage >= bytes;
}

function isDomExceptionLike(value: unknown): value is { name: string; message: string } {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' && typeof (value as { message?: unknown }).message === 'string';
}

// ---------------------------------------------------------------------------------------------
// The thin IndexedDB part

const DB_NAME = 'ganvas-datasets';
const DB_VERSION = 1;
const META_STORE = 'meta';
const PIXELS_STORE = 'pixels';

/**
 * Opens the cache, or resolves null where IndexedDB is missing or refuses to open (Node,
 * some private-browsing modes, storage disabled). The caller then simply decodes every time.
 * @param factory the IDBFactory to use; tests and special contexts may pass their own.
 */
export async function openDatasetCache(factory: IDBFactory | undefined = globalThis.indexedDB as IDBFactory | undefined): Promise<DatasetCache | null> {
  const db = await openDatabase(factory, DB_NAME, DB_VERSION, [{ name: META_STORE, keyPath: 'key' }, { name: PIXELS_STORE }]);
  if (!db) return null;
  return createDatasetCache(db);
}

function createDatasetCache(db: IDBDatabase): DatasetCache {
  async function deleteKey(key: string): Promise<void> {
    const tx = db.transaction([META_STORE, PIXELS_STORE], 'readwrite');
    tx.objectStore(META_STORE).delete(key);
    tx.objectStore(PIXELS_STORE).delete(key);
    await transactionDone(tx);
  }

  return {
    async get(key) {
      let meta: unknown;
      let blob: unknown;
      try {
        const tx = db.transaction([META_STORE, PIXELS_STORE], 'readonly');
        const metaRequest = tx.objectStore(META_STORE).get(key);
        const pixelsRequest = tx.objectStore(PIXELS_STORE).get(key);
        await transactionDone(tx);
        meta = metaRequest.result;
        blob = pixelsRequest.result;
      } catch {
        return null;
      }
      if (meta === undefined) return null;
      // Read the Blob after the transaction: awaiting anything but IndexedDB inside one commits it.
      let entry: CachedDataset | null = null;
      try {
        if (blob instanceof Blob) entry = fromStoredRecords(meta, new Uint8Array(await blob.arrayBuffer()));
      } catch {
        entry = null; // the Blob's backing file is gone (storage cleared under us)
      }
      if (!entry) await deleteKey(key).catch(() => undefined);
      return entry;
    },

    async put(entry) {
      try {
        const { meta, pixels } = toStoredRecords(entry);
        const estimate = await estimateStorage();
        if (!hasRoomFor(estimate, pixels.size)) {
          return { ok: false, ...classifyStorageError(new DOMException('Not enough storage', 'QuotaExceededError')) };
        }
        const tx = db.transaction([META_STORE, PIXELS_STORE], 'readwrite');
        tx.objectStore(PIXELS_STORE).put(pixels, meta.key);
        tx.objectStore(META_STORE).put(meta);
        await transactionDone(tx);
        return { ok: true };
      } catch (error) {
        return { ok: false, ...classifyStorageError(error) };
      }
    },

    async list() {
      const tx = db.transaction(META_STORE, 'readonly');
      const request = tx.objectStore(META_STORE).getAll();
      await transactionDone(tx);
      const records: unknown[] = request.result;
      return records.filter(isCachedDatasetMeta).sort((a, b) => b.createdAt - a.createdAt);
    },

    delete: deleteKey,

    async clear() {
      const tx = db.transaction([META_STORE, PIXELS_STORE], 'readwrite');
      tx.objectStore(META_STORE).clear();
      tx.objectStore(PIXELS_STORE).clear();
      await transactionDone(tx);
    },

    close() {
      db.close();
    },
  };
}
