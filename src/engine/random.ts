/**
 * Counter-based random numbers for laminar: Philox4x32-10 (Salmon, Moraes,
 * Dror & Shaw, "Parallel Random Numbers: As Easy as 1, 2, 3", SC 2011; the
 * Random123 library).
 *
 * Every random value is a pure function of a 64-bit key and the element's
 * index, so a tensor's contents do not depend on how the work is split into
 * threads, chunks or devices, and a WGSL shader can regenerate any element
 * independently. Only 32-bit integer operations that WGSL also has are used to
 * produce the raw words: the high half of a 32x32-bit product is assembled
 * from 16-bit halves, so no 64-bit integers, BigInt or float64 tricks are
 * needed.
 *
 * ## Stream contract (a GPU kernel must reproduce this exactly)
 *
 * Notation: `philox(c0, c1, c2, c3; k0, k1) -> [w0, w1, w2, w3]` is one
 * Philox4x32-10 block (see {@link philox4x32}); `key = [k0, k1]`. For an index
 * `n >= 0`, `lo(n) = n mod 2^32` and `hi(n) = floor(n / 2^32)` (always 0 for
 * typed arrays shorter than 2^32 blocks). `mulhi(a, b)` is the high 32 bits of
 * the exact 64-bit product of two uint32 values. All arithmetic on words is
 * modulo 2^32.
 *
 * ### Uniform ({@link fillUniform})
 *
 * Element `i` takes word `i & 3` of `philox(lo(b), hi(b), 0, 0; key)` with
 * `b = floor(i / 4)`. The word `w` becomes `u = (w >>> 8) * 2^-24`, a multiple
 * of 2^-24 in `[0, 1 - 2^-24]` that float32 represents exactly.
 *
 * - Float32Array: `L = f32(low)`, `H = f32(high)`, `R = f32(H - L)`,
 *   `v = f32(L + f32(u * R))`: every operation rounded to float32
 *   (round-to-nearest-even, no fused multiply-add, no subnormal flushing).
 *   If `v >= H` (rounding can land on the excluded bound) then `v` is the
 *   largest float32 below `H`.
 * - Float64Array: `v = low + u * (high - low)` in float64, with the same
 *   clamp to the largest float64 below `high`.
 * - Int32Array: `low` and `high` must be integers; `v = low + mulhi(w &
 *   0xFFFFFF00, high - low)`, which is exactly `floor(low + u * (high - low))`
 *   computed without rounding (for `high - low == 2^32` it is
 *   `low + (w & 0xFFFFFF00)`).
 *
 * Uniform and integer outputs are bit-identical across backends.
 *
 * ### Normal ({@link fillNormal})
 *
 * Elements `2j` and `2j + 1` come from `[w0, w1] = philox(lo(j), hi(j), 0, 0;
 * key)` (`w2`, `w3` unused):
 * `u1 = ((w0 >>> 8) + 0.5) * 2^-24` (in `(0, 1)`, so the log is finite),
 * `u2 = (w1 >>> 8) * 2^-24`, `r = sqrt(-2 ln u1)`, `t = 2π u2`;
 * element `2j` is `mean + stddev * (r * cos t)` and element `2j + 1` is
 * `mean + stddev * (r * sin t)`. The CPU evaluates this in float64 and rounds
 * once when storing into a Float32Array.
 *
 * ### Truncated normal ({@link fillTruncatedNormal})
 *
 * Element `i`, attempt `a = 0, 1, 2, ...`: `[w0, w1, w2, w3] = philox(lo(i), a,
 * 1, hi(i); key)` (the `1` in word 2 keeps these blocks apart from the uniform
 * and normal streams of the same key). `z0` is the cosine branch of the normal
 * formula applied to `(w0, w1)` and `z1` the cosine branch applied to
 * `(w2, w3)`. The element is `mean + stddev * z` for the first of `z0`, `z1`
 * with `|z| <= 2`; if neither qualifies the next attempt is made. Each attempt
 * fails with probability about 0.0021, so after {@link TRUNCATED_NORMAL_MAX_ATTEMPTS}
 * attempts (probability below 1e-170) the element falls back to `z = 0`, i.e.
 * `mean`; the bound only exists so a kernel has a fixed loop length.
 *
 * The normal streams use the same raw words and formulas on every backend,
 * but `log`, `cos` and `sin` are not correctly rounded on GPUs (nor specified
 * bit-for-bit by ECMAScript), so normal values agree to a few ulp rather than
 * bit-for-bit, and a truncated-normal draw within a few ulp of the cut-off can
 * be accepted on one backend and rejected on the other.
 *
 * ### Keys
 *
 * Ops obtain their key from {@link nextRandomKey}. With an explicit seed `s`
 * (an integer in `[0, 2^53 - 1]`) the key is `[lo(s), hi(s) XOR 0x9E3779B9]`,
 * so the same seed always reproduces the same numbers. Without one, the key
 * mixes the global seed `g` and the global call counter `c` through Philox
 * itself: `[w0, w1] = philox(lo(c), hi(c), 0x6B657973, 0; lo(g), hi(g))` and
 * the key is `[w0, w1 & 0x7FFFFFFF]`, after which `c` increments. Because
 * `hi(s) < 2^21`, explicit-seed keys always have bit 31 of word 1 set and
 * global keys never do, so the two families cannot coincide.
 *
 * @example
 * ```ts
 * import { fillUniform, nextRandomKey, setSeed } from './random.js';
 *
 * setSeed(42);
 * const weights = new Float32Array(6);
 * fillUniform(weights, nextRandomKey(), -0.1, 0.1);
 * ```
 *
 * @module
 */
