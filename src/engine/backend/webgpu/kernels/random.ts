/**
 * WebGPU kernels: randomUniform, randomNormal, truncatedNormal.
 *
 * Each kernel regenerates the Philox4x32-10 stream of `engine/random.ts`
 * from the key in its params (passed as uniforms, never baked, so one
 * pipeline serves every key): the high half of each 32x32-bit product is
 * assembled from 16-bit halves in u32 arithmetic, which WGSL wraps modulo
 * 2^32 like `Math.imul`. Element indices are below 2^32 here, so the `hi(n)`
 * counter words are 0.
 *
 * - randomUniform: one invocation per counter block writes its 4 elements.
 *   int32 is `low + mulhi(w & 0xFFFFFF00, high - low)` in u32, bit-identical
 *   to the CPU. float32 is the contract's `f32(L + f32(u * R))` with the
 *   product passed through an opaque no-op (XOR with a uniform that is 0) so
 *   no compiler can fuse it into a multiply-add; both roundings are then the
 *   same IEEE operations the CPU performs, and the values are bit-identical.
 *   Bounds so small that a subnormal could appear (which GPUs may flush) are
 *   drawn on the host instead.
 * - randomNormal: one invocation per Box-Muller pair. `log`, `cos`, `sin` are
 *   not the WGSL builtins (WGSL allows `cos` an absolute error of 2^-11):
 *   `-ln u1` reduces `u1 = N 2^-25` exactly in integers and evaluates
 *   `log1p` on the exact remainder; the angle `2πk 2^-24` is reduced to an
 *   octant in integers and `sin`/`cos` are Taylor polynomials there, so every
 *   value is within a few f32 ulp of the CPU's float64-then-rounded value,
 *   relatively, including near the zeros of `r` and of `cos`/`sin`. The four
 *   angles where the CPU's float64 `t` makes `cos`/`sin` a tiny non-zero
 *   (e.g. `cos(fl(π/2)) = 6.1e-17`) reproduce that value.
 * - truncatedNormal: one invocation per element loops over the attempts. The
 *   accept test `|z| <= 2` is decided in f32 when `|z|` is more than 2^-14
 *   from 2 (the f32 error is below 1e-6); otherwise (about 1 candidate in
 *   75 000) it evaluates `-ln(u1) cos²(t) <= 2` in double-float arithmetic
 *   (f32 pairs, error-free sums and Dekker products guarded against
 *   contraction and reassociation, about 2^-46 relative), which agrees with
 *   the CPU's float64 `sqrt(-2 ln u1) cos t <= 2` for every pair of 24-bit
 *   inputs that lies at the cut-off (checked exhaustively against V8's
 *   `Math.log`/`Math.cos` for all 2^24 angles). An accepted `z` is clamped to
 *   `[-2, 2]`, as the CPU's float64 value is.
 *
 * @internal
 * @module
 */
