/**
 * CPU reduction kernels: sum, prod, max, min, all, any, argMax, argMin.
 *
 * Every value reduction goes through one traversal. The input shape is first
 * collapsed: size-1 dimensions are dropped and neighbouring dimensions that
 * are both reduced or both kept are merged, so `[N, C, H, W]` reduced over
 * `[2, 3]` becomes `[N*C kept, H*W reduced]`. The last collapsed group then
 * decides the loop:
 *
 * - reduced last group (e.g. a sum over the trailing axis): each contiguous
 *   run is folded in a tight loop into a local, then stored;
 * - kept last group (e.g. a sum over axis 0 of `[N, D]`, the bias gradient):
 *   the contiguous rows of the reduced group before it are folded
 *   elementwise into the output row, several rows per pass.
 *
 * Either way the inner loop reads memory sequentially; an odometer over the
 * remaining (few) groups finds the output position of each run or row, once
 * per run, not per element. Float sums and products accumulate in float64
 * and round once; int32 sums and products wrap modulo 2^32 like the int32
 * dtype.
 *
 * @internal
 * @module
 */
import type { TypedArray } from '../../../dtype.js';
import type { KernelTable, TensorInfo, TensorMeta } from '../../backend.js';
import { sizeOf } from '../../../shape.js';
import { collapseReduction } from '../../layout.js';
import { cpuFree, heapFloat32 } from '../alloc.js';
import { getRuntime } from '../../wasm/runtime.js';
import { wasmReduce } from '../../wasm/elementwise.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * One value reduction. `run` and `rowsInto` hold the hot loops, called once
 * per contiguous run or row, never per element.
 */
interface Reducer {
  /** Folds `x[start .. start+len)` (len >= 1) into one value. */
  run(x: TypedArray, start: number, len: number): number;
  /** Folds two partial results. */
  combine(a: number, b: number): number;
  /**
   * Folds `rows` consecutive rows of `len` values, starting at `x[x0]`,
   * elementwise into `acc[a0 .. a0+len)`.
   */
  rowsInto(acc: TypedArray, a0: number, x: TypedArray, x0: number, rows: number, len: number): void;
}

const floatSum: Reducer = {
  run(x, start, len) {
    // Four partial sums break the add dependency chain.
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end = start + len;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      s0 += x[i];
      s1 += x[i + 1];
      s2 += x[i + 2];
      s3 += x[i + 3];
    }
    for (; i < end; i++) s0 += x[i];
    return s0 + s1 + (s2 + s3);
  },
  combine: (a, b) => a + b,
  rowsInto(acc, a0, x, x0, rows, len) {
    // Four rows per pass: one load and store of acc per four values.
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const p0 = x0 + r * len;
      const p1 = p0 + len;
      const p2 = p1 + len;
      const p3 = p2 + len;
      for (let j = 0; j < len; j++) acc[a0 + j] += x[p0 + j] + x[p1 + j] + (x[p2 + j] + x[p3 + j]);
    }
    for (; r < rows; r++) {
      const p = x0 + r * len;
      for (let j = 0; j < len; j++) acc[a0 + j] += x[p + j];
    }
  },
};

const intSum: Reducer = {
  run(x, start, len) {
    let s = 0;
    for (let i = start, end = start + len; i < end; i++) s = (s + x[i]) | 0;
    return s;
  },
  combine: (a, b) => (a + b) | 0,
  rowsInto(acc, a0, x, x0, rows, len) {
    for (let r = 0, p = x0; r < rows; r++, p += len) {
      for (let j = 0; j < len; j++) acc[a0 + j] = (acc[a0 + j] + x[p + j]) | 0;
    }
  },
};

const floatProd: Reducer = {
  run(x, start, len) {
    let p = 1;
    for (let i = start, end = start + len; i < end; i++) p *= x[i];
    return p;
  },
  combine: (a, b) => a * b,
  rowsInto(acc, a0, x, x0, rows, len) {
    for (let r = 0, p = x0; r < rows; r++, p += len) {
      for (let j = 0; j < len; j++) acc[a0 + j] *= x[p + j];
    }
  },
};

const intProd: Reducer = {
  run(x, start, len) {
    let p = 1;
    for (let i = start, end = start + len; i < end; i++) p = Math.imul(p, x[i]);
    return p;
  },
  combine: (a, b) => Math.imul(a, b),
  rowsInto(acc, a0, x, x0, rows, len) {
    for (let r = 0, p = x0; r < rows; r++, p += len) {
      for (let j = 0; j < len; j++) acc[a0 + j] = Math.imul(acc[a0 + j], x[p + j]);
    }
  },
};

