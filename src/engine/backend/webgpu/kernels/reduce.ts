/**
 * WebGPU kernels: sum, prod, max, min, all, any, argMax, argMin.
 *
 * The input shape is collapsed as the CPU does (size-1 dimensions dropped,
 * neighbouring reduced or kept dimensions merged), which leaves kept groups
 * and reduced groups, each with its input stride. An output index `o` and a
 * reduced index `r` then address the input at `keptOffset(o) + redOffset(r)`;
 * the shader decomposes both from group sizes and strides passed as
 * uniforms (the group counts are baked).
 *
 * One shader template serves every layout: a workgroup of `TX * TY = 256`
 * threads handles `TX` consecutive outputs with `TY` lanes each; every lane
 * folds a strided slice of the reduced range into a local accumulator, and
 * the lanes are combined by a log2 tree in workgroup memory. The split is
 * chosen by shape: a short reduced range gives one thread per output
 * (`TY = 1`), a long contiguous one a whole workgroup per output
 * (`TX = 1`), and a reduction over a leading axis with a contiguous kept
 * tail puts `TX` lanes along the tail so reads coalesce. When there are too
 * few workgroups for a long reduction (a full sum of millions of values),
 * the reduced range is split into chunks along the grid's z dimension; each
 * writes its partial state to a temporary buffer, and a second pass of the
 * same template reduces the partials.
 *
 * Semantics follow the CPU: float sums accumulate in a double-float
 * (an f32 pair, error-free TwoSum) and round once, so they carry about 48
 * bits, close to the CPU's float64 accumulation. The TwoSum steps are
 * multiplied by a uniform `one` (1.0) so that a shader compiler allowed to
 * reassociate (llvmpipe folds `(a + b) - a` to `b`) cannot cancel the
 * error terms. int32 sums and products
 * wrap (WGSL integer arithmetic wraps); bool sums and products give int32;
 * max and min propagate NaN; argMax/argMin take the first extreme, NaN
 * counting as the extreme. Float products multiply in f32.
 *
 * @internal
 * @module
 */
