/**
 * The one pre-sized S×S×C store a load decodes into, and how it is squeezed and trimmed at the
 * end without a second copy of the set (see ingest.ts: Memory).
 */
import { formatBytes } from '../../protocol/format.ts';
import type { DatasetOptions } from '../../protocol/dataset.ts';
import { IngestError } from './ingest-error.ts';

/** The S×S×C store for every image entry, or a clear message when memory refuses it. */
export function allocateStore(images: number, imageLength: number, options: DatasetOptions, fileName: string): Uint8Array {
  const bytes = images * imageLength;
  try {
    return new Uint8Array(bytes);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new IngestError(
      'out-of-memory',
      `${fileName}: ${images.toLocaleString('en-US')} images at ${options.side}×${options.side} need ${formatBytes(bytes)}, more memory than the browser allows this tab. Choose a smaller image size or a zip with fewer images.`,
      { cause: error },
    );
  }
}

/** Moves decoded slots down over failed ones, in place, keeping zip order. @returns `store`. */
export function compact(store: Uint8Array, decodedSlots: Uint8Array, imageLength: number): Uint8Array {
  let write = 0;
  for (let slot = 0; slot < decodedSlots.length; slot++) {
    if (decodedSlots[slot] !== 1) continue;
    if (slot !== write) store.copyWithin(write * imageLength, slot * imageLength, (slot + 1) * imageLength);
    write++;
  }
  return store;
}

/** ES2024's resizing transfer, where the engine has it (Chrome 114+, Firefox 122+, Safari 17.4+). */
interface TransferableBuffer {
  transfer?: (newByteLength: number) => ArrayBuffer;
}

/**
 * The first `length` bytes as their own array, with the least peak memory available: a
 * realloc by transfer(); else a view when at most 1/8 is wasted (copying a 500 MB set to save
 * 60 MB would briefly need 1 GB); else a copy.
 */
export function shrink(store: Uint8Array, length: number): Uint8Array {
  if (length === store.length) return store;
  const buffer = store.buffer as ArrayBuffer & TransferableBuffer;
  if (store.byteOffset === 0 && typeof buffer.transfer === 'function') return new Uint8Array(buffer.transfer(length));
  if (store.length - length <= store.length / 8) return store.subarray(0, length);
  return store.slice(0, length);
}

// ---------------------------------------------------------------------------------------------
// Cache