// max and min propagate NaN, as NumPy does: once NaN, a slot stays NaN
// (`v > NaN` is false), and a NaN value always replaces it (`v !== v`).
const maxReducer: Reducer = {
  run(x, start, len) {
    let m = x[start];
    for (let i = start + 1, end = start + len; i < end; i++) {
      const v = x[i];
      if (v > m || v !== v) m = v;
    }
    return m;
  },
  combine: (a, b) => (b > a || b !== b ? b : a),
  rowsInto(acc, a0, x, x0, rows, len) {
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const p0 = x0 + r * len;
      for (let j = 0; j < len; j++) {
        let m = acc[a0 + j];
        for (let q = 0, p = p0 + j; q < 4; q++, p += len) {
          const v = x[p];
          if (v > m || v !== v) m = v;
        }
        acc[a0 + j] = m;
      }
    }
    for (; r < rows; r++) {
      const p = x0 + r * len;
      for (let j = 0; j < len; j++) {
        const v = x[p + j];
        if (v > acc[a0 + j] || v !== v) acc[a0 + j] = v;
      }
    }
  },
};

const minReducer: Reducer = {
  run(x, start, len) {
    let m = x[start];
    for (let i = start + 1, end = start + len; i < end; i++) {
      const v = x[i];
      if (v < m || v !== v) m = v;
    }
    return m;
  },
  combine: (a, b) => (b < a || b !== b ? b : a),
  rowsInto(acc, a0, x, x0, rows, len) {
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const p0 = x0 + r * len;
      for (let j = 0; j < len; j++) {
        let m = acc[a0 + j];
        for (let q = 0, p = p0 + j; q < 4; q++, p += len) {
          const v = x[p];
          if (v < m || v !== v) m = v;
        }
        acc[a0 + j] = m;
      }
    }
    for (; r < rows; r++) {
      const p = x0 + r * len;
      for (let j = 0; j < len; j++) {
        const v = x[p + j];
        if (v < acc[a0 + j] || v !== v) acc[a0 + j] = v;
      }
    }
  },
};

const allReducer: Reducer = {
  run(x, start, len) {
    for (let i = start, end = start + len; i < end; i++) if (x[i] === 0) return 0;
    return 1;
  },
  combine: (a, b) => a & b,
  rowsInto(acc, a0, x, x0, rows, len) {
    for (let r = 0, p = x0; r < rows; r++, p += len) {
      for (let j = 0; j < len; j++) acc[a0 + j] &= x[p + j];
    }
  },
};

const anyReducer: Reducer = {
  run(x, start, len) {
    for (let i = start, end = start + len; i < end; i++) if (x[i] !== 0) return 1;
    return 0;
  },
  combine: (a, b) => a | b,
  rowsInto(acc, a0, x, x0, rows, len) {
    for (let r = 0, p = x0; r < rows; r++, p += len) {
      for (let j = 0; j < len; j++) acc[a0 + j] |= x[p + j];
    }
  },
};

/**
 * The collapsed view of a reduction: group sizes (all >= 2, except a single
 * `[1]` for inputs with one element) and whether each is reduced. Groups
 * alternate between reduced and kept.
 */
function collapse(shape: readonly number[], axes: readonly number[]): { sizes: number[]; reduced: boolean[] } {
  const { sizes, reduced } = collapseReduction(shape, axes);
  if (sizes.length === 0) {
    sizes.push(1);
    reduced.push(false);
  }
  return { sizes, reduced };
}

/**
 * Reduces `x` over `axes` into `acc` (one slot per output element, in
 * row-major order of the kept axes), which starts at `identity`.
 */
function reduceInto(x: TypedArray, shape: readonly number[], axes: readonly number[], r: Reducer, acc: TypedArray, identity: number): void {
  acc.fill(identity);
  const total = sizeOf(shape);
  if (total === 0) return;
  const { sizes, reduced } = collapse(shape, axes);
  const g = sizes.length;
  const last = sizes[g - 1];
  // Output stride of each group (0 for reduced groups).
  const outStrides = new Array<number>(g);
  for (let d = g - 1, s = 1; d >= 0; d--) {
    outStrides[d] = reduced[d] ? 0 : s;
    if (!reduced[d]) s *= sizes[d];
  }
  const lastReduced = reduced[g - 1];
  // A kept last group is always preceded by a reduced one (groups
  // alternate): that [rows, last] block folds into one output row at once.
  const rows = lastReduced || g < 2 ? 1 : sizes[g - 2];
  const chunk = rows * last;
  const chunks = total / chunk;
  // The odometer walks the groups left of the chunk.
  const outer = lastReduced ? g - 1 : Math.max(0, g - 2);
  const idx = new Array<number>(outer).fill(0);
  let o = 0;
  for (let c = 0, xs = 0; c < chunks; c++, xs += chunk) {
    if (lastReduced) acc[o] = r.combine(acc[o], r.run(x, xs, last));
    else r.rowsInto(acc, o, x, xs, rows, last);
    for (let d = outer - 1; d >= 0; d--) {
      o += outStrides[d];
      if (++idx[d] < sizes[d]) break;
      o -= outStrides[d] * sizes[d];
      idx[d] = 0;
    }
  }
}

