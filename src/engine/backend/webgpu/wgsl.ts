/**
 * WGSL building blocks shared by the WebGPU kernels: storage types per
 * dtype, exact special values, the CPU's float-to-int32 conversion, and the
 * 1-D grid that covers more than 65535 workgroups.
 *
 * @internal
 * @module
 */
import type { DType } from '../../dtype.js';

/** The WGSL element type a dtype is stored as (bool as u32 0/1). @internal */
export function storageType(dtype: DType): 'f32' | 'i32' | 'u32' {
  return dtype === 'int32' ? 'i32' : dtype === 'bool' ? 'u32' : 'f32';
}

/** Workgroup size of the 1-D kernels. @internal */
export const WG = 256;

/**
 * Workgroup counts for `n` invocations of `WG` threads: `[x, y]` with
 * `x <= 65535`. The shader's linear index is `gid.x + gid.y * rowStride`
 * with `rowStride = x * WG` (see {@link grid1d}'s `rowStride`).
 *
 * @internal
 */
export function grid1d(n: number, wg = WG): { workgroups: [number, number]; rowStride: number } {
  const groups = Math.max(1, Math.ceil(n / wg));
  const x = Math.min(groups, 65535);
  const y = Math.ceil(groups / x);
  return { workgroups: [x, y], rowStride: x * wg };
}

/**
 * Helper functions every generated shader may call: `f_nan()`, `f_inf()`,
 * `f_isnan`, `f_isfinite`, `f_to_i32` (JavaScript's ToInt32: truncation,
 * wrap modulo 2^32, NaN and infinities to 0), NaN-propagating `f_max` /
 * `f_min`, and the numerically careful `f_expm1`, `f_log1p`, `f_tanh`,
 * `f_sigmoid`, `f_erf`, `f_pow`, `f_mod`, `f_atan2` (JavaScript's signed zeros and infinities).
 *
 * Special values come from runtime bit patterns (`var`), since a WGSL
 * constant expression may not evaluate to NaN or infinity.
 *
 * @internal
 */
export const WGSL_MATH = /* wgsl */ `
fn f_nan() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
fn f_inf() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn f_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn f_isfinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
fn f_max(a: f32, b: f32) -> f32 { if (f_isnan(a) || f_isnan(b)) { return f_nan(); } return max(a, b); }
fn f_min(a: f32, b: f32) -> f32 { if (f_isnan(a) || f_isnan(b)) { return f_nan(); } return min(a, b); }
fn f_to_i32(x: f32) -> i32 {
  if (!f_isfinite(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  // |x| >= 2^31: an integer m * 2^(e-23); keep the low 32 bits of its magnitude.
  let bits = bitcast<u32>(t);
  let e = i32((bits >> 23u) & 0xffu) - 127;
  let m = (bits & 0x7fffffu) | 0x800000u;
  var mag = 0u;
  if (e - 23 < 32) { mag = m << u32(e - 23); }
  if ((bits & 0x80000000u) != 0u) { return bitcast<i32>(0u - mag); }
  return bitcast<i32>(mag);
}
fn f_expm1(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  if (!f_isfinite(u) || f_isnan(x)) { return um1; }
  return um1 * (x / log(u));
}
fn f_log1p(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (f_isnan(x) || !f_isfinite(u)) { return log(u); }
  return log(u) * (x / (u - 1.0));
}
fn f_tanh(x: f32) -> f32 {
  if (f_isnan(x)) { return x; }
  let a = abs(x);
  if (a < 0.0004) { return x; }
  let e = exp(-2.0 * a);
  let r = (1.0 - e) / (1.0 + e);
  return select(r, -r, x < 0.0);
}
fn f_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn f_erf(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.5 * a);
  let y = 1.0 - t * exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  if (f_isnan(x)) { return x; }
  return select(y, -y, x < 0.0);
}
fn f_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (f_isnan(a) || f_isnan(b)) { return f_nan(); }
  if (a == 1.0) { return 1.0; }
  let ib = trunc(b);
  if (a == 0.0) {
    if (b > 0.0) { return select(0.0, a, ib == b && abs(ib % 2.0) == 1.0); }
    let odd = ib == b && abs(ib % 2.0) == 1.0 && bitcast<u32>(a) == 0x80000000u;
    return select(f_inf(), -f_inf(), odd);
  }
  if (b == 2.0) { return a * a; }
  if (b == 1.0) { return a; }
  if (b == 0.5 && f_isfinite(a) && a > 0.0) { return sqrt(a); }
  if (b == -1.0) { return 1.0 / a; }
  if (a < 0.0) {
    if (ib != b) { return f_nan(); }
    let r = exp2(b * log2(-a));
    if (abs(ib % 2.0) == 1.0) { return -r; }
    return r;
  }
  return exp2(b * log2(a));
}
fn f_mod(a: f32, b: f32) -> f32 {
  let r = a - b * trunc(a / b);
  if (b == 0.0 || !f_isfinite(a) || f_isnan(b)) { return f_nan(); }
  if (!f_isfinite(b)) { if (r != 0.0 && ((a < 0.0) != (b < 0.0))) { return b; } return a; }
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { return r + b; }
  return r;
}
fn f_atan2(y: f32, x: f32) -> f32 {
  let pi = 3.14159265358979;
  if (f_isnan(x) || f_isnan(y)) { return f_nan(); }
  let ny = (bitcast<u32>(y) & 0x80000000u) != 0u;
  let nx = (bitcast<u32>(x) & 0x80000000u) != 0u;
  if (y == 0.0) { if (!nx) { return y; } return select(pi, -pi, ny); }
  if (!f_isfinite(y)) {
    var a = 0.5 * pi;
    if (!f_isfinite(x)) { a = select(0.25 * pi, 0.75 * pi, nx); }
    return select(a, -a, ny);
  }
  if (!f_isfinite(x)) { if (!nx) { return select(0.0, -0.0, ny); } return select(pi, -pi, ny); }
  if (x == 0.0) { return select(0.5 * pi, -0.5 * pi, ny); }
  return atan2(y, x);
}
fn i_floordiv(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  var q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) { q = q - 1; }
  return q;
}
fn i_mod(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }
  return r;
}
fn i_abs(a: i32) -> i32 { return select(a, -a, a < 0); }
fn i_sign(a: i32) -> i32 { return select(select(0, 1, a > 0), -1, a < 0); }
`;

/** A WGSL literal for a number in the given compute type. @internal */
export function literal(v: number, type: 'f32' | 'i32'): string {
  if (type === 'i32') {
    if (v === -2147483648) return 'i32(-2147483647 - 1)';
    return `i32(${v})`;
  }
  if (Number.isNaN(v)) return 'f_nan()';
  if (v === Infinity) return 'f_inf()';
  if (v === -Infinity) return '(-f_inf())';
  if (Math.abs(v) > 3.4028234663852886e38) return v > 0 ? 'f_inf()' : '(-f_inf())';
  const f = Math.fround(v);
  let s = String(f);
  if (!/[.eE]/.test(s)) s += '.0';
  return `f32(${s})`;
}