import { ValueError } from './errors.js';


/** Philox4x32 round multipliers and Weyl key increments from Random123. */
const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;
const M0_LO = PHILOX_M0 & 0xffff;
const M0_HI = PHILOX_M0 >>> 16;
const M1_LO = PHILOX_M1 & 0xffff;
const M1_HI = PHILOX_M1 >>> 16;

const TWO_POW_32 = 4294967296;
/** 2^-24: scales the top 24 bits of a word into [0, 1). */
const INV_2_POW_24 = 5.960464477539063e-8;
const TWO_PI = 2 * Math.PI;
const MAX_SEED = Number.MAX_SAFE_INTEGER;
/** XORed into word 1 of explicit-seed keys; its bit 31 marks the key family. */
const EXPLICIT_SEED_SALT = 0x9e3779b9;
/** Counter word 2 ("keys" in ASCII) used when deriving keys for global draws. */
const GLOBAL_KEY_DOMAIN = 0x6b657973;

/**
 * Attempts per element before {@link fillTruncatedNormal} gives up and writes
 * the mean. Part of the stream contract: a GPU kernel must use the same bound
 * so that the (astronomically unlikely) fallback happens at the same elements.
 *
 * @example
 * ```ts
 * // Probability that one element exhausts every attempt:
 * const pFail = Math.pow(0.0021, TRUNCATED_NORMAL_MAX_ATTEMPTS); // ~1e-171
 * ```
 */
export const TRUNCATED_NORMAL_MAX_ATTEMPTS = 64;

