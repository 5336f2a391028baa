/**
 * IndexedDB storage of a run's latest checkpoint, so a closed or crashed tab can resume.
 *
 * Layout: two object stores in one database.
 * - `slots`: one small record per run slot (SlotRecord): which blob is the latest checkpoint
 *   and which the previous one, each with its summary. `summary()` reads only this.
 * - `blobs`: checkpoint files (encodeCheckpoint's bytes) as Blobs, under keys that are never
 *   reused ("slot#sequence"). Blobs for the same reasons as the dataset cache (src/data/storage/cache.ts):
 *   browsers keep them as files outside the record store.
 *
 * Atomicity: a save writes the new blob, repoints the slot record and deletes blobs older
 * than the previous one in ONE readwrite transaction. IndexedDB commits a transaction entirely
 * or not at all, so a crash or a full disk mid-save leaves the last good checkpoint in place.
 * The previous checkpoint is kept as well, as a fallback should the latest blob be lost.
 *
 * As in the dataset cache, the IndexedDB code is thin; the decisions (record validation, what
 * to keep, summaries) are pure functions tested in Node, which has no IndexedDB.
 */
import type { Checkpoint } from '../../gan/checkpoint.ts';
import { classifyStorageError, hasRoomFor, type CacheFailureReason } from './cache.ts';
import { estimateStorage, openDatabase, transactionDone } from './idb.ts';

/** What the UI shows about a stored checkpoint without reading its payload. */
export interface CheckpointSummary {
  /** Steps completed. */
  step: number;
  /** The data set's display name (e.g. the zip's file name), or null when unknown. */
  datasetName: string | null;
  /** The run's settings in a few words, e.g. "heaton · 64 px · RGB · batch 32". */
  configSummary: string;
  /** ms since the epoch. */
  savedAt: number;
  /** Size of the checkpoint file in bytes. */
  byteLength: number;
}

/** The outcome of a save: a full disk is an expected outcome, not an exception. */
export type SaveResult = { ok: true } | { ok: false; reason: CacheFailureReason; message: string };

/** A stored checkpoint file and its summary. */
export interface StoredCheckpoint {
  bytes: Uint8Array<ArrayBuffer>;
  summary: CheckpointSummary;
}

/** The checkpoint store of one run slot. */
export interface CheckpointStore {
  /** Stores `bytes` as the slot's latest checkpoint, atomically. Never throws. */
  save(bytes: Uint8Array, summary: CheckpointSummary): Promise<SaveResult>;
  /** The latest checkpoint (or the previous one, if the latest's file is gone), or null. */
  loadLatest(): Promise<StoredCheckpoint | null>;
  /** The latest checkpoint's summary, without reading its payload; null when there is none. */
  summary(): Promise<CheckpointSummary | null>;
  /** Removes the slot's checkpoints. */
  clear(): Promise<void>;
  /** Closes the database connection; the store must not be used afterwards. */
  close(): void;
}

/** The slot used when the app has one run at a time. */
export const DEFAULT_SLOT = 'current';

/** A blob key with its summary, as the slot record holds it. */
export interface SlotEntry {
  key: string;
  summary: CheckpointSummary;
}

/** The `slots` record: at most two checkpoints, latest first. */
export interface SlotRecord {
  slot: string;
  /** Sequence number of the latest save; keys are never reused, so a stale read cannot alias. */
  sequence: number;
  latest: SlotEntry;
  previous: SlotEntry | null;
}

/** Summarises a checkpoint for the slot record. @param datasetName the data set's display name. */
export function summariseCheckpoint(checkpoint: Checkpoint, datasetName: string | null, byteLength: number, savedAt: number): CheckpointSummary {
  const { architecture, resolution, channels, batchSize } = checkpoint.config;
  return {
    step: checkpoint.step,
    datasetName,
    configSummary: `${architecture} · ${resolution} px · ${channels === 1 ? 'grayscale' : 'RGB'} · batch ${batchSize}`,
    savedAt,
    byteLength,
  };
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Whether a value read back from IndexedDB is a summary this version writes. */
export function isCheckpointSummary(value: unknown): value is CheckpointSummary {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    isCount(record['step']) &&
    (record['datasetName'] === null || typeof record['datasetName'] === 'string') &&
    typeof record['configSummary'] === 'string' &&
    typeof record['savedAt'] === 'number' &&
    isCount(record['byteLength'])
  );
}

function isSlotEntry(value: unknown): value is SlotEntry {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record['key'] === 'string' && isCheckpointSummary(record['summary']);
}

/** Whether a value read back from IndexedDB is a slot record this version writes; anything else is ignored. */
export function isSlotRecord(value: unknown): value is SlotRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record['slot'] === 'string' &&
    isCount(record['sequence']) &&
    isSlotEntry(record['latest']) &&
    (record['previous'] === null || isSlotEntry(record['previous']))
  );
}

/** The blob key of save number `sequence` in `slot`. */
export function blobKey(slot: string, sequence: number): string {
  return `${slot}#${sequence}`;
}

/** What one save does: the blob key to write, the new slot record, and the blobs to delete. */
export interface SavePlan {
  key: string;
  record: SlotRecord;
  /** Blobs no longer referenced: the one-before-previous checkpoint. */
  staleKeys: string[];
}

