/**
 * The pixel hash behind a zip set's identity (see datasetIdentity). It lives with the data
 * code because both the worker (on every load) and ingest (when it caches a set) need it.
 */

/**
 * A 64-bit-ish hash of a set's pixels (two 32-bit FNV-style lanes), as hex: cheap enough for
 * hundreds of MB, and stable across sessions, so a checkpoint can name the data it trained on.
 */
export function hashPixels(pixels: Uint8Array): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ pixels.length;
  const words = pixels.byteOffset % 4 === 0 ? new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length >>> 2) : null;
  const wordBytes = words ? words.length * 4 : 0;
  if (words) {
    for (let i = 0; i < words.length; i++) {
      const w = words[i] ?? 0;
      a = Math.imul(a ^ w, 0x01000193);
      b = Math.imul(b ^ w, 0x5bd1e995) ^ (b >>> 15);
    }
  }
  for (let i = wordBytes; i < pixels.length; i++) {
    const w = pixels[i] ?? 0;
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