/**
 * One Philox4x32-10 block: 4 uint32 counter words and 2 uint32 key words
 * produce 4 uint32 words, written to `out[outOffset .. outOffset + 3]`.
 *
 * Inputs are taken modulo 2^32, so int32 and uint32 spellings of the same bit
 * pattern give the same result. The output goes into a caller-owned array so
 * hot loops allocate nothing.
 *
 * @param c0 - Counter word 0.
 * @param c1 - Counter word 1.
 * @param c2 - Counter word 2.
 * @param c3 - Counter word 3.
 * @param k0 - Key word 0.
 * @param k1 - Key word 1.
 * @param out - Receives the four output words.
 * @param outOffset - Index in `out` of the first output word (default 0).
 *
 * @example
 * ```ts
 * const out = new Uint32Array(4);
 * philox4x32(0, 0, 0, 0, 0, 0, out);
 * // out is [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] (Random123 known answer)
 * ```
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
  outOffset = 0,
): void {
  let x0 = c0 | 0;
  let x1 = c1 | 0;
  let x2 = c2 | 0;
  let x3 = c3 | 0;
  let key0 = k0 | 0;
  let key1 = k1 | 0;
  for (let round = 0; round < 10; round++) {
    // High words of M0 * x0 and M1 * x2 by schoolbook multiplication on 16-bit
    // halves (Hacker's Delight "mulhu"): every intermediate fits in a uint32,
    // so a WGSL kernel can run the same steps on u32 without 64-bit support.
    const aL = x0 & 0xffff;
    const aH = x0 >>> 16;
    const t0 = Math.imul(aH, M0_LO) + (Math.imul(aL, M0_LO) >>> 16);
    const v0 = Math.imul(aL, M0_HI) + (t0 & 0xffff);
    const hi0 = (Math.imul(aH, M0_HI) + (t0 >>> 16) + (v0 >>> 16)) | 0;
    const lo0 = Math.imul(x0, PHILOX_M0);

    const bL = x2 & 0xffff;
    const bH = x2 >>> 16;
    const t1 = Math.imul(bH, M1_LO) + (Math.imul(bL, M1_LO) >>> 16);
    const v1 = Math.imul(bL, M1_HI) + (t1 & 0xffff);
    const hi1 = (Math.imul(bH, M1_HI) + (t1 >>> 16) + (v1 >>> 16)) | 0;
    const lo1 = Math.imul(x2, PHILOX_M1);

    x0 = hi1 ^ x1 ^ key0;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ key1;
    x3 = lo0;
    key0 = (key0 + PHILOX_W0) | 0;
    key1 = (key1 + PHILOX_W1) | 0;
  }
  out[outOffset] = x0;
  out[outOffset + 1] = x1;
  out[outOffset + 2] = x2;
  out[outOffset + 3] = x3;
}

/**
 * A Philox key: two uint32 words. Treat it as an opaque token from
 * {@link nextRandomKey}; it is a tuple only so it can cross to a GPU as two
 * uniforms.
 *
 * @example
 * ```ts
 * const key: RandomKey = nextRandomKey(7);
 * fillUniform(new Float32Array(4), key, 0, 1);
 * ```
 */
export type RandomKey = readonly [number, number];

/**
 * A snapshot of the global generator, small enough to store in a checkpoint.
 *
 * @example
 * ```ts
 * const state: RandomState = getRandomState();
 * const json = JSON.stringify(state); // {"seed":...,"counter":...}
 * ```
 */
export interface RandomState {
  /** The global seed, an integer in [0, 2^53 - 1]. */
  seed: number;
  /** How many keys have been drawn from the global seed, an integer in [0, 2^53 - 1]. */
  counter: number;
}

/** Reused block buffer: fills run synchronously, so one buffer suffices. */
const block = new Uint32Array(4);

/** High 32 bits of the 64-bit product of two uint32 values (see philox4x32). */
function mulhi32(a: number, b: number): number {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const t = Math.imul(aH, bL) + (Math.imul(aL, bL) >>> 16);
  const v = Math.imul(aL, bH) + (t & 0xffff);
  return (Math.imul(aH, bH) + (t >>> 16) + (v >>> 16)) >>> 0;
}