/**
 * Plans a save into `slot` given its current record (anything unrecognised counts as none).
 * The current latest becomes the previous; the old previous is dropped.
 */
export function planSave(current: unknown, slot: string, summary: CheckpointSummary): SavePlan {
  const existing = isSlotRecord(current) && current.slot === slot ? current : null;
  const sequence = (existing?.sequence ?? 0) + 1;
  const key = blobKey(slot, sequence);
  const record: SlotRecord = { slot, sequence, latest: { key, summary }, previous: existing?.latest ?? null };
  const staleKeys = existing?.previous && existing.previous.key !== key ? [existing.previous.key] : [];
  return { key, record, staleKeys };
}

/** The entries to try when loading, best first. */
export function loadOrder(record: unknown): SlotEntry[] {
  if (!isSlotRecord(record)) return [];
  return record.previous ? [record.latest, record.previous] : [record.latest];
}

/** A save failure in checkpoint words (the classification is the dataset cache's). */
export function saveFailure(error: unknown): Extract<SaveResult, { ok: false }> {
  const { reason, message } = classifyStorageError(error);
  switch (reason) {
    case 'quota':
      return { ok: false, reason, message: 'Not enough browser storage to save a checkpoint; the previous one is kept. Download one instead, or free some space.' };
    case 'unavailable':
      return { ok: false, reason, message: 'Browser storage is unavailable, so checkpoints cannot be saved in this tab; download one instead.' };
    case 'error':
      return { ok: false, reason, message: message.replace('Could not cache the dataset', 'Could not save the checkpoint') };
  }
}

// ---------------------------------------------------------------------------------------------
// The thin IndexedDB part

const DB_NAME = 'ganvas-checkpoints';
const DB_VERSION = 1;
const SLOTS_STORE = 'slots';
const BLOBS_STORE = 'blobs';

/**
 * Opens the store of one run slot, or resolves null where IndexedDB is missing or refuses to
 * open (Node, some private-browsing modes, storage disabled).
 * @param factory the IDBFactory to use; tests and special contexts may pass their own.
 */
export async function openCheckpointStore(
  factory: IDBFactory | undefined = globalThis.indexedDB as IDBFactory | undefined,
  slot: string = DEFAULT_SLOT,
): Promise<CheckpointStore | null> {
  const db = await openDatabase(factory, DB_NAME, DB_VERSION, [{ name: SLOTS_STORE, keyPath: 'slot' }, { name: BLOBS_STORE }]);
  if (!db) return null;
  return createCheckpointStore(db, slot);
}

function createCheckpointStore(db: IDBDatabase, slot: string): CheckpointStore {
  async function readRecord(): Promise<unknown> {
    const tx = db.transaction(SLOTS_STORE, 'readonly');
    const request = tx.objectStore(SLOTS_STORE).get(slot);
    await transactionDone(tx);
    return request.result;
  }

  return {
    async save(bytes, summary) {
      try {
        const estimate = await estimateStorage();
        if (!hasRoomFor(estimate, bytes.byteLength)) return saveFailure(new DOMException('Not enough storage', 'QuotaExceededError'));
        // A view contributes only its own bytes to a Blob; shared memory cannot go in a Blob.
        const blob = new Blob([bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice()]);
        const tx = db.transaction([SLOTS_STORE, BLOBS_STORE], 'readwrite');
        const slots = tx.objectStore(SLOTS_STORE);
        const blobs = tx.objectStore(BLOBS_STORE);
        const current = slots.get(slot);
        // Read, plan and write inside one transaction: all of it commits, or none (crash, quota).
        current.onsuccess = () => {
          const plan = planSave(current.result, slot, summary);
          blobs.put(blob, plan.key);
          slots.put(plan.record);
          for (const stale of plan.staleKeys) blobs.delete(stale);
        };
        await transactionDone(tx);
        return { ok: true };
      } catch (error) {
        return saveFailure(error);
      }
    },

    async loadLatest() {
      let record: unknown;
      try {
        record = await readRecord();
      } catch {
        return null;
      }
      for (const entry of loadOrder(record)) {
        try {
          const tx = db.transaction(BLOBS_STORE, 'readonly');
          const request = tx.objectStore(BLOBS_STORE).get(entry.key);
          await transactionDone(tx);
          const blob: unknown = request.result;
          // Read the Blob after the transaction: awaiting anything but IndexedDB inside one commits it.
          if (blob instanceof Blob) return { bytes: new Uint8Array(await blob.arrayBuffer()), summary: entry.summary };
        } catch {
          // The Blob's backing file is gone (storage cleared under us): try the previous one.
        }
      }
      return null;
    },

    async summary() {
      try {
        const record = await readRecord();
        return isSlotRecord(record) ? record.latest.summary : null;
      } catch {
        return null;
      }
    },

    async clear() {
      const tx = db.transaction([SLOTS_STORE, BLOBS_STORE], 'readwrite');
      const slots = tx.objectStore(SLOTS_STORE);
      const current = slots.get(slot);
      current.onsuccess = () => {
        for (const entry of loadOrder(current.result)) tx.objectStore(BLOBS_STORE).delete(entry.key);
        slots.delete(slot);
      };
      await transactionDone(tx);
    },

    close() {
      db.close();
    },
  };
}
