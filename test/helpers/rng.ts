/**
 * Deterministic test data that does not depend on the library's own random
 * generator, so a failure reproduces exactly and a bug in `random.ts` cannot
 * hide itself.
 */

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values uniform in [-1, 1). */
export function signedValues(n: number, seed: number): number[] {
  const next = rng(seed);
  return Array.from({ length: n }, () => next() * 2 - 1);
}
