/**
 * A CheckpointStore in memory, for Node (which has no IndexedDB): the same slot rules as the
 * IndexedDB store (latest and previous, keys from planSave), so the worker logic is exercised
 * as in the browser. `failWith` makes saves fail like a full disk.
 */
import { loadOrder, planSave, DEFAULT_SLOT, type CheckpointStore, type SaveResult } from '../../../src/data/storage/checkpoint-store.ts';

export interface MemoryCheckpointStore extends CheckpointStore {
  failWith: Extract<SaveResult, { ok: false }> | null;
  saves: number;
}

export function createMemoryCheckpointStore(): MemoryCheckpointStore {
  let record: unknown = undefined;
  const blobs = new Map<string, Uint8Array<ArrayBuffer>>();
  const store: MemoryCheckpointStore = {
    failWith: null,
    saves: 0,
    async save(bytes, summary) {
      if (store.failWith) return store.failWith;
      const plan = planSave(record, DEFAULT_SLOT, summary);
      blobs.set(plan.key, new Uint8Array(bytes));
      for (const stale of plan.staleKeys) blobs.delete(stale);
      record = plan.record;
      store.saves += 1;
      return { ok: true };
    },
    async loadLatest() {
      for (const entry of loadOrder(record)) {
        const bytes = blobs.get(entry.key);
        if (bytes) return { bytes: new Uint8Array(bytes), summary: entry.summary };
      }
      return null;
    },
    async summary() {
      return loadOrder(record)[0]?.summary ?? null;
    },
    async clear() {
      record = undefined;
      blobs.clear();
    },
    close() {},
  };
  return store;
}