import type { TypedArray } from '../../../dtype.js';
import { fillNormal, fillTruncatedNormal, fillUniform, TRUNCATED_NORMAL_MAX_ATTEMPTS } from '../../../random.js';
import { sizeOf } from '../../../shape.js';
import type { KernelTable, TensorMeta } from '../../backend.js';
import { Uniforms, type WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';
import { grid1d, WG } from '../wgsl.js';

const f32Buf = new Float32Array(1);
const u32Buf = new Uint32Array(f32Buf.buffer);

/** The f32 nearest `v` as an exact WGSL expression (its bit pattern). */
function f(v: number): string {
  f32Buf[0] = v;
  return `bitcast<f32>(0x${u32Buf[0].toString(16)}u)`;
}

/** A double-float constant `vec2(hi, lo)` with `hi + lo` within 2^-48 of `v`. */
function df(v: number): string {
  const hi = Math.fround(v);
  return `vec2<f32>(${f(hi)}, ${f(v - hi)})`;
}

function factorial(n: number): number {
  let r = 1;
  for (let i = 2; i <= n; i++) r *= i;
  return r;
}

/** Taylor coefficient of w^n in cos(sqrt w) (`sin` false) or sin(sqrt w)/sqrt w. */
function trig(n: number, sin: boolean): number {
  return (n % 2 === 0 ? 1 : -1) / factorial(2 * n + (sin ? 1 : 0));
}

/** f32 Horner in `w` over `coef[from..to]` (inclusive). */
function hornerF32(w: string, coef: (n: number) => number, from: number, to: number): string {
  let s = f(coef(to));
  for (let n = to - 1; n >= from; n--) s = `(${f(coef(n))} + ${w} * ${s})`;
  return s;
}

const TWO_PI_OVER_2_24 = (2 * Math.PI) / 16777216;
/** The CPU's (cos t, sin t) at t = fl64(2π q/4): not exactly 0 and ±1, as fl64(2π) is not 2π. */
const CPU_QUADRANT = [0, 1, 2, 3].map((q) => [Math.cos(2 * Math.PI * (q / 4)), Math.sin(2 * Math.PI * (q / 4))]);

/**
 * WGSL shared by the random kernels: Philox, the f32 Box-Muller pieces and
 * the double-float cut-off test. Expects the entry point to set `ZERO`
 * from a uniform that is 0 before calling `df_*`.
 *
 * @internal
 */
export const RANDOM_WGSL = /* wgsl */ `
var<private> ZERO: u32;
// x, unchanged, but opaque to the compiler: blocks contraction and reassociation.
fn opq(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) ^ ZERO); }

fn mulhi(a: u32, b: u32) -> u32 {
  let aL = a & 0xffffu; let aH = a >> 16u; let bL = b & 0xffffu; let bH = b >> 16u;
  let t = aH * bL + ((aL * bL) >> 16u);
  let v = aL * bH + (t & 0xffffu);
  return aH * bH + (t >> 16u) + (v >> 16u);
}

fn philox(c: vec4<u32>, k: vec2<u32>) -> vec4<u32> {
  var x = c;
  var key = k;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mulhi(x.x, 0xd2511f53u);
    let lo0 = x.x * 0xd2511f53u;
    let hi1 = mulhi(x.z, 0xcd9e8d57u);
    let lo1 = x.z * 0xcd9e8d57u;
    x = vec4<u32>(hi1 ^ x.y ^ key.x, lo1, hi0 ^ x.w ^ key.y, lo0);
    key = key + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return x;
}

// u1 = N 2^-25 with N = 2 (w >> 8) + 1 odd, written N = 2^e (1 + x) with
// |x| <= 0.4143; g = N - 2^e is an integer below 2^24 in magnitude, so x is
// exact in f32. Returns vec2(x, e).
fn log_reduce(N: u32) -> vec2<f32> {
  let p = firstLeadingBit(N);
  let base = 1u << p;
  var g = i32(N - base);
  var e = p;
  if (f32(g) > 0.41421356 * f32(base)) { g = g - i32(base); e = p + 1u; }
  return vec2<f32>(f32(g) * bitcast<f32>((127u - e) << 23u), f32(e));
}

// -ln(N 2^-25) in f32, within about 1 ulp.
fn neg_log_u(N: u32) -> f32 {
  let xe = log_reduce(N);
  let x = xe.x;
  let s = x / (2.0 + x);
  let w = s * s;
  let R = w * ${hornerF32('w', (n) => 2 / (2 * n + 3), 0, 4)};
  let l1p = x - s * (x - R);
  let k = 25.0 - xe.y;
  return (k * ${f(0.693145751953125)} - l1p) + k * ${f(Math.LN2 - 0.693145751953125)};
}

// (cos φ, sin φ) for φ = j 2π/2^24, 0 <= j <= 2^21 (0 <= φ <= π/4), in f32.
fn sincos_oct(j: u32) -> vec2<f32> {
  let fj = f32(j);
  let phi = fj * ${f(TWO_PI_OVER_2_24)} + fj * ${f(TWO_PI_OVER_2_24 - Math.fround(TWO_PI_OVER_2_24))};
  let w = phi * phi;
  let c = ${hornerF32('w', (n) => trig(n, false), 0, 6)};
  let s = phi * ${hornerF32('w', (n) => trig(n, true), 0, 6)};
  return vec2<f32>(c, s);
}

// (cos t, sin t) for t = 2π k 2^-24, 0 <= k < 2^24, reduced exactly in integers.
fn sincos_turn(k: u32) -> vec2<f32> {
  let q = k >> 22u;
  let r = k & 0x3fffffu;
  var cs: vec2<f32>;
  if (r <= 0x200000u) { cs = sincos_oct(r); } else { cs = sincos_oct(0x400000u - r).yx; }
  if (r == 0u && q != 0u) {
    // The CPU's float64 angle is not exactly a multiple of π/2: mirror its cos and sin there.
    if (q == 1u) { return vec2<f32>(${f(CPU_QUADRANT[1][0])}, ${f(CPU_QUADRANT[1][1])}); }
    if (q == 2u) { return vec2<f32>(${f(CPU_QUADRANT[2][0])}, ${f(CPU_QUADRANT[2][1])}); }
    return vec2<f32>(${f(CPU_QUADRANT[3][0])}, ${f(CPU_QUADRANT[3][1])});
  }
  switch q {
    case 1u: { return vec2<f32>(-cs.y, cs.x); }
    case 2u: { return vec2<f32>(-cs.x, -cs.y); }
    case 3u: { return vec2<f32>(cs.y, -cs.x); }
    default: { return cs; }
  }
}

// ---- double-float (f32 pair, value x + y) arithmetic -------------------------
fn two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = opq(a + b);
  let bb = opq(s - a);
  return vec2<f32>(s, opq(a - opq(s - bb)) + opq(b - bb));
}
fn quick_two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = opq(a + b);
  return vec2<f32>(s, opq(b - opq(s - a)));
}
fn split(a: f32) -> vec2<f32> {
  let c = opq(4097.0 * a);
  let hi = opq(c - opq(c - a));
  return vec2<f32>(hi, opq(a - hi));
}
fn two_prod(a: f32, b: f32) -> vec2<f32> {
  let p = opq(a * b);
  let as_ = split(a);
  let bs = split(b);
  let e = opq(opq(opq(opq(as_.x * bs.x) - p) + opq(as_.x * bs.y)) + opq(as_.y * bs.x)) + opq(as_.y * bs.y);
  return vec2<f32>(p, opq(e));
}
fn df_add(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let s = two_sum(a.x, b.x);
  let t = two_sum(a.y, b.y);
  let u = quick_two_sum(s.x, opq(s.y + t.x));
  return quick_two_sum(u.x, opq(u.y + t.y));
}
fn df_mul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let p = two_prod(a.x, b.x);
  return quick_two_sum(p.x, opq(p.y + opq(opq(a.x * b.y) + opq(a.y * b.x))));
}
// x / d for an f32 x and a double-float d.
fn df_div(x: f32, d: vec2<f32>) -> vec2<f32> {
  let q1 = opq(x / d.x);
  let r1 = df_add(vec2<f32>(x, 0.0), -df_mul(d, vec2<f32>(q1, 0.0)));
  let q2 = opq(r1.x / d.x);
  let r2 = df_add(r1, -df_mul(d, vec2<f32>(q2, 0.0)));
  let q3 = opq(r2.x / d.x);
  return df_add(quick_two_sum(q1, q2), vec2<f32>(q3, 0.0));
}

// -ln(N 2^-25) in double-float: k ln 2 - 2 atanh(s), s = x / (2 + x).
fn neg_log_u_df(N: u32) -> vec2<f32> {
  let xe = log_reduce(N);
  let s = df_div(xe.x, two_sum(2.0, xe.x));
  let w = df_mul(s, s);
  // atanh(s)/s = sum w^n/(2n+1): n >= 4 in f32 (each below 1e-7), n < 4 in double-float.
  var acc = vec2<f32>(${hornerF32('w.x', (n) => 1 / (2 * n + 9), 0, 6)}, 0.0);
  acc = df_add(${df(1 / 7)}, df_mul(w, acc));
  acc = df_add(${df(1 / 5)}, df_mul(w, acc));
  acc = df_add(${df(1 / 3)}, df_mul(w, acc));
  let atanh = df_add(s, df_mul(df_mul(s, w), acc));
  let k = 25.0 - xe.y;
  return df_add(df_mul(vec2<f32>(k, 0.0), ${df(Math.LN2)}), -2.0 * atanh);
}

// cos φ (sine false) or sin φ for φ = j 2π/2^24, 0 <= j <= 2^21, in double-float.
fn trig_oct_df(j: u32, sine: bool) -> vec2<f32> {
  let fj = f32(j);
  let phi = df_add(two_prod(fj, ${f(Math.fround(TWO_PI_OVER_2_24))}), vec2<f32>(fj * ${f(TWO_PI_OVER_2_24 - Math.fround(TWO_PI_OVER_2_24))}, 0.0));
  let w = df_mul(phi, phi);
  var acc: vec2<f32>;
  if (sine) {
    acc = vec2<f32>(${hornerF32('w.x', (n) => trig(n, true), 5, 8)}, 0.0);
${[4, 3, 2, 1, 0].map((n) => `    acc = df_add(${df(trig(n, true))}, df_mul(w, acc));`).join('\n')}
    return df_mul(phi, acc);
  }
  acc = vec2<f32>(${hornerF32('w.x', (n) => trig(n, false), 6, 9)}, 0.0);
${[5, 4, 3, 2, 1, 0].map((n) => `  acc = df_add(${df(trig(n, false))}, df_mul(w, acc));`).join('\n')}
  return acc;
}

// The CPU's test sqrt(-2 ln u1) |cos t| <= 2, decided as -ln(u1) cos²(t) <= 2
// in double-float; k is the 24-bit angle word.
fn accept_df(N: u32, k: u32) -> bool {
  var q = k & 0x7fffffu;                    // |cos| has period π (2^23 steps)
  if (q > 0x400000u) { q = 0x800000u - q; } // |cos(π - a)| = |cos a|
  var c: vec2<f32>;
  if (q <= 0x200000u) { c = trig_oct_df(q, false); } else { c = trig_oct_df(0x400000u - q, true); }
  let p = df_mul(neg_log_u_df(N), df_mul(c, c));
  return p.x < 2.0 || (p.x == 2.0 && p.y <= 0.0);
}

// The standard normal candidate (cosine branch) of words (w0, w1) for the
// truncated normal: vec2(z, 1) if accepted, vec2(0, 0) if not.
fn truncated_candidate(w0: u32, w1: u32) -> vec2<f32> {
  let N = ((w0 >> 8u) << 1u) | 1u;
  let k = w1 >> 8u;
  let z = sqrt(2.0 * neg_log_u(N)) * sincos_turn(k).x;
  let a = abs(z);
  var ok = a < ${f(2 - 2 ** -14)};
  if (!ok && a <= ${f(2 + 2 ** -14)}) { ok = accept_df(N, k); }
  return select(vec2<f32>(0.0, 0.0), vec2<f32>(clamp(z, -2.0, 2.0), 1.0), ok);
}
`;

/** float32 bit pattern of `v` as a uint32. */
function bitsOf(v: number): number {
  f32Buf[0] = v;
  return u32Buf[0];
}

/**
 * Whether float32 uniform draws with these bounds could meet a subnormal
 * (`L + u R` is a multiple of 2^(min(exp L, exp R - 24) - 23)), which a GPU
 * may flush to zero; such bounds are drawn on the host.
 */
function uniformNeedsHost(L: number, H: number, R: number): boolean {
  const tiny = (x: number, limit: number) => x !== 0 && Math.abs(x) < limit;
  return tiny(L, 2 ** -100) || tiny(H, 2 ** -100) || R < 2 ** -76;
}

/**
 * Same for `mean + stdDev z` (a non-zero |z| can be as small as about 1e-20);
 * magnitudes beyond 2^100, near the end of float32's range, go to the host too.
 */
function normalNeedsHost(mean: number, sd: number): boolean {
  const out = (x: number, low: number) => x !== 0 && (Math.abs(x) < low || Math.abs(x) > 2 ** 100);
  return out(mean, 2 ** -100) || out(sd, 2 ** -56);
}

/** Draws on the host with the CPU's generator and uploads the values (pathological bounds only). */
function hostDraw(b: WebGPUBackend, out: TensorMeta, fill: (values: TypedArray) => void): GpuData {
  const values = out.dtype === 'int32' ? new Int32Array(sizeOf(out.shape)) : new Float32Array(sizeOf(out.shape));
  fill(values);
  return b.upload(values, out.dtype);
}

const HEADER = (fields: string) => /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
struct U { n: u32, row: u32, k0: u32, k1: u32, ${fields} }
@group(0) @binding(1) var<uniform> u: U;
${RANDOM_WGSL}`;

const uniformF32Source = () => /* wgsl */ `${HEADER('lo: f32, hi: f32, range: f32, below: u32, zero: u32')}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  ZERO = u.zero;
  let blk = g.x + g.y * u.row;
  let i0 = blk * 4u;
  if (i0 >= u.n) { return; }
  let s = philox(vec4<u32>(blk, 0u, 0u, 0u), vec2<u32>(u.k0, u.k1));
  for (var j = 0u; j < 4u; j++) {
    if (i0 + j < u.n) {
      let p = opq(f32(s[j] >> 8u) * ${f(2 ** -24)} * u.range);
      let v = opq(u.lo + p);
      out[i0 + j] = select(bitcast<u32>(v), u.below, v >= u.hi);
    }
  }
}`;

const uniformI32Source = () => /* wgsl */ `${HEADER('lo: u32, range: u32')}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let blk = g.x + g.y * u.row;
  let i0 = blk * 4u;
  if (i0 >= u.n) { return; }
  let s = philox(vec4<u32>(blk, 0u, 0u, 0u), vec2<u32>(u.k0, u.k1));
  for (var j = 0u; j < 4u; j++) {
    if (i0 + j < u.n) {
      let w = s[j] & 0xffffff00u;
      out[i0 + j] = u.lo + select(mulhi(w, u.range), w, u.range == 0u);
    }
  }
}`;

const normalSource = () => /* wgsl */ `${HEADER('mean: f32, sd: f32')}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let j = g.x + g.y * u.row;
  let i = j * 2u;
  if (i >= u.n) { return; }
  let s = philox(vec4<u32>(j, 0u, 0u, 0u), vec2<u32>(u.k0, u.k1));
  let r = sqrt(2.0 * neg_log_u(((s.x >> 8u) << 1u) | 1u));
  let cs = sincos_turn(s.y >> 8u);
  out[i] = bitcast<u32>(u.mean + u.sd * (r * cs.x));
  if (i + 1u < u.n) { out[i + 1u] = bitcast<u32>(u.mean + u.sd * (r * cs.y)); }
}`;

const truncatedSource = () => /* wgsl */ `${HEADER('mean: f32, sd: f32, zero: u32')}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  ZERO = u.zero;
  let i = g.x + g.y * u.row;
  if (i >= u.n) { return; }
  var z = 0.0;
  for (var a = 0u; a < ${TRUNCATED_NORMAL_MAX_ATTEMPTS}u; a++) {
    let s = philox(vec4<u32>(i, a, 1u, 0u), vec2<u32>(u.k0, u.k1));
    let c0 = truncated_candidate(s.x, s.y);
    if (c0.y != 0.0) { z = c0.x; break; }
    let c1 = truncated_candidate(s.z, s.w);
    if (c1.y != 0.0) { z = c1.x; break; }
  }
  out[i] = bitcast<u32>(u.mean + u.sd * z);
}`;

/** @internal */
export function randomKernels(b: WebGPUBackend): KernelTable<GpuData> {
  /** Allocates the output and dispatches `threads` invocations of `source`. */
  const run = (op: string, key: string, source: () => string, n: number, threads: number, k: readonly [number, number], tail: (u: Uniforms) => void): GpuData => {
    const out = b.alloc(n, op);
    if (n === 0) return out;
    const grid = grid1d(threads);
    const u = new Uniforms().u32(n, grid.rowStride, k[0], k[1]);
    tail(u);
    b.dispatch({ key, source, inputs: [], outputs: [out], uniforms: u, workgroups: grid.workgroups });
    return out;
  };
  return {
    randomUniform: (_inputs, { key, minval, maxval }, [out]) => {
      const n = sizeOf(out.shape);
      if (out.dtype === 'int32') {
        return [run('randomUniform', 'random:uniform:i32', uniformI32Source, n, Math.ceil(n / 4), key, (u) => u.u32(minval >>> 0, (maxval - minval) >>> 0))];
      }
      const L = Math.fround(minval);
      const H = Math.fround(maxval);
      const R = Math.fround(H - L);
      if (uniformNeedsHost(L, H, R)) return [hostDraw(b, out, (v) => fillUniform(v as Float32Array, key, minval, maxval))];
      const below = H === 0 ? 0x80000001 : bitsOf(H) + (H > 0 ? -1 : 1);
      return [run('randomUniform', 'random:uniform:f32', uniformF32Source, n, Math.ceil(n / 4), key, (u) => u.f32(L, H, R).u32(below, 0))];
    },
    randomNormal: (_inputs, { key, mean, stdDev }, [out]) => {
      if (normalNeedsHost(mean, stdDev)) return [hostDraw(b, out, (v) => fillNormal(v as Float32Array, key, mean, stdDev))];
      const n = sizeOf(out.shape);
      return [run('randomNormal', 'random:normal', normalSource, n, Math.ceil(n / 2), key, (u) => u.f32(mean, stdDev))];
    },
    truncatedNormal: (_inputs, { key, mean, stdDev }, [out]) => {
      if (normalNeedsHost(mean, stdDev)) return [hostDraw(b, out, (v) => fillTruncatedNormal(v as Float32Array, key, mean, stdDev))];
      const n = sizeOf(out.shape);
      return [run('truncatedNormal', 'random:truncated', truncatedSource, n, n, key, (u) => u.f32(mean, stdDev).u32(0))];
    },
  };
}
