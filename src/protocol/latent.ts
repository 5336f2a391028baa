/**
 * Latent vectors named by an integer seed, and the path between two of them. Pure; imports
 * nothing, so the page, the worker and a Python notebook can all name the same face by its seed.
 */

/** The splitmix32 finaliser: spreads nearby seeds (42, 43, …) over unrelated 32-bit states. */
function hashSeed(seed: number): number {
  let z = ((seed >>> 0) + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The standard-normal latent vector for an integer seed: the same numbers on every machine.
 *
 * The exact algorithm (all integer arithmetic is on unsigned 32-bit words, wrapping; the float
 * arithmetic is IEEE double, rounded to float32 only when stored):
 * 1. `s = seed mod 2^32` (JavaScript `seed >>> 0`; negative seeds wrap, e.g. -1 → 0xffffffff).
 * 2. Hash (splitmix32 finaliser): `z = (s + 0x9e3779b9) mod 2^32`;
 *    `z = (z ^ (z >> 16)) * 0x85ebca6b mod 2^32`; `z = (z ^ (z >> 13)) * 0xc2b2ae35 mod 2^32`;
 *    `state = z ^ (z >> 16)`.
 * 3. Uniforms (mulberry32): each draw does `state = (state + 0x6d2b79f5) mod 2^32; t = state;`
 *    `t = (t ^ (t >> 15)) * (t | 1) mod 2^32; t = t ^ ((t + (t ^ (t >> 7)) * (t | 61)) mod 2^32);`
 *    `u = (t ^ (t >> 14)) / 2^32`, a double in [0, 1).
 * 4. Box–Muller, two values per pair of draws (u1 then u2): `r = sqrt(-2 ln(1 − u1))`,
 *    `v[2k] = r cos(2π u2)`, `v[2k+1] = r sin(2π u2)`; for odd `size` the last sine is dropped.
 *    (`1 − u1` lies in (0, 1], so the log is finite.)
 *
 * A Python reimplementation with `numpy.float32(...)` on the same steps matches bit for bit, up
 * to a last-ulp difference in the platform's `log`/`cos`, which float32 rounding nearly always hides.
 * @param seed an integer (safe-integer range; only its low 32 bits matter).
 * @param size latent length, e.g. 100 → Float32Array of 100 N(0, 1) values.
 */
export function latentForSeed(seed: number, size: number): Float32Array {
  if (!Number.isSafeInteger(seed)) throw new Error(`latentForSeed: seed must be an integer, got ${seed}`);
  if (!Number.isInteger(size) || size < 0) throw new Error(`latentForSeed: size must be a whole number, got ${size}`);
  let state = hashSeed(seed);
  // mulberry32, inlined rather than imported from random.ts so this file states the whole contract.
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const vector = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    vector[i] = radius * Math.cos(angle);
    if (i + 1 < size) vector[i + 1] = radius * Math.sin(angle);
  }
  return vector;
}

/** Below this sin(angle) the two directions are treated as parallel and slerp's division is unsafe. */
const PARALLEL_EPSILON = 1e-6;

/**
 * Spherical interpolation (Shoemake; White 2016 for GAN latents): moves along the great arc
 * between the directions of `a` and `b`, with weights sin((1 − t)Ω)/sin Ω and sin(tΩ)/sin Ω where
 * Ω is the angle between them. Unlike lerp it keeps the norm of Gaussian latents near √d midway,
 * where lerp's would dip to about √(d/2) and give washed-out faces. Falls back to lerp when the
 * vectors are (anti)parallel or one is zero, where Ω is undefined or the weights blow up.
 * @param a, b latents of equal length d.
 * @param t 0 gives a, 1 gives b.
 * @returns a new Float32Array of length d.
 */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  if (a.length !== b.length) throw new Error(`slerp: lengths differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  const denominator = Math.sqrt(normA * normB);
  const cosine = denominator > 0 ? Math.min(1, Math.max(-1, dot / denominator)) : 1;
  const omega = Math.acos(cosine);
  const sine = Math.sin(omega);
  let weightA = 1 - t;
  let weightB = t;
  if (sine > PARALLEL_EPSILON) {
    weightA = Math.sin((1 - t) * omega) / sine;
    weightB = Math.sin(t * omega) / sine;
  }
  const result = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) result[i] = weightA * (a[i] ?? 0) + weightB * (b[i] ?? 0);
  return result;
}
