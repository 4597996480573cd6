/** Small deterministic PRNG helpers (no tensors); mulberry32 itself lives in contracts (sweeps draw with it too). */
import { mulberry32 } from '@anchorage/contracts';

export { mulberry32 };

/** Derives an independent 32-bit seed from a base seed and a stream label. */
export function deriveSeed(seed: number, label: string | number): number {
  // FNV-1a over the label, mixed with the seed.
  let h = 0x811c9dc5 ^ (seed >>> 0);
  const s = String(label);
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** In-place Fisher–Yates shuffle driven by `rand`. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(arr: T, rand: () => number): T {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = tmp;
  }
  return arr;
}

/** A seeded random permutation of 0..n-1. */
export function permutation(n: number, rand: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, rand);
}

/** Standard normal sample (Box–Muller). */
export function gaussian(rand: () => number): number {
  let u = 0;
  while (u <= Number.MIN_VALUE) u = rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Normal(0, std²) truncated to [-2·std, 2·std] by resampling. */
export function truncatedNormal(n: number, std: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = gaussian(rand);
    while (z < -2 || z > 2) z = gaussian(rand);
    out[i] = z * std;
  }
  return out;
}

/** Uniform on [-limit, limit). */
export function uniform(n: number, limit: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * limit;
  return out;
}
