/**
 * WebGPU kernels: depthwiseConv2d (+BackpropInput/Filter), maxPool, maxPoolGrad, avgPool, avgPoolGrad.
 *
 * All take the {@link Conv2DGeometry} the op resolved (NHWC, TensorFlow
 * semantics) and match the CPU kernels in `cpu/kernels/conv.ts` and
 * `cpu/kernels/pool.ts`:
 *
 * - Forward kernels run one thread per output element.
 * - Input gradients are gathers: one thread per input-gradient element sums
 *   over the windows that cover it, visiting them in ascending `(oy, ox)`
 *   order (the CPU's scatter order), so there are no atomics and results are
 *   deterministic.
 * - The depthwise filter gradient reduces over `batch * outHeight * outWidth`
 *   with one workgroup per filter element and a tree reduction in workgroup
 *   memory.
 * - `maxPoolGrad` first records each window's argmax (the CPU's choice: the
 *   first maximum in `(fy, fx)` scan order, the first NaN if any, padding
 *   never), then gathers.
 *
 * Sizes, strides, dilations and pads are uniforms, so each kernel has one
 * pipeline whatever the shapes.
 *
 * @internal
 * @module
 */
import type { Conv2DGeometry } from '../../../conv-geometry.js';
import { sizeOf } from '../../../shape.js';
import type { KernelTable, TensorMeta } from '../../backend.js';
import { Uniforms, type WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';
import { grid1d, WG, WGSL_MATH } from '../wgsl.js';

/** The uniform struct shared by every kernel of this family (all float32 data). */
const HEADER = /* wgsl */ `
struct U {
  n: u32, row: u32,
  nb: i32, h: i32, w: i32, c: i32,
  oh: i32, ow: i32, co: i32, mul: i32,
  fh: i32, fw: i32, sh: i32, sw: i32,
  dh: i32, dw: i32, pt: i32, pl: i32,
  split: i32, chunk: i32,
}`;

/**
 * The geometry as the uniform struct `U`, after `n` (threads or groups) and
 * the grid's row stride; `split` and `chunk` only matter to the filter
 * gradient.
 */
function geomUniforms(n: number, row: number, g: Conv2DGeometry, split = 1, chunk = 0): Uniforms {
  return new Uniforms()
    .u32(n, row)
    .i32(g.batch, g.inHeight, g.inWidth, g.inChannels)
    .i32(g.outHeight, g.outWidth, g.outChannels, g.channelMultiplier)
    .i32(g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth)
    .i32(g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft)
    .i32(split, chunk);
}

/** Storage declarations: read-only `names` then read-write `outs`, then the uniforms. */
function bindings(ins: readonly [string, string][], outs: readonly [string, string][]): string {
  const lines: string[] = [];
  let b = 0;
  for (const [name, t] of ins) lines.push(`@group(0) @binding(${b++}) var<storage, read> ${name}: array<${t}>;`);
  for (const [name, t] of outs) lines.push(`@group(0) @binding(${b++}) var<storage, read_write> ${name}: array<${t}>;`);
  lines.push(HEADER, `@group(0) @binding(${b}) var<uniform> u: U;`);
  return lines.join('\n');
}

/** Entry of a one-thread-per-element kernel: `idx` is the flat element index. */
const MAIN_1D = /* wgsl */ `
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * u.row;
  if (i >= u.n) { return; }
  let idx = i32(i);`;

/** Splits `idx` of an output-shaped (`[nb, oh, ow, ch]`) element into `b, oy, ox, ch`. */
const SPLIT_OUT = (ch: string): string => /* wgsl */ `
  let ${ch} = idx % u.co;
  var t = idx / u.co;
  let ox = t % u.ow;
  t = t / u.ow;
  let oy = t % u.oh;
  let b = t / u.oh;
  let iy0 = oy * u.sh - u.pt;
  let ix0 = ox * u.sw - u.pl;`;

/** Splits `idx` of an input-shaped (`[nb, h, w, c]`) element into `b, iy, ix, c`. */
const SPLIT_IN = /* wgsl */ `
  let c = idx % u.c;
  var t = idx / u.c;
  let ix = t % u.w;
  t = t / u.w;
  let iy = t % u.h;
  let b = t / u.h;`;

/**
 * Loops over the windows covering input cell `(iy, ix)` in ascending
 * `(oy, ox)` order (descending taps), binding `fy, fx, oy, ox`; `body` runs
 * once per covering window.
 */
function coveringWindows(body: string): string {
  return /* wgsl */ `
  for (var fy = u.fh - 1; fy >= 0; fy--) {
    let ry = iy + u.pt - fy * u.dh;
    if (ry < 0 || ry % u.sh != 0) { continue; }
    let oy = ry / u.sh;
    if (oy >= u.oh) { break; }
    for (var fx = u.fw - 1; fx >= 0; fx--) {
      let rx = ix + u.pl - fx * u.dw;
      if (rx < 0 || rx % u.sw != 0) { continue; }
      let ox = rx / u.sw;
      if (ox >= u.ow) { break; }
${body}
    }
  }`;
}

/** Loops over the in-bounds taps of the window at `(iy0, ix0)` in `(fy, fx)` scan order, binding `fy, fx, iy, ix`. */
function windowTaps(body: string): string {
  return /* wgsl */ `
  for (var fy = 0; fy < u.fh; fy++) {
    let iy = iy0 + fy * u.dh;
    if (iy < 0 || iy >= u.h) { continue; }
    for (var fx = 0; fx < u.fw; fx++) {
      let ix = ix0 + fx * u.dw;
      if (ix < 0 || ix >= u.w) { continue; }
${body}
    }
  }`;
}

/** Runs a one-thread-per-element kernel over `n` elements. */
function run1d(b: WebGPUBackend, key: string, source: () => string, inputs: GpuData[], out: GpuData, n: number, g: Conv2DGeometry, split = 1): void {
  const grid = grid1d(n);
  b.dispatch({ key, source, inputs, outputs: [out], uniforms: geomUniforms(n, grid.rowStride, g, split), workgroups: grid.workgroups });
}

/** A new output buffer; dispatches are skipped when it is empty. */
function output(b: WebGPUBackend, meta: TensorMeta, op: string): { out: GpuData; n: number } {
  const n = sizeOf(meta.shape);
  return { out: b.alloc(n, op), n };
}

const depthwiseSource = (): string => `${bindings([['x', 'f32'], ['f', 'f32']], [['out', 'f32']])}
${MAIN_1D}
${SPLIT_OUT('j')}
  let c = j / u.mul;
  var acc = 0.0;
${windowTaps(`      acc = acc + x[((b * u.h + iy) * u.w + ix) * u.c + c] * f[(fy * u.fw + fx) * u.co + j];`)}
  out[i] = acc;
}`;

const depthwiseInputSource = (): string => `${bindings([['dy', 'f32'], ['f', 'f32']], [['dx', 'f32']])}
${MAIN_1D}
${SPLIT_IN}
  let cm = c * u.mul;
  var acc = 0.0;
${coveringWindows(`      let ob = ((b * u.oh + oy) * u.ow + ox) * u.co + cm;
      let wb = (fy * u.fw + fx) * u.co + cm;
      var s = 0.0;
      for (var q = 0; q < u.mul; q++) { s = s + dy[ob + q] * f[wb + q]; }
      acc = acc + s;`)}
  dx[i] = acc;
}`;

/**
 * One workgroup per (filter element, slice of `m = (b, oy, ox)`): group `gi`
 * sums filter element `gi / u.split` over `m` in slice `gi % u.split` (of
 * `u.chunk` cells) and writes `part[gi]`. With `u.split == 1` that is the
 * filter gradient itself. `u.n` is the number of groups, `u.row` the groups
 * per grid row.
 */
const depthwiseFilterSource = (): string => `${bindings([['x', 'f32'], ['dy', 'f32']], [['part', 'f32']])}
var<workgroup> red: array<f32, ${WG}>;
@compute @workgroup_size(${WG}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let gi = wid.x + wid.y * u.row;
  let valid = gi < u.n;
  var acc = 0.0;
  if (valid) {
    let k = i32(gi) / u.split;
    let slice = i32(gi) % u.split;
    let j = k % u.co;
    let tap = k / u.co;
    let fy = tap / u.fw;
    let fx = tap % u.fw;
    let c = j / u.mul;
    let dy0 = fy * u.dh - u.pt;
    let dx0 = fx * u.dw - u.pl;
    let m_end = min(u.nb * u.oh * u.ow, (slice + 1) * u.chunk);
    for (var m = slice * u.chunk + i32(lid); m < m_end; m += ${WG}) {
      let ox = m % u.ow;
      let t = m / u.ow;
      let oy = t % u.oh;
      let b = t / u.oh;
      let iy = oy * u.sh + dy0;
      let ix = ox * u.sw + dx0;
      if (iy >= 0 && iy < u.h && ix >= 0 && ix < u.w) {
        acc = acc + x[((b * u.h + iy) * u.w + ix) * u.c + c] * dy[m * u.co + j];
      }
    }
  }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  if (valid && lid == 0u) { part[gi] = red[0]; }
}`;

/** Second pass of a split filter gradient: `dw[k]` is the sum of its `u.split` partial sums, in slice order. */
const depthwiseFilterCombineSource = (): string => `${bindings([['part', 'f32']], [['dw', 'f32']])}
${MAIN_1D}
  var acc = 0.0;
  for (var s = 0; s < u.split; s++) { acc = acc + part[idx * u.split + s]; }
  dw[i] = acc;
}`;

/** The workgroups a filter gradient aims for: one smaller than this splits each element's reduction across workgroups. */
const FILTER_TARGET_GROUPS = 256;
/** The fewest `m` cells per slice of a split reduction (8 per thread). */
const FILTER_MIN_CHUNK = WG * 8;

const maxPoolSource = (): string => `${WGSL_MATH}
${bindings([['x', 'f32']], [['out', 'f32']])}
${MAIN_1D}
${SPLIT_OUT('c')}
  var first = true;
  var best = 0.0;
${windowTaps(`      let v = x[((b * u.h + iy) * u.w + ix) * u.c + c];
      if (first) {
        best = v;
        first = false;
      } else if (!f_isnan(best) && (f_isnan(v) || v > best)) {
        best = v;
      }`)}
  if (first) { best = -f_inf(); }
  out[i] = best;
}`;

/** Pass 1 of maxPoolGrad: the flat index into `x` of each window's argmax, or -1 for a window with no in-bounds cell. */
const maxPoolArgSource = (): string => `${WGSL_MATH}
${bindings([['x', 'f32']], [['arg', 'i32']])}
${MAIN_1D}
${SPLIT_OUT('c')}
  var best = 0.0;
  var at = -1;
${windowTaps(`      let p = ((b * u.h + iy) * u.w + ix) * u.c + c;
      let v = x[p];
      if (at < 0) {
        best = v;
        at = p;
      } else if (!f_isnan(best) && (f_isnan(v) || v > best)) {
        best = v;
        at = p;
      }`)}
  arg[i] = at;
}`;

/** Pass 2 of maxPoolGrad: each `dx` cell sums the `dy` of the windows whose argmax it is. */
const maxPoolGatherSource = (): string => `${bindings([['dy', 'f32'], ['arg', 'i32']], [['dx', 'f32']])}
${MAIN_1D}
${SPLIT_IN}
  var acc = 0.0;
${coveringWindows(`      let o = ((b * u.oh + oy) * u.ow + ox) * u.co + c;
      if (arg[o] == idx) { acc = acc + dy[o]; }`)}
  dx[i] = acc;
}`;

const avgPoolSource = (): string => `${bindings([['x', 'f32']], [['out', 'f32']])}
${MAIN_1D}
${SPLIT_OUT('c')}
  var sum = 0.0;
  var count = 0;
${windowTaps(`      sum = sum + x[((b * u.h + iy) * u.w + ix) * u.c + c];
      count = count + 1;`)}
  out[i] = sum / f32(count);
}`;

/** Each `dx` cell sums `dy / count` over the windows covering it, `count` being a window's in-bounds cells. */
const avgPoolGradSource = (): string => `${bindings([['dy', 'f32']], [['dx', 'f32']])}
fn rows_in(o: i32) -> i32 {
  var n = 0;
  let i0 = o * u.sh - u.pt;
  for (var f = 0; f < u.fh; f++) { let r = i0 + f * u.dh; if (r >= 0 && r < u.h) { n = n + 1; } }
  return n;
}
fn cols_in(o: i32) -> i32 {
  var n = 0;
  let i0 = o * u.sw - u.pl;
  for (var f = 0; f < u.fw; f++) { let r = i0 + f * u.dw; if (r >= 0 && r < u.w) { n = n + 1; } }
  return n;
}
${MAIN_1D}
${SPLIT_IN}
  var acc = 0.0;
${coveringWindows(`      let count = rows_in(oy) * cols_in(ox);
      acc = acc + dy[((b * u.oh + oy) * u.ow + ox) * u.co + c] / f32(count);`)}
  dx[i] = acc;
}`;

/** @internal */
export function windowKernels(b: WebGPUBackend): KernelTable<GpuData> {
  return {
    depthwiseConv2d: ([x, filter], g, [meta]) => {
      const { out, n } = output(b, meta, 'depthwiseConv2d');
      if (n > 0) run1d(b, 'window:depthwiseConv2d', depthwiseSource, [x.data, filter.data], out, n, g);
      return [out];
    },
    depthwiseConv2dBackpropInput: ([dy, filter], g, [meta]) => {
      const { out, n } = output(b, meta, 'depthwiseConv2dBackpropInput');
      if (n > 0) run1d(b, 'window:depthwiseConv2dBackpropInput', depthwiseInputSource, [dy.data, filter.data], out, n, g);
      return [out];
    },
    depthwiseConv2dBackpropFilter: ([x, dy], g, [meta]) => {
      const { out, n } = output(b, meta, 'depthwiseConv2dBackpropFilter');
      if (n === 0) return [out];
      // A small filter over a long batch * outH * outW gets several
      // workgroups per element (then a second pass adds their partial sums
      // in a fixed order), so the GPU is not left mostly idle.
      const m = g.batch * g.outHeight * g.outWidth;
      const split = Math.max(1, Math.min(Math.ceil(FILTER_TARGET_GROUPS / n), Math.floor(m / FILTER_MIN_CHUNK)));
      const chunk = Math.ceil(m / split);
      const groups = n * split;
      const part = split > 1 ? b.alloc(groups, 'depthwiseConv2dBackpropFilter') : out;
      const grid = grid1d(groups, 1);
      b.dispatch({
        key: 'window:depthwiseConv2dBackpropFilter',
        source: depthwiseFilterSource,
        inputs: [x.data, dy.data],
        outputs: [part],
        uniforms: geomUniforms(groups, grid.rowStride, g, split, chunk),
        workgroups: grid.workgroups,
      });
      if (split > 1) {
        run1d(b, 'window:depthwiseConv2dBackpropFilterCombine', depthwiseFilterCombineSource, [part], out, n, g, split);
        b.free(part);
      }
      return [out];
    },
    maxPool: ([x], g, [meta]) => {
      const { out, n } = output(b, meta, 'maxPool');
      if (n > 0) run1d(b, 'window:maxPool', maxPoolSource, [x.data], out, n, g);
      return [out];
    },
    maxPoolGrad: ([dy, x], g, [meta]) => {
      const { out, n } = output(b, meta, 'maxPoolGrad');
      if (n > 0) {
        const arg = b.alloc(dy.size, 'maxPoolGrad');
        if (dy.size > 0) run1d(b, 'window:maxPoolArg', maxPoolArgSource, [x.data], arg, dy.size, g);
        run1d(b, 'window:maxPoolGrad', maxPoolGatherSource, [dy.data, arg], out, n, g);
        b.free(arg);
      }
      return [out];
    },
    avgPool: ([x], g, [meta]) => {
      const { out, n } = output(b, meta, 'avgPool');
      if (n > 0) run1d(b, 'window:avgPool', avgPoolSource, [x.data], out, n, g);
      return [out];
    },
    avgPoolGrad: ([dy], g, [meta]) => {
      const { out, n } = output(b, meta, 'avgPoolGrad');
      if (n > 0) run1d(b, 'window:avgPoolGrad', avgPoolGradSource, [dy.data], out, n, g);
      return [out];
    },
  };
}
