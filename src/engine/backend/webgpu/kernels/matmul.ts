/**
 * WebGPU kernels: matMul, conv2d, conv2dBackpropInput, conv2dBackpropFilter.
 *
 * All four are one tiled GEMM shader template: a 16x16 workgroup computes a
 * 64x64 output tile, each invocation a 4x4 register block (rows
 * `lid.y + 16i`, columns `lid.x + 16j`), with 64x16 slices of both operands
 * staged in workgroup memory per step of the contracted dimension. The
 * kernels differ only in how a tile's operand elements are found:
 *
 * - matMul reads A and B directly (transposes and broadcast batch offsets);
 * - conv2d is an implicit GEMM `[batch*outH*outW, fh*fw*inC] x [fh*fw*inC, outC]`
 *   that gathers im2col rows from `x` on the fly;
 * - conv2dBackpropFilter is `im2col(x)^T x dy`, contracted over every output pixel;
 * - conv2dBackpropInput gathers instead of scattering: for each stride phase
 *   `((iy + padTop) mod strideH, (ix + padLeft) mod strideW)` only the filter
 *   taps of that phase reach the input cells of the phase, so the z grid runs
 *   one dense GEMM `[cells of the phase, taps*outC] x [taps*outC, inC]` per
 *   phase and no multiply is wasted on the zeros a strided transpose inserts.
 *
 * Few output tiles over a long contraction (a batch-1 dense layer, the
 * filter gradient) split the contraction over the z grid into partial
 * products that a second pass sums (split-K).
 *
 * Semantics follow the CPU kernels: float32 sums in f32 (the CPU sums in
 * float64, so results differ by rounding), int32 multiplies and adds wrap
 * modulo 2^32, an int32 operand of a float32 product is converted to f32.
 *
 * @internal
 * @module
 */
