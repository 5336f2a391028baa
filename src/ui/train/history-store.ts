/**
 * The grid history and elapsed time of the current run, kept in IndexedDB beside the worker's
 * checkpoints, so a run resumed after a reload or a browser restart still has its whole
 * time-lapse, scrubber and clock. Page-side on purpose: the page already holds each grid as a
 * PNG, and the worker's checkpoint stays the weights and optimiser state alone. Every failure
 * (no IndexedDB, quota) only means the history is not kept; training never depends on it.
 */
import type { StoredFrame } from './grid-history.ts';

const DATABASE = 'ganvas-history';
const FRAMES = 'frames';
const META = 'meta';
const RUN_KEY = 'run';

/** How long the current run has trained, as of a step. */
export interface RunClock {
  step: number;
  elapsedMs: number;
}

export interface HistoryStore {
  put(frame: StoredFrame): Promise<void>;
  /** Keeps only the frames at these steps (the in-memory history thins as a run grows). */
  keepOnly(steps: ReadonlySet<number>): Promise<void>;
  /** Frames up to and including `step`, in step order. */
  framesUpTo(step: number): Promise<StoredFrame[]>;
  setClock(clock: RunClock): Promise<void>;
  clock(): Promise<RunClock | null>;
  /** A new run: forget the old one's frames and clock. */
  clear(): Promise<void>;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function open(): Promise<IDBDatabase | null> {
  if (typeof indexedDB === 'undefined') return Promise.resolve(null);
  return new Promise((resolve) => {
    const req = indexedDB.open(DATABASE, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(FRAMES, { keyPath: 'step' });
      req.result.createObjectStore(META);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => resolve(null);
    req.onblocked = () => resolve(null);
  });
}

/** Opens the store; every method is a no-op (or empty) where IndexedDB is unavailable. */
export function openHistoryStore(): HistoryStore {
  const database = open();
  async function run<T>(mode: IDBTransactionMode, stores: string[], work: (tx: IDBTransaction) => Promise<T>, fallback: T): Promise<T> {
    try {
      const db = await database;
      if (!db) return fallback;
      const tx = db.transaction(stores, mode);
      const done = new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onabort = () => reject(tx.error ?? new Error('aborted'));
      });
      const result = await work(tx);
      await done;
      return result;
    } catch (error) {
      console.warn('The grid history could not be kept in browser storage:', error);
      return fallback;
    }
  }
  return {
    put: (frame) => run('readwrite', [FRAMES], async (tx) => void (await request(tx.objectStore(FRAMES).put(frame))), undefined),
    keepOnly: (steps) =>
      run(
        'readwrite',
        [FRAMES],
        async (tx) => {
          const store = tx.objectStore(FRAMES);
          const keys = (await request(store.getAllKeys())) as number[];
          await Promise.all(keys.filter((key) => !steps.has(key)).map((key) => request(store.delete(key))));
        },
        undefined,
      ),
    framesUpTo: (step) =>
      run('readonly', [FRAMES], async (tx) => (await request(tx.objectStore(FRAMES).getAll(IDBKeyRange.upperBound(step)))) as StoredFrame[], []),
    setClock: (clock) => run('readwrite', [META], async (tx) => void (await request(tx.objectStore(META).put(clock, RUN_KEY))), undefined),
    clock: () => run('readonly', [META], async (tx) => ((await request(tx.objectStore(META).get(RUN_KEY))) as RunClock | undefined) ?? null, null),
    clear: () =>
      run(
        'readwrite',
        [FRAMES, META],
        async (tx) => {
          await request(tx.objectStore(FRAMES).clear());
          await request(tx.objectStore(META).clear());
        },
        undefined,
      ),
  };
}