/**
 * Index of the first maximum (sign = 1) or minimum (sign = -1) along `axis`;
 * NaN counts as the extreme, as in NumPy. Values are compared after
 * multiplying by `sign`, so one loop serves both.
 */
function argReduce(x: TypedArray, shape: readonly number[], axis: number, sign: number, out: Int32Array): void {
  const len = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const outer = sizeOf(shape.slice(0, axis));
  if (len === 0 || inner === 0 || outer === 0) return;
  if (inner === 1) {
    for (let o = 0, base = 0; o < outer; o++, base += len) {
      let best = sign * x[base];
      let at = 0;
      for (let r = 1; r < len; r++) {
        const v = sign * x[base + r];
        if (v > best || (v !== v && best === best)) {
          best = v;
          at = r;
        }
      }
      out[o] = at;
    }
    return;
  }
  // Rows of `inner` contiguous values are compared against the best row so far.
  const best = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    const ob = o * inner;
    for (let j = 0; j < inner; j++) best[j] = sign * x[base + j];
    for (let r = 1; r < len; r++) {
      const row = base + r * inner;
      for (let j = 0; j < inner; j++) {
        const v = sign * x[row + j];
        const b = best[j];
        if (v > b || (v !== v && b === b)) {
          best[j] = v;
          out[ob + j] = r;
        }
      }
    }
  }
}

/** sum and prod: int32 wraps in an Int32Array; floats accumulate in float64 and round once. */
function accumulate(
  x: TensorInfo<TypedArray>, axes: readonly number[], out: TensorMeta,
  intOp: Reducer, floatOp: Reducer, init: number,
): TypedArray {
  const n = sizeOf(out.shape);
  if (out.dtype === 'int32') {
    const y = new Int32Array(n);
    reduceInto(x.data, x.shape, axes, intOp, y, init);
    return y;
  }
  const acc = new Float64Array(n);
  reduceInto(x.data, x.shape, axes, floatOp, acc, init);
  return out.dtype === 'float64' ? acc : new Float32Array(acc);
}

/**
 * A float32 sum or max in wasm (bit-identical to the loops here), or null
 * when the runtime is off or the pattern is not one it handles.
 */
function wasmReduction(op: 'sum' | 'max', x: TensorInfo<TypedArray>, axes: readonly number[], out: TensorMeta): Float32Array | null {
  if (x.dtype !== 'float32' || out.dtype !== 'float32') return null;
  const rt = getRuntime();
  if (rt === null) return null;
  const n = sizeOf(out.shape);
  const y = heapFloat32(n) ?? new Float32Array(n);
  if (wasmReduce(rt, op, x.data, x.shape, axes, y)) return y;
  cpuFree(y);
  return null;
}

/** @internal */
export const reduceKernels: KernelTable<TypedArray> = {
  sum: ([x], { axes }, [out]) => [wasmReduction('sum', x, axes, out) ?? accumulate(x, axes, out, intSum, floatSum, 0)],
  prod: ([x], { axes }, [out]) => [accumulate(x, axes, out, intProd, floatProd, 1)],
  max: ([x], { axes }, [out]) => {
    const fast = wasmReduction('max', x, axes, out);
    if (fast) return [fast];
    // The output has the input's dtype, so it holds every candidate exactly.
    const y = out.dtype === 'int32' ? new Int32Array(sizeOf(out.shape)) : out.dtype === 'float64' ? new Float64Array(sizeOf(out.shape)) : new Float32Array(sizeOf(out.shape));
    reduceInto(x.data, x.shape, axes, maxReducer, y, out.dtype === 'int32' ? INT32_MIN : -Infinity);
    return [y];
  },
  min: ([x], { axes }, [out]) => {
    const y = out.dtype === 'int32' ? new Int32Array(sizeOf(out.shape)) : out.dtype === 'float64' ? new Float64Array(sizeOf(out.shape)) : new Float32Array(sizeOf(out.shape));
    reduceInto(x.data, x.shape, axes, minReducer, y, out.dtype === 'int32' ? INT32_MAX : Infinity);
    return [y];
  },
  all: ([x], { axes }, [out]) => {
    const y = new Uint8Array(sizeOf(out.shape));
    reduceInto(x.data, x.shape, axes, allReducer, y, 1);
    return [y];
  },
  any: ([x], { axes }, [out]) => {
    const y = new Uint8Array(sizeOf(out.shape));
    reduceInto(x.data, x.shape, axes, anyReducer, y, 0);
    return [y];
  },
  argMax: ([x], { axis }, [out]) => {
    const y = new Int32Array(sizeOf(out.shape));
    argReduce(x.data, x.shape, axis, 1, y);
    return [y];
  },
  argMin: ([x], { axis }, [out]) => {
    const y = new Int32Array(sizeOf(out.shape));
    argReduce(x.data, x.shape, axis, -1, y);
    return [y];
  },
};
