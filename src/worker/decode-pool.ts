/**
 * A small pool of nested module workers that decode images for the ingest, so decoding
 * (createImageBitmap + resize + readback, ~2.5 ms per 500 px JPEG) runs on other cores while
 * the training worker reads the zip. Input bytes and output pixels are transferred, never
 * copied. Where nested workers are missing or fail to start (older Safari, a blocked script),
 * the pool decodes in the current worker instead: slower, never broken.
 *
 * Each worker is used only once it has said 'ready', so a job is never transferred (its bytes
 * detached) to a worker that could not load.
 */
import { decodeToPixels, type DecodeOptions, type DecodeResult } from '../data/ingest/decode.ts';
import { assertNever } from '../protocol/messages.ts';

/** Pool → decode worker. */
export type DecodeWorkerRequest = { type: 'decode'; id: number; bytes: Uint8Array; options: DecodeOptions };

/** Decode worker → pool. */
export type DecodeWorkerResponse =
  /** The worker module loaded and listens. */
  | { type: 'ready' }
  /** A result, failures included; `result.pixels` is transferred. */
  | { type: 'decoded'; id: number; result: DecodeResult }
  /** decodeToPixels threw (a bug or a browser fault, not a bad image). */
  | { type: 'failed'; id: number; message: string };

/** Decodes images off the calling thread. */
export interface DecodePool {
  /**
   * Decodes one file (see decodeToPixels). Takes ownership of `bytes`: its buffer is
   * transferred to a worker and is detached afterwards. Safe to call unbound.
   * Rejects only when the pool is disposed or a decoder faults.
   */
  decode(bytes: Uint8Array, options: DecodeOptions): Promise<DecodeResult>;
  /** Stops the workers; pending and later decodes reject. */
  dispose(): void;
  /** Workers alive now (0 once it has fallen back to decoding in this thread). */
  readonly size: number;
}

/** The parts of a Worker the pool uses, so tests can pass an in-process stand-in. */
export interface DecodeWorkerHandle {
  postMessage(message: DecodeWorkerRequest, transfer: Transferable[]): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<DecodeWorkerResponse>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  onmessageerror: ((event: MessageEvent) => void) | null;
}

/** Pool options (defaults suit the app; tests replace the worker and the local decoder). */
export interface DecodePoolOptions {
  /** Makes one worker; throws where workers cannot be made. */
  spawn?: () => DecodeWorkerHandle;
  /** Decodes in this thread, when no worker is available. */
  decodeLocally?: (bytes: Uint8Array, options: DecodeOptions) => Promise<DecodeResult>;
  /** How long a worker may take to load before it is given up on, in ms. */
  readyTimeoutMs?: number;
}

/**
 * Two decode workers at most, one where the device reports a single core. Why not more:
 * - The page is nearly idle during a load (a progress bar at 10 Hz), and the training worker
 *   only slices and inflates the zip, which is cheap next to decoding, so two decoders keep
 *   two cores busy without starving either.
 * - Memory: each in-flight decode holds its photo's full-size bitmap (a 24-megapixel photo is
 *   ~100 MB of RGBA) and each worker its own JS heap; two bound that peak on phones and
 *   low-memory laptops, where a third core would buy little.
 */
export function defaultDecodePoolSize(hardwareConcurrency: number | undefined = globalThis.navigator?.hardwareConcurrency): number {
  const cores = hardwareConcurrency !== undefined && Number.isFinite(hardwareConcurrency) ? hardwareConcurrency : 2;
  return Math.max(1, Math.min(2, Math.floor(cores)));
}

/**
 * Jobs posted to one worker at a time: one decoding and one queued behind it, so the worker
 * never waits for a round trip, while a worker that crashes takes at most two images with it
 * (the others wait in the pool's queue and go to another worker or this thread).
 */
const MAX_JOBS_PER_WORKER = 2;

/** A worker may need a few seconds to load (Vite's dev server compiles it on first use). */
const DEFAULT_READY_TIMEOUT_MS = 15_000;

/** Starts the nested decode worker; Vite bundles it from this URL pattern. */
function spawnDecodeWorker(): DecodeWorkerHandle {
  return new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module', name: 'ganvas-decode' });
}

interface Job {
  id: number;
  bytes: Uint8Array;
  options: DecodeOptions;
  resolve: (result: DecodeResult) => void;
  reject: (error: Error) => void;
}

interface Member {
  worker: DecodeWorkerHandle;
  ready: boolean;
  pending: Map<number, Job>;
  readyTimer: ReturnType<typeof setTimeout> | null;
}

/**
 * Starts `size` decode workers (default defaultDecodePoolSize()). Workers that cannot be made
 * or do not load are dropped; with none left, decoding happens in the calling thread.
 */
