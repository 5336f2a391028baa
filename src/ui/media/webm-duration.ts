/**
 * Rewrites the Duration of a finished WebM in place. webm-muxer records the last frame's start
 * time as the duration, so a player would end the video the moment the last frame appears — and
 * for a time-lapse the last frame (the trained faces) is the one worth seeing. Pure: bytes in,
 * bytes changed, so Node tests can check it.
 */

const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const DURATION = 0x4489;

/** An EBML variable-length integer at `at`: IDs keep their length marker, sizes drop it. */
function readVint(bytes: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number } {
  const first = bytes[at] ?? 0;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8) throw new Error(`setWebmDuration: bad EBML number at byte ${at}`);
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + (bytes[at + i] ?? 0);
  return { value, length };
}

/** Where the body of the first element with `id` between `start` and `end` lies, or null. */
function findChild(bytes: Uint8Array, start: number, end: number, id: number): { body: number; size: number } | null {
  let at = start;
  while (at < end) {
    const element = readVint(bytes, at, true);
    const size = readVint(bytes, at + element.length, false);
    const body = at + element.length + size.length;
    // An "unknown" size (all ones) only occurs on Segment and Cluster: it runs to the parent's end.
    const unknown = size.value === 2 ** (7 * size.length) - 1;
    const bodySize = unknown ? end - body : size.value;
    if (element.value === id) return { body, size: bodySize };
    at = body + bodySize;
  }
  return null;
}

/**
 * Sets the Segment Info Duration of the WebM in `bytes` to `durationMs` (the muxer's timecode
 * scale is 1 ms). Returns false, leaving the bytes alone, when there is no Duration to rewrite.
 */
export function setWebmDuration(bytes: Uint8Array, durationMs: number): boolean {
  const segment = findChild(bytes, 0, bytes.length, SEGMENT);
  if (!segment) return false;
  const info = findChild(bytes, segment.body, segment.body + segment.size, INFO);
  if (!info) return false;
  const duration = findChild(bytes, info.body, info.body + info.size, DURATION);
  if (!duration) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset + duration.body, duration.size);
  if (duration.size === 8) view.setFloat64(0, durationMs);
  else if (duration.size === 4) view.setFloat32(0, durationMs);
  else return false;
  return true;
}