import type { DType } from '../../../dtype.js';
import { sizeOf } from '../../../shape.js';
import type { KernelTable, TensorInfo, TensorMeta } from '../../backend.js';
import { Uniforms, type WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';
import { literal, storageType, WGSL_MATH } from '../wgsl.js';
import { collapseReduction } from '../../layout.js';

type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'all' | 'any' | 'argMax' | 'argMin';

/** Threads per workgroup. */
const THREADS = 256;
const MAX_GROUPS = 65535;

/** The per-op WGSL pieces: the state struct and how to start, fold and finish it. @internal */
interface OpCode {
  /** Fields of struct S, e.g. `v: f32, w: f32`. */
  fields: string;
  /** Words per state (the temporary's elements per partial). */
  words: number;
  /** Body of `fn ident() -> S`. */
  ident: string;
  /** Body of `fn comb(a: S, b: S) -> S` (a comes first in reduction order). */
  comb: string;
  /** Body of `fn lift(x: <input storage type>, r: u32) -> S`. */
  lift: string;
  /** Body of `fn fin(s: S) -> <output storage type>`. */
  fin: string;
}

/** The WGSL pieces of `op` on inputs of `dtype`. @internal */
function opCode(op: ReduceOp, dtype: DType): OpCode {
  const isFloat = dtype === 'float32';
  const t = isFloat ? 'f32' : 'i32';
  switch (op) {
    case 'sum':
      if (isFloat) {
        // Double-float addition: TwoSum of the high parts, then the low parts
        // and the rounding error folded into the new low part. Non-finite
        // sums drop the low part (inf - inf would make it NaN).
        return {
          fields: 'v: f32, w: f32',
          words: 2,
          ident: 'return S(0.0, 0.0);',
          comb: [
            'let s = (a.v + b.v) * u.one;',
            'if (!f_isfinite(s)) { return S(s, 0.0); }',
            'let bb = (s - a.v) * u.one;',
            'let e = (((a.v - (s - bb)) + (b.v - bb)) + (a.w + b.w)) * u.one;',
            'let h = (s + e) * u.one;',
            'if (!f_isfinite(h)) { return S(h, 0.0); }',
            'return S(h, e - (h - s));',
          ].join('\n  '),
          lift: 'return S(x, 0.0);',
          fin: 'return s.v + s.w;',
        };
      }
      return { fields: 'v: i32', words: 1, ident: 'return S(0);', comb: 'return S(a.v + b.v);', lift: 'return S(i32(x));', fin: 'return s.v;' };
    case 'prod':
      return {
        fields: `v: ${t}`,
        words: 1,
        ident: `return S(${isFloat ? '1.0' : '1'});`,
        comb: 'return S(a.v * b.v);',
        lift: `return S(${t}(x));`,
        fin: 'return s.v;',
      };
    case 'max':
    case 'min': {
      const cmp = op === 'max' ? '>' : '<';
      const init = isFloat ? (op === 'max' ? '(-f_inf())' : 'f_inf()') : literal(op === 'max' ? -2147483648 : 2147483647, 'i32');
      // As the CPU: b replaces a when it is more extreme or NaN; a NaN a stays.
      const comb = isFloat
        ? `if (f_isnan(a.v)) { return a; }\n  if (f_isnan(b.v) || b.v ${cmp} a.v) { return b; }\n  return a;`
        : `if (b.v ${cmp} a.v) { return b; }\n  return a;`;
      return { fields: `v: ${t}`, words: 1, ident: `return S(${init});`, comb, lift: 'return S(x);', fin: 'return s.v;' };
    }
    case 'all':
      return { fields: 'v: u32', words: 1, ident: 'return S(1u);', comb: 'return S(a.v & b.v);', lift: 'return S(x);', fin: 'return s.v;' };
    case 'any':
      return { fields: 'v: u32', words: 1, ident: 'return S(0u);', comb: 'return S(a.v | b.v);', lift: 'return S(x);', fin: 'return s.v;' };
    case 'argMax':
    case 'argMin': {
      const cmp = op === 'argMax' ? '>' : '<';
      const init = isFloat ? (op === 'argMax' ? '(-f_inf())' : 'f_inf()') : literal(op === 'argMax' ? -2147483648 : 2147483647, 'i32');
      // The first extreme wins: b wins when it is strictly more extreme, or
      // equal (both NaN included) at a smaller index. NaN is the extreme.
      const nan = isFloat
        ? 'let an = f_isnan(a.v);\n  let bn = f_isnan(b.v);\n  if (an || bn) {\n    if (an && bn) { if (b.w < a.w) { return b; } return a; }\n    if (bn) { return b; }\n    return a;\n  }\n  '
        : '';
      return {
        fields: `v: ${t}, w: u32`,
        words: 2,
        ident: `return S(${init}, 0xffffffffu);`,
        comb: `${nan}if (b.v ${cmp} a.v || (b.v == a.v && b.w < a.w)) { return b; }\n  return a;`,
        lift: `return S(${t}(x), r);`,
        fin: 'return i32(s.w);',
      };
    }
  }
}

/** Kept and reduced groups of the collapsed input, as (size, input stride). @internal */
interface Layout {
  n: number;
  R: number;
  kept: [number, number][];
  red: [number, number][];
  /** Whether the innermost group is kept, and its size (1 otherwise). */
  inner: number;
  lastKept: boolean;
}

/** The CPU's collapse: drop size-1 dims, merge neighbours that are both reduced or both kept. @internal */
function layoutOf(shape: readonly number[], axes: readonly number[], n: number): Layout {
  if (sizeOf(shape) === 0) return { n, R: 0, kept: [[n, 0]], red: [], inner: n, lastKept: true };
  const { sizes, reduced } = collapseReduction(shape, axes);
  const kept: [number, number][] = [];
  const red: [number, number][] = [];
  let stride = 1;
  for (let g = sizes.length - 1; g >= 0; g--) {
    (reduced[g] ? red : kept).unshift([sizes[g], stride]);
    stride *= sizes[g];
  }
  const g = sizes.length - 1;
  const lastKept = g >= 0 && !reduced[g];
  return { n, R: red.reduce((p, [s]) => p * s, 1), kept, red, inner: lastKept ? sizes[g] : 1, lastKept };
}

/** The largest power of two <= max(1, x). @internal */
function pow2floor(x: number): number {
  return 2 ** Math.floor(Math.log2(Math.max(1, x)));
}

/** The smallest power of two >= max(1, x). @internal */
function pow2ceil(x: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, x)));
}

/** Lanes per output (TY), outputs per workgroup (TX), and chunks of the reduced range (splits). @internal */
function planOf(L: Layout): { TX: number; TY: number; splits: number; chunk: number } {
  let TY = L.R <= 8 ? 1 : Math.min(THREADS, pow2floor(L.R / 4));
  if (L.lastKept) TY = Math.min(TY, THREADS / Math.min(THREADS, pow2ceil(L.inner)));
  const TX = THREADS / TY;
  const groups = Math.ceil(L.n / TX);
  let splits = 1;
  if (L.R > TY * 64 && groups < 256) splits = Math.min(Math.ceil(L.R / (TY * 32)), Math.ceil(256 / groups), MAX_GROUPS);
  const chunk = Math.max(1, Math.ceil(L.R / splits));
  return { TX, TY, splits: Math.max(1, Math.ceil(L.R / chunk)), chunk };
}