export function createDecodePool(size: number = defaultDecodePoolSize(), options: DecodePoolOptions = {}): DecodePool {
  const spawn = options.spawn ?? spawnDecodeWorker;
  const decodeLocally = options.decodeLocally ?? decodeToPixels;
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const members: Member[] = [];
  /** Jobs waiting for a ready worker with room (see MAX_JOBS_PER_WORKER). */
  const queue: Job[] = [];
  let nextId = 0;
  let disposed = false;

  for (let i = 0; i < Math.max(1, Math.floor(size)); i++) {
    let worker: DecodeWorkerHandle;
    try {
      worker = spawn();
    } catch {
      break; // no nested workers here: the remaining ones would fail the same way
    }
    const member: Member = { worker, ready: false, pending: new Map(), readyTimer: null };
    member.readyTimer = setTimeout(() => drop(member, 'did not start in time'), readyTimeoutMs);
    worker.onmessage = (event) => handle(member, event.data);
    worker.onerror = (event) => {
      // Keep the error from also surfacing as an uncaught error in this worker.
      event.preventDefault();
      drop(member, 'stopped with an error');
    };
    worker.onmessageerror = () => drop(member, 'sent a message that could not be read');
    members.push(member);
  }

  function handle(member: Member, message: DecodeWorkerResponse): void {
    switch (message.type) {
      case 'ready':
        member.ready = true;
        clearTimer(member);
        pump();
        return;
      case 'decoded':
      case 'failed': {
        const job = member.pending.get(message.id);
        if (!job) return;
        member.pending.delete(message.id);
        if (message.type === 'decoded') job.resolve(message.result);
        else job.reject(new Error(`decoder fault: ${message.message}`));
        pump();
        return;
      }
      default:
        assertNever(message);
    }
  }

  /**
   * Removes a worker. Jobs it already holds cannot be retried (their bytes went with them), so
   * they come back as per-image failures: one image lost, not the whole load.
   */
  function drop(member: Member, why: string): void {
    const index = members.indexOf(member);
    if (index < 0) return;
    members.splice(index, 1);
    clearTimer(member);
    member.worker.terminate();
    for (const job of member.pending.values()) {
      job.resolve({ ok: false, reason: 'corrupt', message: `the decode worker ${why} while decoding this image` });
    }
    member.pending.clear();
    pump();
  }

  /** Hands queued jobs to the least busy ready worker, or to this thread when none is left. */
  function pump(): void {
    while (queue.length > 0) {
      if (members.length === 0) {
        for (const job of queue.splice(0)) runLocally(job);
        return;
      }
      let target: Member | null = null;
      for (const member of members) {
        if (!member.ready || member.pending.size >= MAX_JOBS_PER_WORKER) continue;
        if (target === null || member.pending.size < target.pending.size) target = member;
      }
      if (target === null) return; // all loading or busy; 'ready' and every reply pump again
      const job = queue.shift();
      if (!job) return;
      post(target, job);
    }
  }

  function post(member: Member, job: Job): void {
    const bytes = transferable(job.bytes);
    member.pending.set(job.id, job);
    try {
      member.worker.postMessage({ type: 'decode', id: job.id, bytes, options: job.options }, [bytes.buffer]);
    } catch (error) {
      member.pending.delete(job.id);
      job.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  function runLocally(job: Job): void {
    decodeLocally(job.bytes, job.options).then(job.resolve, (error: unknown) => job.reject(error instanceof Error ? error : new Error(String(error))));
  }

  function clearTimer(member: Member): void {
    if (member.readyTimer !== null) clearTimeout(member.readyTimer);
    member.readyTimer = null;
  }

  return {
    decode(bytes, decodeOptions) {
      if (disposed) return Promise.reject(new Error('The decode pool has been disposed.'));
      return new Promise<DecodeResult>((resolve, reject) => {
        queue.push({ id: nextId++, bytes, options: decodeOptions, resolve, reject });
        pump();
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      const error = new Error('The decode pool has been disposed.');
      for (const member of members.splice(0)) {
        clearTimer(member);
        member.worker.terminate();
        for (const job of member.pending.values()) job.reject(error);
      }
      for (const job of queue.splice(0)) job.reject(error);
    },
    get size() {
      return members.length;
    },
  };
}

/**
 * `bytes` as a view over a whole ArrayBuffer of its own, so that buffer can be transferred:
 * readEntry's output already is one (no copy); a view into a larger or shared buffer is copied
 * once, because transferring would take the rest of that buffer away from its owner.
 */
export function transferable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return bytes as Uint8Array<ArrayBuffer>;
  }
  return bytes.slice();
}