import type { KernelTable, TensorInfo, TensorMeta } from '../../backend.js';
import type { Conv2DGeometry } from '../../../conv-geometry.js';
import { sizeOf } from '../../../shape.js';
import { Uniforms, type WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';
import { grid1d, storageType, WG } from '../wgsl.js';

type T = 'f32' | 'i32';

/** Output tile rows and columns per workgroup, and the contraction step. */
const TILE = 64;
const TK = 16;
/** Row stride of the staged slices: one word of padding keeps k-major stores free of bank conflicts. */
const S = TILE + 1;
const MAX_GROUPS = 65535;
/** Split-K aims for about this many workgroups when the output has few tiles. */
const SPLIT_TARGET = 64;
/** Each split keeps at least this much of the contraction. */
const SPLIT_MIN_K = 512;
const SPLIT_MAX = 32;

/** Pieces of a GEMM shader; see {@link gemmSource}. */
interface GemmParts {
  t: T;
  /** Bindings and the uniform struct `u` (with `splits`, `kChunk`, `total`). */
  decls: string;
  /** Statements defining `M`, `N`, `K` (u32) and anything `pre`/`load`/`rowBase` use, for the z slice `outer`. */
  outer: string;
  /** Statements run once per output tile (`m0`, `n0` known). */
  pre: string;
  /** Statements filling `As[kk * S + m]` and `Bs[kk * S + n]` for the step at `k0` (bounded by `kEnd`). */
  load: string;
  /** The element offset in `y` of output row number `i` (0..3) of this invocation, row `m`. */
  rowBase: (i: number) => string;
}

const zero = (t: T) => (t === 'f32' ? '0.0' : '0');

/**
 * The shared tiled GEMM: loops over z slices (batch or phase, times
 * splits), then output tiles, with grid-stride loops so that any count fits
 * the 65535-per-dimension limit. Every loop bound is uniform, so the
 * barriers are too.
 */
function gemmSource(p: GemmParts): string {
  const { t } = p;
  const acc = (i: number) => `acc${i}`;
  const stores: string[] = [];
  for (let i = 0; i < 4; i++) {
    const cols: string[] = [];
    for (let j = 0; j < 4; j++) {
      cols.push(`if (n0 + lid.x + ${16 * j}u < N) { y[row + n0 + lid.x + ${16 * j}u] = ${acc(i)}[${j}]; }`);
    }
    stores.push(`if (m0 + lid.y + ${16 * i}u < M) {
          let row = ${p.rowBase(i)};
          ${cols.join('\n          ')}
        }`);
  }
  return /* wgsl */ `
${p.decls}
var<workgroup> As: array<${t}, ${TK * S}>;
var<workgroup> Bs: array<${t}, ${TK * S}>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let zCount = u.zCount;
  for (var z = wid.z; z < zCount; z += nwg.z) {
    let split = z % u.splits;
    let outer = z / u.splits;
    ${p.outer}
    let kStart = split * u.kChunk;
    let kEnd = min(K, kStart + u.kChunk);
    let outBase = split * u.total;
    let tilesM = (M + ${TILE - 1}u) / ${TILE}u;
    let tilesN = (N + ${TILE - 1}u) / ${TILE}u;
    for (var ty = wid.y; ty < tilesM; ty += nwg.y) {
      for (var tx = wid.x; tx < tilesN; tx += nwg.x) {
        let m0 = ty * ${TILE}u;
        let n0 = tx * ${TILE}u;
        ${p.pre}
        var acc0 = vec4<${t}>();
        var acc1 = vec4<${t}>();
        var acc2 = vec4<${t}>();
        var acc3 = vec4<${t}>();
        for (var k0 = kStart; k0 < kEnd; k0 += ${TK}u) {
          ${p.load}
          workgroupBarrier();
          for (var kk = 0u; kk < ${TK}u; kk++) {
            let ar = kk * ${S}u + lid.y;
            let br = kk * ${S}u + lid.x;
            let av = vec4<${t}>(As[ar], As[ar + 16u], As[ar + 32u], As[ar + 48u]);
            let bv = vec4<${t}>(Bs[br], Bs[br + 16u], Bs[br + 32u], Bs[br + 48u]);
            acc0 += av.x * bv;
            acc1 += av.y * bv;
            acc2 += av.z * bv;
            acc3 += av.w * bv;
          }
          workgroupBarrier();
        }
        ${stores.join('\n        ')}
      }
    }
  }
}
`;
}

/**
 * Operand loads of the common layouts. "k-fast" slices are read with
 * consecutive invocations on consecutive k (the operand is contiguous along
 * the contraction): invocation (x, y) loads k = k0 + x for rows y + 16i.
 * "Row-fast" slices have consecutive invocations on consecutive rows:
 * invocation `li` loads row `li % 64` for k = k0 + li / 64 + 4i.
 */
function loadKFast(t: T, dst: 'As' | 'Bs', cond: string, value: (i: number) => string): string {
  const lines: string[] = [`{\n          let k = k0 + lid.x;`];
  for (let i = 0; i < 4; i++) {
    lines.push(`          { var v = ${zero(t)}; if (k < kEnd && ${cond.replaceAll('$r', `(lid.y + ${16 * i}u)`)}) { v = ${value(i)}; } ${dst}[lid.x * ${S}u + lid.y + ${16 * i}u] = v; }`);
  }
  lines.push('          }');
  return lines.join('\n');
}

function loadRowFast(t: T, dst: 'As' | 'Bs', cond: string, value: (k: string) => string): string {
  const lines: string[] = [`{\n          let r = li % ${TILE}u;`];
  for (let i = 0; i < 4; i++) {
    const kk = `(li / ${TILE}u + ${4 * i}u)`;
    lines.push(`          { let k = k0 + ${kk}; var v = ${zero(t)}; if (k < kEnd && ${cond}) { v = ${value('k')}; } ${dst}[${kk} * ${S}u + r] = v; }`);
  }
  lines.push('          }');
  return lines.join('\n');
}

/** How many slices to split a contraction of `k` into, for `tiles` output tiles. */
function chooseSplits(tiles: number, k: number): { splits: number; kChunk: number } {
  let splits = 1;
  if (tiles < SPLIT_TARGET && k >= 2 * SPLIT_MIN_K) {
    splits = Math.min(Math.ceil(SPLIT_TARGET / tiles), Math.floor(k / SPLIT_MIN_K), SPLIT_MAX);
  }
  const kChunk = Math.max(TK, Math.ceil(k / splits / TK) * TK);
  return { splits: Math.max(1, Math.ceil(k / kChunk)), kChunk };
}

/**
 * Runs a GEMM: allocates the output, and when split, a temporary of
 * `splits` partial outputs that a second pass sums into it.
 */
function runGemm(
  b: WebGPUBackend,
  op: string,
  t: T,
  inputs: readonly GpuData[],
  total: number,
  split: { splits: number; kChunk: number },
  zSlices: number,
  maxTiles: { m: number; n: number },
  key: string,
  source: () => string,
  extra: (u: Uniforms) => Uniforms,
): GpuData {
  const out = b.alloc(total, op);
  if (total === 0) return out;
  const { splits, kChunk } = split;
  const dst = splits > 1 ? b.alloc(splits * total, op) : out;
  const u = extra(new Uniforms().u32(zSlices * splits, splits, kChunk, total));
  b.dispatch({
    key,
    source,
    inputs,
    outputs: [dst],
    uniforms: u,
    workgroups: [
      Math.min(Math.max(1, Math.ceil(maxTiles.n / TILE)), MAX_GROUPS),
      Math.min(Math.max(1, Math.ceil(maxTiles.m / TILE)), MAX_GROUPS),
      Math.min(zSlices * splits, MAX_GROUPS),
    ],
  });
  if (splits > 1) {
    const grid = grid1d(total);
    b.dispatch({
      key: `gemm.splitSum.${t}`,
      source: () => splitSumSource(t),
      inputs: [dst],
      outputs: [out],
      uniforms: new Uniforms().u32(total, splits, grid.rowStride),
      workgroups: grid.workgroups,
    });
    b.free(dst);
  }
  return out;
}

function splitSumSource(t: T): string {
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> parts: array<${t}>;
@group(0) @binding(1) var<storage, read_write> y: array<${t}>;
struct U { total: u32, splits: u32, rowStride: u32 }
@group(0) @binding(2) var<uniform> u: U;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * u.rowStride;
  if (i >= u.total) { return; }
  var s = parts[i];
  for (var p = 1u; p < u.splits; p++) { s += parts[p * u.total + i]; }
  y[i] = s;
}
`;
}

// ------------------------------------------------------------------ matMul

/**
 * The batch dims of a matMul with their element strides in each operand
 * (0 where the operand broadcasts), with size-1 dims dropped and adjacent
 * dims merged where both operands walk them contiguously.
 */
function batchPlan(aShape: readonly number[], bShape: readonly number[], batch: readonly number[]): { dims: number[]; aStr: number[]; bStr: number[] } {
  const strides = (shape: readonly number[]): number[] => {
    const own = shape.length - 2;
    const rank = batch.length;
    const str = new Array<number>(rank).fill(0);
    for (let d = rank - 1, s = shape[own] * shape[own + 1]; d >= rank - own; d--) {
      const size = shape[d - (rank - own)];
      if (size !== 1) str[d] = s;
      s *= size;
    }
    return str;
  };
  const as = strides(aShape);
  const bs = strides(bShape);
  const dims: number[] = [];
  const aStr: number[] = [];
  const bStr: number[] = [];
  for (let d = 0; d < batch.length; d++) {
    if (batch[d] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && aStr[last] === as[d] * batch[d] && bStr[last] === bs[d] * batch[d]) {
      dims[last] *= batch[d];
      aStr[last] = as[d];
      bStr[last] = bs[d];
    } else {
      dims.push(batch[d]);
      aStr.push(as[d]);
      bStr.push(bs[d]);
    }
  }
  return { dims, aStr, bStr };
}

function matMulSource(t: T, at: string, bt: string, ta: boolean, tb: boolean, rank: number): string {
  const r4 = Math.ceil(rank / 4);
  const arrays = rank > 0 ? `, dims: array<vec4<u32>, ${r4}>, astr: array<vec4<u32>, ${r4}>, bstr: array<vec4<u32>, ${r4}>` : '';
  const decls = `
@group(0) @binding(0) var<storage, read> a: array<${at}>;
@group(0) @binding(1) var<storage, read> b: array<${bt}>;
@group(0) @binding(2) var<storage, read_write> y: array<${t}>;
struct U { zCount: u32, splits: u32, kChunk: u32, total: u32, M: u32, N: u32, K: u32, pad: u32${arrays} }
@group(0) @binding(3) var<uniform> u: U;`;
  const walk: string[] = [];
  for (let d = rank - 1; d >= 0; d--) {
    const f = `[${d >> 2}].${'xyzw'[d & 3]}`;
    walk.push(`{ let q = bi % u.dims${f}; bi = bi / u.dims${f}; aBase += q * u.astr${f}; bBase += q * u.bstr${f}; }`);
  }
  const outer = `let M = u.M;
    let N = u.N;
    let K = u.K;
    var aBase = 0u;
    var bBase = 0u;
    var bi = outer;
    ${walk.join('\n    ')}
    let yBase = outer * M * N;`;
  const cast = (ty: string, v: string) => (ty === t ? v : `${t}(${v})`);
  // A[m, k] is a[m*K + k], or a[k*M + m] transposed; B[k, n] is b[k*N + n], or b[n*K + k] transposed.
  const loadA = ta
    ? loadRowFast(t, 'As', 'm0 + r < M', (k) => cast(at, `a[aBase + ${k} * M + m0 + r]`))
    : loadKFast(t, 'As', 'm0 + $r < M', (i) => cast(at, `a[aBase + (m0 + lid.y + ${16 * i}u) * K + k]`));
  const loadB = tb
    ? loadKFast(t, 'Bs', 'n0 + $r < N', (i) => cast(bt, `b[bBase + (n0 + lid.y + ${16 * i}u) * K + k]`))
    : loadRowFast(t, 'Bs', 'n0 + r < N', (k) => cast(bt, `b[bBase + ${k} * N + n0 + r]`));
  return gemmSource({
    t,
    decls,
    outer,
    pre: '',
    load: `${loadA}\n          ${loadB}`,
    rowBase: (i) => `outBase + yBase + (m0 + lid.y + ${16 * i}u) * N`,
  });
}

function matMulKernel(b: WebGPUBackend, [a, bIn]: readonly TensorInfo<GpuData>[], transposeA: boolean, transposeB: boolean, out: TensorMeta): GpuData {
  const rank = out.shape.length;
  let m = out.shape[rank - 2];
  const n = out.shape[rank - 1];
  const k = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const total = sizeOf(out.shape);
  const t = storageType(out.dtype) as T;
  let { dims, aStr, bStr } = batchPlan(a.shape, bIn.shape, out.shape.slice(0, -2));
  // A contiguous batch of A against one shared B is one taller product.
  if (dims.length === 1 && !transposeA && bStr[0] === 0 && aStr[0] === m * k) {
    m *= dims[0];
    dims = [];
    aStr = [];
    bStr = [];
  }
  const batch = dims.reduce((p, d) => p * d, 1);
  const split = chooseSplits(batch * Math.ceil(m / TILE) * Math.ceil(n / TILE), k);
  const at = storageType(a.dtype);
  const bt = storageType(bIn.dtype);
  const r = dims.length;
  const key = `matMul.${t}.${at}.${bt}.${transposeA ? 'T' : 'N'}${transposeB ? 'T' : 'N'}.r${r}`;
  return runGemm(b, 'matMul', t, [a.data, bIn.data], total, split, batch, { m, n }, key, () => matMulSource(t, at, bt, transposeA, transposeB, r), (u) => {
    u.u32(m, n, k, 0);
    if (r > 0) u.ivec4(dims).ivec4(aStr).ivec4(bStr);
    return u;
  });
}

// ------------------------------------------------------------ convolutions

const CONV_UNIFORMS = `zCount: u32, splits: u32, kChunk: u32, total: u32, M: u32, N: u32, K: u32,
  NB: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, CO: i32, FH: i32, FW: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32`;

function convDecls(a: string, bName: string): string {
  return `
@group(0) @binding(0) var<storage, read> ${a}: array<f32>;
@group(0) @binding(1) var<storage, read> ${bName}: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
struct U { ${CONV_UNIFORMS} }
@group(0) @binding(3) var<uniform> u: U;`;
}

function convUniforms(g: Conv2DGeometry, m: number, n: number, k: number): (u: Uniforms) => Uniforms {
  return (u) =>
    u.u32(m, n, k).i32(
      g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels, g.filterHeight, g.filterWidth,
      g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft,
    );
}

/** conv2d: rows are output pixels (b, oy, ox), k is the tap (fy, fx, ci), columns output channels. */
function conv2dSource(): string {
  const pre: string[] = ['var rIy: array<i32, 4>;', 'var rIx: array<i32, 4>;', 'var rB: array<i32, 4>;', 'let hw = u.OH * u.OW;'];
  for (let i = 0; i < 4; i++) {
    pre.push(`{ let mi = i32(min(m0 + lid.y + ${16 * i}u, M - 1u)); let bb = mi / hw; let q = mi % hw;
          rIy[${i}] = (q / u.OW) * u.sh - u.pt; rIx[${i}] = (q % u.OW) * u.sw - u.pl; rB[${i}] = bb * u.H * u.W * u.C; }`);
  }
  const load = `{
          let k = k0 + lid.x;
          let ki = i32(min(k, K - 1u));
          let fwc = u.FW * u.C;
          let q = ki % fwc;
          let oyy = (ki / fwc) * u.dh;
          let oxx = (q / u.C) * u.dw;
          let ci = q % u.C;
          ${[0, 1, 2, 3]
            .map(
              (i) => `{ let iy = rIy[${i}] + oyy; let ix = rIx[${i}] + oxx; var v = 0.0;
            if (k < kEnd && m0 + lid.y + ${16 * i}u < M && iy >= 0 && iy < u.H && ix >= 0 && ix < u.W) { v = x[rB[${i}] + (iy * u.W + ix) * u.C + ci]; }
            As[lid.x * ${S}u + lid.y + ${16 * i}u] = v; }`,
            )
            .join('\n          ')}
          }
          ${loadRowFast('f32', 'Bs', 'n0 + r < N', (k) => `w[${k} * N + n0 + r]`)}`;
  return gemmSource({
    t: 'f32',
    decls: convDecls('x', 'w'),
    outer: 'let M = u.M;\n    let N = u.N;\n    let K = u.K;',
    pre: pre.join('\n        '),
    load,
    rowBase: (i) => `outBase + (m0 + lid.y + ${16 * i}u) * N`,
  });
}

/** conv2dBackpropFilter: rows are taps (fy, fx, ci), k the output pixels (b, oy, ox), columns output channels. */
function conv2dBackpropFilterSource(): string {
  const pre = `let fwc = u.FW * u.C;
        let ri = i32(min(m0 + li % ${TILE}u, M - 1u));
        let q0 = ri % fwc;
        let offY = (ri / fwc) * u.dh - u.pt;
        let offX = (q0 / u.C) * u.dw - u.pl;
        let ci = q0 % u.C;
        let hw = u.OH * u.OW;`;
  const loadA = loadRowFast('f32', 'As', 'm0 + r < M', (k) => `xAt(${k}, offY, offX, ci, hw)`);
  const loadB = loadRowFast('f32', 'Bs', 'n0 + r < N', (k) => `dy[${k} * N + n0 + r]`);
  const decls = `${convDecls('x', 'dy')}
fn xAt(c: u32, offY: i32, offX: i32, ci: i32, hw: i32) -> f32 {
  let p = i32(c);
  let bb = p / hw;
  let q = p % hw;
  let iy = (q / u.OW) * u.sh + offY;
  let ix = (q % u.OW) * u.sw + offX;
  if (iy < 0 || iy >= u.H || ix < 0 || ix >= u.W) { return 0.0; }
  return x[((bb * u.H + iy) * u.W + ix) * u.C + ci];
}`;
  return gemmSource({
    t: 'f32',
    decls,
    outer: 'let M = u.M;\n    let N = u.N;\n    let K = u.K;',
    pre,
    load: `${loadA}\n          ${loadB}`,
    rowBase: (i) => `outBase + (m0 + lid.y + ${16 * i}u) * N`,
  });
}

/**
 * conv2dBackpropInput, one stride phase (ry, rx) per z slice: rows are the
 * input cells (b, jy, jx) at iy = iy0 + jy*sh, k is (ty, tx, co) for the
 * phase's taps fy = ry + ty*sh, columns input channels. The cell reads
 * dy[b, oy0 + jy - ty*dh, ox0 + jx - tx*dw, co] (with sh > 1 the dilation is 1,
 * with sh = 1 the phase is 0 and oy0 = padTop).
 */
function conv2dBackpropInputSource(): string {
  const outer = `let ry = i32(outer) / u.sw;
    let rx = i32(outer) % u.sw;
    let iy0 = ((ry - u.pt) % u.sh + u.sh) % u.sh;
    let ix0 = ((rx - u.pl) % u.sw + u.sw) % u.sw;
    let ny = select(0, (u.H - iy0 + u.sh - 1) / u.sh, iy0 < u.H);
    let nx = select(0, (u.W - ix0 + u.sw - 1) / u.sw, ix0 < u.W);
    let nfy = select(0, (u.FH - ry + u.sh - 1) / u.sh, ry < u.FH);
    let nfx = select(0, (u.FW - rx + u.sw - 1) / u.sw, rx < u.FW);
    let oy0 = (iy0 + u.pt - ry) / u.sh;
    let ox0 = (ix0 + u.pl - rx) / u.sw;
    let M = u32(u.NB * ny * nx);
    let N = u.N;
    let K = u32(nfy * nfx * u.CO);`;
  const pre: string[] = ['var rOy: array<i32, 4>;', 'var rOx: array<i32, 4>;', 'var rB: array<i32, 4>;', 'var rOut: array<u32, 4>;', 'let nxy = ny * nx;'];
  for (let i = 0; i < 4; i++) {
    pre.push(`{ let mi = i32(min(m0 + lid.y + ${16 * i}u, M - 1u)); let bb = mi / nxy; let q = mi % nxy; let jy = q / nx; let jx = q % nx;
          rOy[${i}] = oy0 + jy; rOx[${i}] = ox0 + jx; rB[${i}] = bb * u.OH * u.OW * u.CO;
          rOut[${i}] = u32(((bb * u.H + iy0 + jy * u.sh) * u.W + ix0 + jx * u.sw) * u.C); }`);
  }
  const load = `{
          let k = k0 + lid.x;
          let kOk = k < kEnd;
          let ki = i32(min(k, K - 1u));
          let fxc = nfx * u.CO;
          let tyy = ki / fxc;
          let q = ki % fxc;
          let txx = q / u.CO;
          let co = q % u.CO;
          let dOy = tyy * u.dh;
          let dOx = txx * u.dw;
          let wBase = ((ry + tyy * u.sh) * u.FW + rx + txx * u.sw) * u.C * u.CO + co;
          ${[0, 1, 2, 3]
            .map(
              (i) => `{ let oy = rOy[${i}] - dOy; let ox = rOx[${i}] - dOx; var v = 0.0;
            if (kOk && m0 + lid.y + ${16 * i}u < M && oy >= 0 && oy < u.OH && ox >= 0 && ox < u.OW) { v = dy[rB[${i}] + (oy * u.OW + ox) * u.CO + co]; }
            As[lid.x * ${S}u + lid.y + ${16 * i}u] = v;
            let ci = n0 + lid.y + ${16 * i}u; var wv = 0.0;
            if (kOk && ci < N) { wv = w[wBase + i32(ci) * u.CO]; }
            Bs[lid.x * ${S}u + lid.y + ${16 * i}u] = wv; }`,
            )
            .join('\n          ')}
          }`;
  return gemmSource({
    t: 'f32',
    decls: convDecls('dy', 'w'),
    outer,
    pre: pre.join('\n        '),
    load,
    rowBase: (i) => `outBase + rOut[${i}]`,
  });
}

/** @internal */
export function matmulKernels(b: WebGPUBackend): KernelTable<GpuData> {
  return {
    matMul: (inputs, { transposeA, transposeB }, [out]) => [matMulKernel(b, inputs, transposeA, transposeB, out)],
    conv2d: ([x, w], g, [out]) => {
      const m = g.batch * g.outHeight * g.outWidth;
      const n = g.outChannels;
      const k = g.filterHeight * g.filterWidth * g.inChannels;
      const split = chooseSplits(Math.ceil(m / TILE) * Math.ceil(n / TILE), k);
      return [runGemm(b, 'conv2d', 'f32', [x.data, w.data], sizeOf(out.shape), split, 1, { m, n }, 'conv2d', conv2dSource, convUniforms(g, m, n, k))];
    },
    conv2dBackpropFilter: ([x, dy], g, [out]) => {
      const m = g.filterHeight * g.filterWidth * g.inChannels;
      const n = g.outChannels;
      const k = g.batch * g.outHeight * g.outWidth;
      const split = chooseSplits(Math.ceil(m / TILE) * Math.ceil(n / TILE), k);
      return [runGemm(b, 'conv2dBackpropFilter', 'f32', [x.data, dy.data], sizeOf(out.shape), split, 1, { m, n }, 'conv2dBackpropFilter', conv2dBackpropFilterSource, convUniforms(g, m, n, k))];
    },
    conv2dBackpropInput: ([dy, w], g, [out]) => {
      const phases = g.strideHeight * g.strideWidth;
      // The largest phase: every phase has at most this many cells and taps.
      const m = g.batch * Math.ceil(g.inHeight / g.strideHeight) * Math.ceil(g.inWidth / g.strideWidth);
      const n = g.inChannels;
      const k = Math.ceil(g.filterHeight / g.strideHeight) * Math.ceil(g.filterWidth / g.strideWidth) * g.outChannels;
      const split = chooseSplits(phases * Math.ceil(m / TILE) * Math.ceil(n / TILE), k);
      return [runGemm(b, 'conv2dBackpropInput', 'f32', [dy.data, w.data], sizeOf(out.shape), split, phases, { m, n }, 'conv2dBackpropInput', conv2dBackpropInputSource, convUniforms(g, 0, n, 0))];
    },
  };
}