/**
 * WGSL statements adding the offset of index `idx` over `count` groups
 * (row-major; sizes at g[sizeAt..], strides at g[strideAt..]) to `off`.
 *
 * @internal
 */
function offsetCode(idx: string, off: string, count: number, sizeAt: number, strideAt: number): string {
  const g = (i: number) => `u.g[${i >> 2}][${i & 3}]`;
  if (count === 0) return '';
  if (count === 1) return `  ${off} = ${off} + ${idx} * ${g(strideAt)};\n`;
  const lines = [`  { var rem = ${idx};`];
  for (let i = count - 1; i >= 0; i--) {
    if (i > 0) lines.push(`    ${off} = ${off} + (rem % ${g(sizeAt + i)}) * ${g(strideAt + i)}; rem = rem / ${g(sizeAt + i)};`);
    else lines.push(`    ${off} = ${off} + rem * ${g(strideAt)};`);
  }
  lines.push('  }');
  return `${lines.join('\n')}\n`;
}

type Pass = 'single' | 'partial' | 'final';

/**
 * The shader: pass 'single' reads elements and writes outputs, 'partial'
 * reads elements and writes states, 'final' reads states and writes outputs.
 *
 * @internal
 */
function source(code: OpCode, inType: string, outType: string, pass: Pass, TX: number, TY: number, nk: number, nr: number): string {
  const words = 2 * (nk + nr);
  const lines = [
    WGSL_MATH,
    `struct S { ${code.fields} }`,
    `fn ident() -> S {\n  ${code.ident}\n}`,
    `fn comb(a: S, b: S) -> S {\n  ${code.comb}\n}`,
    `fn lift(x: ${inType}, r: u32) -> S {\n  ${code.lift}\n}`,
    `fn fin(s: S) -> ${outType} {\n  ${code.fin}\n}`,
    `struct U { n: u32, R: u32, chunk: u32, gx: u32, one: f32, ${words > 0 ? `g: array<vec4<u32>, ${Math.ceil(words / 4)}>,` : ''} }`,
    `@group(0) @binding(0) var<storage, read> src: array<${pass === 'final' ? 'S' : inType}>;`,
    `@group(0) @binding(1) var<storage, read_write> dst: array<${pass === 'partial' ? 'S' : outType}>;`,
    '@group(0) @binding(2) var<uniform> u: U;',
  ];
  if (TY > 1) lines.push(`var<workgroup> sh: array<S, ${THREADS}>;`);
  lines.push(
    `@compute @workgroup_size(${THREADS}) fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) w: vec3<u32>) {`,
    `  let tx = li % ${TX}u;`,
    `  let ty = li / ${TX}u;`,
    `  let o = (w.x + w.y * u.gx) * ${TX}u + tx;`,
    '  let r0 = w.z * u.chunk;',
    '  let r1 = min(r0 + u.chunk, u.R);',
    '  var acc = ident();',
    '  if (o < u.n) {',
    '  var kb = 0u;',
    offsetCode('o', 'kb', nk, 0, nk),
  );
  const read = pass === 'final' ? 'src[kb + ro]' : 'lift(src[kb + ro], r)';
  if (nr <= 1) {
    const stride = nr === 1 ? `u.g[${(2 * nk + 1) >> 2}][${(2 * nk + 1) & 3}]` : '0u';
    lines.push(
      `  let rs = ${stride};`,
      `  for (var r = r0 + ty; r < r1; r = r + ${TY}u) {`,
      '    let ro = r * rs;',
      `    acc = comb(acc, ${read});`,
      '  }',
    );
  } else {
    // Several reduced groups: r = q * last + j, with j along the innermost
    // reduced group. j advances by TY per step; q and its offset (the
    // other groups) are recomputed only when j wraps.
    const at = (i: number) => `u.g[${i >> 2}][${i & 3}]`;
    const lastSize = at(2 * nk + nr - 1);
    const lastStride = at(2 * nk + 2 * nr - 1);
    lines.push(
      `  let last = ${lastSize};`,
      `  let ls = ${lastStride};`,
      '  var j = (r0 + ty) % last;',
      '  var q = (r0 + ty) / last;',
      '  var qb = 0u;',
      offsetCode('q', 'qb', nr - 1, 2 * nk, 2 * nk + nr),
      `  for (var r = r0 + ty; r < r1; r = r + ${TY}u) {`,
      '    let ro = qb + j * ls;',
      `    acc = comb(acc, ${read});`,
      `    j = j + ${TY}u;`,
      '    if (j >= last) {',
      '      q = q + j / last;',
      '      j = j % last;',
      '      qb = 0u;',
      offsetCode('q', 'qb', nr - 1, 2 * nk, 2 * nk + nr),
      '    }',
      '  }',
    );
  }
  lines.push('  }');
  if (TY > 1) {
    lines.push(
      '  sh[li] = acc;',
      '  workgroupBarrier();',
      `  for (var s = ${TY / 2}u; s > 0u; s = s >> 1u) {`,
      `    if (ty < s) { sh[li] = comb(sh[li], sh[li + s * ${TX}u]); }`,
      '    workgroupBarrier();',
      '  }',
      '  if (ty == 0u) { acc = sh[li]; }',
    );
  }
  const store = pass === 'partial' ? 'dst[w.z * u.n + o] = acc;' : 'dst[o] = fin(acc);';
  lines.push(`  if (ty == 0u && o < u.n) { ${store} }`, '}');
  return lines.join('\n');
}