/** Renders an invalid argument for an error message, keeping its type visible. */
function describe(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'bigint') return `bigint ${value}n`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array of length ${value.length}`;
  return typeof value;
}

function isSafeNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_SEED;
}

function checkSeed(fn: string, name: string, value: unknown): number {
  if (!isSafeNonNegativeInteger(value)) {
    const message = `${fn}: expected ${name} to be an integer in [0, 2^53 - 1], got ${describe(value)}`;
    throw new ValueError(message);
  }
  return value;
}

function checkKey(fn: string, key: RandomKey): void {
  if (
    !Array.isArray(key) ||
    key.length !== 2 ||
    !Number.isInteger(key[0]) ||
    !Number.isInteger(key[1]) ||
    key[0] < 0 ||
    key[1] < 0 ||
    key[0] >= TWO_POW_32 ||
    key[1] >= TWO_POW_32
  ) {
    const shown = Array.isArray(key) ? `[${key.map(describe).join(', ')}]` : describe(key);
    throw new ValueError(`${fn}: expected key to be two uint32 words, got ${shown}`);
  }
}

function checkFinite(fn: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValueError(`${fn}: expected ${name} to be a finite number, got ${describe(value)}`);
  }
}

function checkNormalParams(fn: string, mean: number, stddev: number): void {
  checkFinite(fn, 'mean', mean);
  checkFinite(fn, 'stddev', stddev);
  if (stddev < 0) throw new ValueError(`${fn}: expected stddev >= 0, got ${stddev}`);
}

const f32Scratch = new Float32Array(1);
const f32Bits = new Uint32Array(f32Scratch.buffer);
const f64View = new DataView(new ArrayBuffer(8));

/** Largest float32 strictly below the finite float32 `x`. */
function float32Below(x: number): number {
  if (x === 0) return -1.401298464324817e-45;
  f32Scratch[0] = x;
  f32Bits[0] = x > 0 ? f32Bits[0] - 1 : f32Bits[0] + 1;
  return f32Scratch[0];
}

/** Largest float64 strictly below the finite `x`. */
function float64Below(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  f64View.setFloat64(0, x);
  let hi = f64View.getUint32(0);
  let lo = f64View.getUint32(4);
  // Magnitude up for negatives, down for positives; carry/borrow across words.
  if (x > 0) {
    if (lo === 0) hi -= 1;
    lo = (lo - 1) >>> 0;
  } else {
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi += 1;
  }
  f64View.setUint32(0, hi);
  f64View.setUint32(4, lo);
  return f64View.getFloat64(0);
}

function uniformFloat32(out: Float32Array, k0: number, k1: number, low: number, high: number): void {
  const L = Math.fround(low);
  const H = Math.fround(high);
  const R = Math.fround(H - L);
  if (!(L < H) || !Number.isFinite(R)) {
    throw new ValueError(
      `fillUniform: expected float32(low) < float32(high) with a finite float32 difference, got low=${low}, high=${high}`,
    );
  }
  const below = float32Below(H);
  const n = out.length;
  const s = block;
  let i = 0;
  for (let b = 0; i < n; b++) {
    philox4x32(b >>> 0, (b / TWO_POW_32) >>> 0, 0, 0, k0, k1, s, 0);
    const m = n - i < 4 ? n - i : 4;
    for (let j = 0; j < m; j++, i++) {
      const v = Math.fround(L + Math.fround((s[j] >>> 8) * INV_2_POW_24 * R));
      out[i] = v >= H ? below : v;
    }
  }
}

function uniformFloat64(out: Float64Array, k0: number, k1: number, low: number, high: number): void {
  const R = high - low;
  if (!(low < high) || !Number.isFinite(R)) {
    throw new ValueError(`fillUniform: expected low < high with a finite difference, got low=${low}, high=${high}`);
  }
  const below = float64Below(high);
  const n = out.length;
  const s = block;
  let i = 0;
  for (let b = 0; i < n; b++) {
    philox4x32(b >>> 0, (b / TWO_POW_32) >>> 0, 0, 0, k0, k1, s, 0);
    const m = n - i < 4 ? n - i : 4;
    for (let j = 0; j < m; j++, i++) {
      const v = low + (s[j] >>> 8) * INV_2_POW_24 * R;
      out[i] = v >= high ? below : v;
    }
  }
}

function uniformInt32(out: Int32Array, k0: number, k1: number, low: number, high: number): void {
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < -2147483648 || high > 2147483648 || !(low < high)) {
    throw new ValueError(
      `fillUniform: Int32Array output needs integer bounds with -2^31 <= low < high <= 2^31, got low=${low}, high=${high}`,
    );
  }
  const range = high - low;
  const fullRange = range === TWO_POW_32;
  const n = out.length;
  const s = block;
  let i = 0;
  for (let b = 0; i < n; b++) {
    philox4x32(b >>> 0, (b / TWO_POW_32) >>> 0, 0, 0, k0, k1, s, 0);
    const m = n - i < 4 ? n - i : 4;
    for (let j = 0; j < m; j++, i++) {
      const w = (s[j] & 0xffffff00) >>> 0;
      out[i] = low + (fullRange ? w : mulhi32(w, range));
    }
  }
}

/**
 * Fills `out` with uniform values in `[low, high)`, element `i` being a pure
 * function of `(key, i)` as specified in the module documentation.
 *
 * Float32Array output is computed in float32 arithmetic (bounds are rounded
 * to float32 first) so that a WGSL kernel can match it bit-for-bit. Rounding
 * can reach the excluded bound, so such values are replaced by the largest
 * representable value below `high`, keeping the half-open interval honest
 * (at most a 2^-24 relative bias on that one value). Int32Array output draws
 * integers in `[low, high)` exactly, so `low` and `high` must be integers.
 *
 * @param out - Array to overwrite; its length decides how many values are drawn.
 * @param key - Key from {@link nextRandomKey}.
 * @param low - Inclusive lower bound.
 * @param high - Exclusive upper bound; must exceed `low`.
 * @throws ValueError if the key is not two uint32 words or a bound is not a finite number.
 * @throws ValueError if `low >= high` (after rounding to float32 for
 *   Float32Array), or for Int32Array if the bounds are not integers in
 *   `[-2^31, 2^31]`.
 *
 * @example
 * ```ts
 * const dropoutMask = new Float32Array(1024);
 * fillUniform(dropoutMask, nextRandomKey(), 0, 1);
 *
 * const dice = new Int32Array(10);
 * fillUniform(dice, nextRandomKey(123), 1, 7); // integers 1..6
 * ```
 */
export function fillUniform(
  out: Float32Array | Float64Array | Int32Array,
  key: RandomKey,
  low: number,
  high: number,
): void {
  checkKey('fillUniform', key);
  checkFinite('fillUniform', 'low', low);
  checkFinite('fillUniform', 'high', high);
  if (out instanceof Float32Array) uniformFloat32(out, key[0], key[1], low, high);
  else if (out instanceof Float64Array) uniformFloat64(out, key[0], key[1], low, high);
  else if (out instanceof Int32Array) uniformInt32(out, key[0], key[1], low, high);
  else throw new ValueError(`fillUniform: expected a Float32Array, Float64Array or Int32Array, got ${describe(out)}`);
}

/**
 * Fills `out` with normally distributed values using the Box-Muller
 * transform, both the cosine and sine outputs of each pair being used.
 *
 * Box-Muller (rather than a ziggurat or inverse-CDF table) is chosen because
 * it consumes a fixed number of words per element, so any element can be
 * generated independently, which is what a GPU thread needs.
 *
 * @param out - Array to overwrite; its length decides how many values are drawn.
 * @param key - Key from {@link nextRandomKey}.
 * @param mean - Mean of the distribution.
 * @param stddev - Standard deviation, `>= 0`.
 * @throws ValueError if the key is not two uint32 words or `mean`/`stddev` is not finite.
 * @throws ValueError if `stddev < 0`.
 *
 * @example
 * ```ts
 * const noise = new Float32Array(256);
 * fillNormal(noise, nextRandomKey(), 0, 0.05);
 * ```
 */
export function fillNormal(out: Float32Array | Float64Array, key: RandomKey, mean: number, stddev: number): void {
  checkKey('fillNormal', key);
  checkNormalParams('fillNormal', mean, stddev);
  if (out instanceof Float32Array) normalInto32(out, key[0], key[1], mean, stddev);
  else if (out instanceof Float64Array) normalInto64(out, key[0], key[1], mean, stddev);
  else throw new ValueError(`fillNormal: expected a Float32Array or Float64Array, got ${describe(out)}`);
}

// Two copies of the same loop so each stays monomorphic in its array type.
function normalInto32(out: Float32Array, k0: number, k1: number, mean: number, stddev: number): void {
  const n = out.length;
  const s = block;
  for (let j = 0, i = 0; i < n; j++, i += 2) {
    philox4x32(j >>> 0, (j / TWO_POW_32) >>> 0, 0, 0, k0, k1, s, 0);
    const u1 = ((s[0] >>> 8) + 0.5) * INV_2_POW_24;
    const t = TWO_PI * ((s[1] >>> 8) * INV_2_POW_24);
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = mean + stddev * (r * Math.cos(t));
    if (i + 1 < n) out[i + 1] = mean + stddev * (r * Math.sin(t));
  }
}

function normalInto64(out: Float64Array, k0: number, k1: number, mean: number, stddev: number): void {
  const n = out.length;
  const s = block;
  for (let j = 0, i = 0; i < n; j++, i += 2) {
    philox4x32(j >>> 0, (j / TWO_POW_32) >>> 0, 0, 0, k0, k1, s, 0);
    const u1 = ((s[0] >>> 8) + 0.5) * INV_2_POW_24;
    const t = TWO_PI * ((s[1] >>> 8) * INV_2_POW_24);
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = mean + stddev * (r * Math.cos(t));
    if (i + 1 < n) out[i + 1] = mean + stddev * (r * Math.sin(t));
  }
}

/** Standard normal draw for truncated-normal element `i` (see module docs). */
function truncatedStandardNormal(i: number, k0: number, k1: number): number {
  const s = block;
  const iLo = i >>> 0;
  const iHi = (i / TWO_POW_32) >>> 0;
  for (let a = 0; a < TRUNCATED_NORMAL_MAX_ATTEMPTS; a++) {
    philox4x32(iLo, a, 1, iHi, k0, k1, s, 0);
    const z0 =
      Math.sqrt(-2 * Math.log(((s[0] >>> 8) + 0.5) * INV_2_POW_24)) *
      Math.cos(TWO_PI * ((s[1] >>> 8) * INV_2_POW_24));
    if (z0 <= 2 && z0 >= -2) return z0;
    const z1 =
      Math.sqrt(-2 * Math.log(((s[2] >>> 8) + 0.5) * INV_2_POW_24)) *
      Math.cos(TWO_PI * ((s[3] >>> 8) * INV_2_POW_24));
    if (z1 <= 2 && z1 >= -2) return z1;
  }
  return 0;
}

/**
 * Fills `out` with a normal distribution truncated at two standard
 * deviations: draws beyond `mean ± 2·stddev` are re-drawn, as in TensorFlow's
 * `truncatedNormal` and Keras' `TruncatedNormal` initializer.
 *
 * The result's standard deviation is about `0.88 · stddev`, not `stddev`;
 * initializers that want a given variance must scale up themselves.
 * Re-drawing uses fresh counter blocks per element (see the module
 * documentation), so one element's rejections never shift another element's
 * value.
 *
 * @param out - Array to overwrite; its length decides how many values are drawn.
 * @param key - Key from {@link nextRandomKey}.
 * @param mean - Mean of the underlying normal distribution.
 * @param stddev - Standard deviation of the underlying normal, `>= 0`.
 * @throws ValueError if the key is not two uint32 words or `mean`/`stddev` is not finite.
 * @throws ValueError if `stddev < 0`.
 *
 * @example
 * ```ts
 * const kernel = new Float32Array(64 * 32);
 * fillTruncatedNormal(kernel, nextRandomKey(), 0, 0.05); // all within ±0.1
 * ```
 */
export function fillTruncatedNormal(
  out: Float32Array | Float64Array,
  key: RandomKey,
  mean: number,
  stddev: number,
): void {
  checkKey('fillTruncatedNormal', key);
  checkNormalParams('fillTruncatedNormal', mean, stddev);
  if (!(out instanceof Float32Array) && !(out instanceof Float64Array)) {
    throw new ValueError(`fillTruncatedNormal: expected a Float32Array or Float64Array, got ${describe(out)}`);
  }
  const k0 = key[0];
  const k1 = key[1];
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = mean + stddev * truncatedStandardNormal(i, k0, k1);
}

/** Unpredictable default so that unseeded runs differ from each other. */
function entropySeed(): number {
  const cryptoObject = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (cryptoObject !== undefined && typeof cryptoObject.getRandomValues === 'function') {
    const words = cryptoObject.getRandomValues(new Uint32Array(2));
    return (words[0] & 0x1fffff) * TWO_POW_32 + words[1];
  }
  return Math.floor(Math.random() * 0x200000) * TWO_POW_32 + Math.floor(Math.random() * TWO_POW_32);
}

let globalSeed = entropySeed();
let globalCounter = 0;

/**
 * Sets the global seed and restarts the global stream, so every later
 * unseeded random op repeats the sequence it produced after the last
 * `setSeed` with the same value.
 *
 * @param seed - An integer in `[0, 2^53 - 1]`.
 * @throws ValueError if `seed` is not a number or is not an
 *   integer in range. The message starts with `"setSeed: "`.
 *
 * @example
 * ```ts
 * setSeed(1234);
 * const a = new Float32Array(3);
 * fillNormal(a, nextRandomKey(), 0, 1);
 * setSeed(1234);
 * const b = new Float32Array(3);
 * fillNormal(b, nextRandomKey(), 0, 1); // b equals a
 * ```
 */
export function setSeed(seed: number): void {
  globalSeed = checkSeed('setSeed', 'seed', seed);
  globalCounter = 0;
}

/**
 * Returns the current global seed, which, unless {@link setSeed} was called,
 * is the random value chosen when the module loaded; logging it lets an
 * unseeded run be replayed.
 *
 * @example
 * ```ts
 * console.log(`random seed: ${getSeed()}`); // later: setSeed(thatValue)
 * ```
 */
export function getSeed(): number {
  return globalSeed;
}

/**
 * Returns the key for the next random op.
 *
 * With an explicit `seed` the key depends on that seed only and the global
 * state is untouched (like tfjs' `{seed}` options), so `fillX(out,
 * nextRandomKey(5), ...)` always yields the same numbers. Without it the key
 * is derived from the global seed and call counter, and the counter advances,
 * so consecutive ops get independent streams that `setSeed` can replay.
 * Derivations are given in the module documentation.
 *
 * @param seed - Optional integer in `[0, 2^53 - 1]`.
 * @throws ValueError, message starting `"nextRandomKey: "`, for an invalid seed.
 *
 * @example
 * ```ts
 * const fixed = nextRandomKey(42);  // same key every call
 * const fresh = nextRandomKey();    // new key each call
 * fillUniform(new Float32Array(8), fresh, 0, 1);
 * ```
 */
export function nextRandomKey(seed?: number): RandomKey {
  if (seed !== undefined) {
    const s = checkSeed('nextRandomKey', 'seed', seed);
    return [s >>> 0, (Math.floor(s / TWO_POW_32) ^ EXPLICIT_SEED_SALT) >>> 0];
  }
  const c = globalCounter;
  globalCounter = c + 1;
  const s = block;
  philox4x32(c >>> 0, (c / TWO_POW_32) >>> 0, GLOBAL_KEY_DOMAIN, 0, globalSeed >>> 0, (globalSeed / TWO_POW_32) >>> 0, s, 0);
  return [s[0], s[1] & 0x7fffffff];
}

/**
 * Snapshots the global generator so a checkpoint can resume the exact random
 * sequence (dropout masks, shuffles) a training run would have used.
 *
 * @example
 * ```ts
 * const saved = getRandomState();
 * const k1 = nextRandomKey();
 * setRandomState(saved);
 * const k2 = nextRandomKey(); // same as k1
 * ```
 */
export function getRandomState(): RandomState {
  return { seed: globalSeed, counter: globalCounter };
}

/**
 * Restores a snapshot taken with {@link getRandomState}.
 *
 * @param state - The seed and counter to resume from; both integers in `[0, 2^53 - 1]`.
 * @throws ValueError, message starting `"setRandomState: "`, for an invalid state.
 *
 * @example
 * ```ts
 * setRandomState({ seed: 42, counter: 10 }); // as if setSeed(42) then 10 keys drawn
 * ```
 */
export function setRandomState(state: RandomState): void {
  if (typeof state !== 'object' || state === null) {
    throw new ValueError(`setRandomState: expected an object { seed, counter }, got ${describe(state)}`);
  }
  const seed = checkSeed('setRandomState', 'state.seed', state.seed);
  const counter = checkSeed('setRandomState', 'state.counter', state.counter);
  globalSeed = seed;
  globalCounter = counter;
}
