/**
 * NumPy .npy files, so a dataset prepared in the browser can be fed straight to Heaton's
 * notebook (`np.load('training_data_S_S.npy')`). Format v1.0:
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import type { ImageSet } from './dataset.ts';

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
 * Encodes a C-order array as a .npy v1.0 file. Float32Array is written as `<f4`, Uint8Array as
 * `|u1` (byte order is irrelevant for single bytes). The header is the dict
 * `{'descr': …, 'fortran_order': False, 'shape': (…), }`, space-padded so that preamble + dict +
 * `\n` is a multiple of 64 bytes.
 * @param shape dimensions whose product is `array.length`, e.g. [N, S, S, C].
 */
export function encodeNpy(array: Float32Array | Uint8Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((product, n) => product * n, 1);
  if (shape.some((n) => !Number.isInteger(n) || n < 0) || count !== array.length) {
    throw new Error(`encodeNpy: shape ${shapeTuple(shape)} does not hold ${array.length} values`);
  }
  const descr = array instanceof Float32Array ? '<f4' : '|u1';
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeTuple(shape)}, }`;
  const unpadded = PREAMBLE_LENGTH + dict.length + 1;
  const headerLength = Math.ceil(unpadded / ALIGNMENT) * ALIGNMENT - PREAMBLE_LENGTH;
  if (headerLength > 0xffff) throw new Error('encodeNpy: header too long for format 1.0');
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';

  const payloadOffset = PREAMBLE_LENGTH + headerLength;
  const out = new Uint8Array(payloadOffset + array.byteLength);
  out.set(MAGIC, 0);
  out[8] = headerLength & 0xff;
  out[9] = headerLength >>> 8;
  for (let i = 0; i < header.length; i++) out[PREAMBLE_LENGTH + i] = header.charCodeAt(i); // ASCII only
  if (array instanceof Float32Array) {
    // DataView rather than copying the buffer: the file must be little-endian whatever the host is.
    const view = new DataView(out.buffer, out.byteOffset + payloadOffset, array.byteLength);
    for (let i = 0; i < array.length; i++) view.setFloat32(i * 4, array[i] ?? 0, true);
  } else {
    out.set(array, payloadOffset);
  }
  return out;
}

/**
 * Heaton's `training_data_S_S.npy`: the set as float32 in [-1, 1] (x / 127.5 − 1, the scaling the
 * trainer uses), shape (N, S, S, C), channels last.
 */
export function imageSetToHeatonNpy(set: ImageSet): Uint8Array {
  const values = new Float32Array(set.pixels.length);
  for (let i = 0; i < values.length; i++) values[i] = (set.pixels[i] ?? 0) / 127.5 - 1;
  return encodeNpy(values, [set.count, set.side, set.side, set.channels]);
}