/** Encodes one pass over `L` (a single pass, or one side of a two-pass reduction). @internal */
function runPass(
  b: WebGPUBackend, op: ReduceOp, code: OpCode, inDtype: DType, outDtype: DType, pass: Pass,
  L: Layout, TX: number, TY: number, splits: number, chunk: number, src: GpuData, dst: GpuData,
): void {
  const groups = Math.ceil(L.n / TX);
  const gx = Math.min(groups, MAX_GROUPS);
  const gy = Math.ceil(groups / gx);
  const nk = L.kept.length;
  const nr = L.red.length;
  const inType = storageType(inDtype);
  const outType = storageType(outDtype);
  const key = `reduce:${op}:${inDtype}>${outDtype}:${pass}:${TX}x${TY}:${nk}/${nr}`;
  const g = [...L.kept.map(([s]) => s), ...L.kept.map(([, t]) => t), ...L.red.map(([s]) => s), ...L.red.map(([, t]) => t)];
  const u = new Uniforms().u32(L.n, L.R, chunk, gx).f32(1);
  if (g.length > 0) u.ivec4(g);
  b.dispatch({
    key,
    source: () => source(code, inType, outType, pass, TX, TY, nk, nr),
    inputs: [src],
    outputs: [dst],
    uniforms: u,
    workgroups: [gx, gy, splits],
  });
}

/** Reduces `x` over `axes` into a new buffer for `out`. @internal */
function reduce(b: WebGPUBackend, op: ReduceOp, x: TensorInfo<GpuData>, axes: readonly number[], out: TensorMeta): GpuData {
  const n = sizeOf(out.shape);
  const y = b.alloc(n, op);
  if (n === 0) return y;
  const code = opCode(op, x.dtype);
  const L = layoutOf(x.shape, axes, n);
  const { TX, TY, splits, chunk } = planOf(L);
  if (splits <= 1) {
    runPass(b, op, code, x.dtype, out.dtype, 'single', L, TX, TY, 1, Math.max(L.R, 1), x.data, y);
    return y;
  }
  const tmp = b.alloc(splits * n * code.words, op);
  runPass(b, op, code, x.dtype, out.dtype, 'partial', L, TX, TY, splits, chunk, x.data, tmp);
  // The partials form a [splits, n] array: reduce its leading axis.
  const P: Layout = { n, R: splits, kept: [[n, 1]], red: [[splits, n]], inner: n, lastKept: true };
  const p = planOf(P);
  runPass(b, op, code, x.dtype, out.dtype, 'final', P, p.TX, p.TY, 1, splits, tmp, y);
  b.free(tmp);
  return y;
}

/** @internal */
export function reduceKernels(b: WebGPUBackend): KernelTable<GpuData> {
  const value = (op: ReduceOp) => ([x]: TensorInfo<GpuData>[], { axes }: { axes: readonly number[] }, [out]: TensorMeta[]) => [reduce(b, op, x, axes, out)];
  const arg = (op: ReduceOp) => ([x]: TensorInfo<GpuData>[], { axis }: { axis: number }, [out]: TensorMeta[]) => [reduce(b, op, x, [axis], out)];
  return {
    sum: value('sum'),
    prod: value('prod'),
    max: value('max'),
    min: value('min'),
    all: value('all'),
    any: value('any'),
    argMax: arg('argMax'),
    argMin: arg('argMin'),
  };
}
