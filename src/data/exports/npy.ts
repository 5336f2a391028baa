/**
 * NumPy .npy files, so a dataset prepared in the browser can be fed straight to Heaton's
 * notebook (`np.load('training_data_S_S.npy')`). Format v1.0:
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import type { ImageSet } from '../dataset.ts';

/** "\x93NUMPY" then version 1.0. */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00];
/** Magic (6) + version (2) + header length (2, little-endian uint16). */
const PREAMBLE_LENGTH = 10;
/** The whole header, preamble included, is padded to this so the payload is aligned for mmap. */
const ALIGNMENT = 64;

/** Python's repr of a shape tuple: `()`, `(5,)`, `(2, 3)`. */
function shapeTuple(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/**
 * The .npy v1.0 preamble and header for a C-order array: the dict
 * `{'descr': …, 'fortran_order': False, 'shape': (…), }`, space-padded so that preamble + dict +
 * `\n` is a multiple of 64 bytes (the payload that follows is then aligned for mmap and for a
 * Float32Array view).
 */
function npyHeader(descr: '<f4' | '|u1', shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeTuple(shape)}, }`;
  const unpadded = PREAMBLE_LENGTH + dict.length + 1;
  const headerLength = Math.ceil(unpadded / ALIGNMENT) * ALIGNMENT - PREAMBLE_LENGTH;
  if (headerLength > 0xffff) throw new Error('encodeNpy: header too long for format 1.0');
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';
  const out = new Uint8Array(PREAMBLE_LENGTH + headerLength);
  out.set(MAGIC, 0);
  out[8] = headerLength & 0xff;
  out[9] = headerLength >>> 8;
  for (let i = 0; i < header.length; i++) out[PREAMBLE_LENGTH + i] = header.charCodeAt(i); // ASCII only
  return out;
}

function checkShape(length: number, shape: readonly number[]): void {
  const count = shape.reduce((product, n) => product * n, 1);
  if (shape.some((n) => !Number.isInteger(n) || n < 0) || count !== length) {
    throw new Error(`encodeNpy: shape ${shapeTuple(shape)} does not hold ${length} values`);
  }
}

/** Whether this platform stores Float32Array little-endian (every platform tfjs runs on does). */
const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

/**
 * Encodes a C-order array as a .npy v1.0 file. Float32Array is written as `<f4`, Uint8Array as
 * `|u1` (byte order is irrelevant for single bytes).
 * @param shape dimensions whose product is `array.length`, e.g. [N, S, S, C].
 */
export function encodeNpy(array: Float32Array | Uint8Array, shape: readonly number[]): Uint8Array {
  checkShape(array.length, shape);
  const header = npyHeader(array instanceof Float32Array ? '<f4' : '|u1', shape);
  const out = new Uint8Array(header.length + array.byteLength);
  out.set(header, 0);
  if (array instanceof Float32Array) {
    // DataView rather than copying the buffer: the file must be little-endian whatever the host is.
    const view = new DataView(out.buffer, out.byteOffset + header.length, array.byteLength);
    for (let i = 0; i < array.length; i++) view.setFloat32(i * 4, array[i] ?? 0, true);
  } else {
    out.set(array, header.length);
  }
  return out;
}

/** Values per chunk from heatonNpyChunks (4 MB of float32): small enough to pass through, big enough to be cheap. */
const CHUNK_VALUES = 1 << 20;

/** Heaton's `training_data_S_S.npy` file size for `set`, header included. */
export function heatonNpyByteLength(set: ImageSet): number {
  return npyHeader('<f4', [set.count, set.side, set.side, set.channels]).length + set.pixels.length * 4;
}

/**
 * Heaton's `training_data_S_S.npy`: the set as float32 in [-1, 1] (x / 127.5 − 1, the scaling the
 * trainer uses), shape (N, S, S, C), channels last, produced as a stream of chunks (the header,
 * then up to 4 MB of payload each) so the file never exists whole: 10,000 × 128 px RGB is 2 GB,
 * too much to hold beside the set. Each chunk is a fresh buffer the consumer may keep.
 */
export function* heatonNpyChunks(set: ImageSet): Generator<Uint8Array<ArrayBuffer>> {
  const shape = [set.count, set.side, set.side, set.channels];
  checkShape(set.pixels.length, shape);
  yield npyHeader('<f4', shape) as Uint8Array<ArrayBuffer>;
  for (let start = 0; start < set.pixels.length; start += CHUNK_VALUES) {
    const end = Math.min(start + CHUNK_VALUES, set.pixels.length);
    const chunk = new Uint8Array((end - start) * 4);
    if (LITTLE_ENDIAN) {
      const values = new Float32Array(chunk.buffer);
      for (let i = start; i < end; i++) values[i - start] = (set.pixels[i] ?? 0) / 127.5 - 1;
    } else {
      const view = new DataView(chunk.buffer);
      for (let i = start; i < end; i++) view.setFloat32((i - start) * 4, (set.pixels[i] ?? 0) / 127.5 - 1, true);
    }
    yield chunk;
  }
}
