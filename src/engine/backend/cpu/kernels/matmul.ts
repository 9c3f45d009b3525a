/**
 * Batched matrix multiply on typed arrays, in plain TypeScript.
 *
 * The float path is a small BLIS-style GEMM: B and A are repacked into
 * contiguous float64 panels so that one register-blocked 4x4 micro-kernel
 * serves float32, float64 and every transpose combination; this keeps the
 * hot loop monomorphic (V8 only optimises well what it sees one type of)
 * and sequential in memory. Partial sums live in a float64 tile and are written
 * to `out` once, so float32 results are rounded a single time however large
 * `k` is.
 *
 * The int32 path wraps modulo 2^32 like C's int32 (see `DType`), which a
 * float64 accumulator cannot do once products exceed 2^53, so it uses
 * `Math.imul` on its own simpler loops.
 *
 * @module
 */
import { ShapeError, ValueError } from '../../../errors.js';

/**
 * The typed arrays the kernel reads and writes.
 *
 * @example
 * ```ts
 * const data: NumericArray = new Float32Array([1, 2, 3]);
 * ```
 */
export type NumericArray = Float32Array | Float64Array | Int32Array;

/**
 * Shape and layout of a batched multiply `out[b] = A_b · B_b`.
 *
 * Batch broadcasting is expressed through the offset lists instead of
 * strides so that the caller can map any broadcast pattern of leading dims
 * to a flat list of matrices without copying them.
 *
 * @example
 * ```ts
 * // Three [2,4]·[4,5] products sharing one B matrix:
 * const args: MatMulArgs = {
 *   m: 2, n: 5, k: 4, transposeA: false, transposeB: false, batch: 3,
 *   aOffsets: [0, 8, 16], bOffsets: [0, 0, 0],
 * };
 * ```
 */
export interface MatMulArgs {
  /** Rows of the logical A and of each output matrix. */
  m: number;
  /** Columns of the logical B and of each output matrix. */
  n: number;
  /** The contracted dimension: columns of logical A, rows of logical B. */
  k: number;
  /** When true, A is stored row-major as `[k, m]` and read transposed. */
  transposeA: boolean;
  /** When true, B is stored row-major as `[n, k]` and read transposed. */
  transposeB: boolean;
  /** Number of output matrices; `out` is `[batch, m, n]`. */
  batch: number;
  /** Element offset into `a` of the A matrix used for output `i` (length `batch`); repeat an offset to broadcast. */
  aOffsets: ArrayLike<number>;
  /** Element offset into `b` of the B matrix used for output `i` (length `batch`); repeat an offset to broadcast. */
  bOffsets: ArrayLike<number>;
}

// Micro-kernel tile: 4x4 = 16 accumulators for 8 loads per step. x64 has
// only 16 SSE registers, so V8 already spills a few values; 4x6 and 4x8
// tiles spill more and measured no faster, 4x4 has the smallest padding.
// The packers' unrolled copies and the micro-kernel are written for 4.
const MR = 4;
const NR = 4;
// Depth of one pass over the packed panels: a 4xKC A panel and a KCx4 B
// panel (8 KiB each as float64) stay in L1 while the micro-kernel runs.
const KC = 256;
// Rows of A packed at a time: an MCxKC float64 block (128 KiB) stays in L2
// while it is swept against every B panel.
const MC = 64;
// Packed B is kept whole for the full k when it fits this many doubles
// (32 MiB); beyond that n is processed in column chunks.
const B_BUDGET = 1 << 22;
// Scratch buffers up to this many elements are kept between calls; larger
// ones are allocated per call so one huge multiply does not pin memory.
const RETAIN_LIMIT = 1 << 23;
// Below this many multiply-adds, packing costs more than it saves. Thin
// outputs (m < 4 or n < 3) also skip it: padded to 4x4 tiles they waste
// half or more of the micro-kernel's work, and the direct loops measured
// faster on them (about 2.5 GFLOP/s for m = 1..3).
const DIRECT_LIMIT = 512;

/**
 * A grow-only buffer reused across calls, so steady-state training does no
 * large allocations. Safe to share at module level because the kernel is
 * synchronous and never re-entered while a buffer is in use.
 */
class Scratch<T extends Float64Array | Int32Array> {
  private buffer: T;
  private readonly make: (length: number) => T;

  constructor(make: (length: number) => T) {
    this.make = make;
    this.buffer = make(0);
  }

  /** A buffer of at least `length` elements, with arbitrary contents. */
  get(length: number): T {
    if (this.buffer.length >= length) return this.buffer;
    if (length > RETAIN_LIMIT) return this.make(length);
    // Doubling avoids a reallocation for each slightly larger shape.
    this.buffer = this.make(Math.max(length, Math.min(RETAIN_LIMIT, this.buffer.length * 2)));
    return this.buffer;
  }
}

const packedA = new Scratch((length) => new Float64Array(length));
const packedB = new Scratch((length) => new Float64Array(length));
const cTile = new Scratch((length) => new Float64Array(length));
const intA = new Scratch((length) => new Int32Array(length));
const intB = new Scratch((length) => new Int32Array(length));

/**
 * Computes `out[b, i, j] = Σ_p A_b[i, p] · B_b[p, j]` for every output
 * matrix `b`; `out` (length at least `batch·m·n`) is fully overwritten.
 *
 * Float outputs accumulate in float64 and round once on store. An
 * `Int32Array` output uses wrapping 32-bit integer arithmetic, matching the
 * `int32` dtype; its inputs are read through `ToInt32`.
 *
 * @param a Storage holding every A matrix, at `args.aOffsets`.
 * @param b Storage holding every B matrix, at `args.bOffsets`.
 * @param out Destination, row-major `[batch, m, n]`.
 * @param args Shapes, transposes and per-output offsets.
 * @throws {ValueError} When a size or offset is not a non-negative integer.
 * @throws {ShapeError} When a matrix or the output does not fit its array.
 *
 * @example
 * ```ts
 * const a = new Float32Array([1, 2, 3, 4, 5, 6]); // [2,3]
 * const b = new Float32Array([1, 0, 0, 1, 1, 1]); // [3,2]
 * const out = new Float32Array(4);
 * matMulKernel(a, b, out, {
 *   m: 2, n: 2, k: 3, transposeA: false, transposeB: false,
 *   batch: 1, aOffsets: [0], bOffsets: [0],
 * });
 * // out = [4, 5, 10, 11]
 * ```
 */
export function matMulKernel(a: NumericArray, b: NumericArray, out: NumericArray, args: MatMulArgs): void {
  validate(a, b, out, args);
  let { m, batch, aOffsets, bOffsets } = args;
  const { n, k, transposeA, transposeB } = args;
  const total = batch * m * n;
  if (total === 0) return;
  if (k === 0) {
    out.fill(0, 0, total);
    return;
  }

  // A contiguous batch of A against one shared B is a single taller
  // multiply; folding it lets small-m batches (e.g. a dense layer over
  // [batch, time, features]) use the blocked path and pack B once.
  if (batch > 1 && !transposeA && isFoldable(aOffsets, bOffsets, batch, m * k)) {
    m *= batch;
    aOffsets = [aOffsets[0]];
    bOffsets = [bOffsets[0]];
    batch = 1;
  }

  if (out instanceof Int32Array) {
    intMatMul(a, b, out, m, n, k, transposeA, transposeB, batch, aOffsets, bOffsets);
  } else if (m * n * k < DIRECT_LIMIT || m < MR || n < 3) {
    directMatMul(a, b, out, m, n, k, transposeA, transposeB, batch, aOffsets, bOffsets);
  } else {
    blockedMatMul(a, b, out, m, n, k, transposeA, transposeB, batch, aOffsets, bOffsets);
  }
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new ValueError(`matMulKernel: ${name} must be a non-negative integer, got ${value}`);
  }
}

function validate(a: NumericArray, b: NumericArray, out: NumericArray, args: MatMulArgs): void {
  const { m, n, k, batch, aOffsets, bOffsets } = args;
  checkCount('m', m);
  checkCount('n', n);
  checkCount('k', k);
  checkCount('batch', batch);
  if (aOffsets.length < batch || bOffsets.length < batch) {
    throw new ShapeError(
      `matMulKernel: expected ${batch} aOffsets and bOffsets, got ${aOffsets.length} and ${bOffsets.length}`,
    );
  }
  if (out.length < batch * m * n) {
    throw new ShapeError(`matMulKernel: out needs ${batch * m * n} elements ([${batch},${m},${n}]), got ${out.length}`);
  }
  const aSize = m * k;
  const bSize = k * n;
  for (let i = 0; i < batch; i++) {
    const ao = aOffsets[i];
    const bo = bOffsets[i];
    checkCount(`aOffsets[${i}]`, ao);
    checkCount(`bOffsets[${i}]`, bo);
    if (ao + aSize > a.length) {
      throw new ShapeError(`matMulKernel: A matrix ${i} needs elements [${ao}, ${ao + aSize}) but a has ${a.length}`);
    }
    if (bo + bSize > b.length) {
      throw new ShapeError(`matMulKernel: B matrix ${i} needs elements [${bo}, ${bo + bSize}) but b has ${b.length}`);
    }
  }
}

function isFoldable(aOffsets: ArrayLike<number>, bOffsets: ArrayLike<number>, batch: number, aSize: number): boolean {
  const a0 = aOffsets[0];
  const b0 = bOffsets[0];
  for (let i = 1; i < batch; i++) {
    if (bOffsets[i] !== b0 || aOffsets[i] !== a0 + i * aSize) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Unblocked float path, for products too small or too thin for 4x4 tiles
// to pay off. Two loop orders keep the innermost loop on contiguous memory.

function directMatMul(
  a: NumericArray,
  b: NumericArray,
  out: Float32Array | Float64Array,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
  batch: number,
  aOffsets: ArrayLike<number>,
  bOffsets: ArrayLike<number>,
): void {
  // Element strides of logical A[i, p] in storage.
  const aRow = transposeA ? 1 : k;
  const aCol = transposeA ? m : 1;
  if (transposeB || n <= 4) {
    // Dot products: a column of B is contiguous when B is transposed, and
    // only n apart (a cache line or so) when n is small.
    const bRow = transposeB ? 1 : n;
    const bCol = transposeB ? k : 1;
    let o = 0;
    for (let t = 0; t < batch; t++) {
      const aBase = aOffsets[t];
      const bBase = bOffsets[t];
      for (let i = 0; i < m; i++) {
        const ai = aBase + i * aRow;
        let j = 0;
        // Four columns at once: each A element is loaded once per four multiply-adds.
        for (; j + 4 <= n; j += 4) {
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let p = 0, ap = ai, bp = bBase + j * bCol; p < k; p++, ap += aCol, bp += bRow) {
            const x = a[ap];
            s0 += x * b[bp];
            s1 += x * b[bp + bCol];
            s2 += x * b[bp + 2 * bCol];
            s3 += x * b[bp + 3 * bCol];
          }
          out[o] = s0;
          out[o + 1] = s1;
          out[o + 2] = s2;
          out[o + 3] = s3;
          o += 4;
        }
        for (; j < n; j++) {
          let s = 0;
          for (let p = 0, ap = ai, bp = bBase + j * bCol; p < k; p++, ap += aCol, bp += bRow) s += a[ap] * b[bp];
          out[o++] = s;
        }
      }
    }
    return;
  }
  // Row updates: out[i, :] += A[i, p] · B[p, :] walks rows of B in order.
  // The row sums in a float64 buffer so float32 output is rounded once.
  const acc = cTile.get(n);
  for (let t = 0; t < batch; t++) {
    const aBase = aOffsets[t];
    const bBase = bOffsets[t];
    for (let i = 0; i < m; i++) {
      const ai = aBase + i * aRow;
      acc.fill(0, 0, n);
      let p = 0;
      // Four rows of B per sweep: one load and store of acc per four multiply-adds.
      for (; p + 4 <= k; p += 4) {
        const x0 = a[ai + p * aCol];
        const x1 = a[ai + (p + 1) * aCol];
        const x2 = a[ai + (p + 2) * aCol];
        const x3 = a[ai + (p + 3) * aCol];
        const b0 = bBase + p * n;
        const b1 = b0 + n;
        const b2 = b1 + n;
        const b3 = b2 + n;
        for (let j = 0; j < n; j++) acc[j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
      }
      for (; p < k; p++) {
        const x = a[ai + p * aCol];
        const bp = bBase + p * n;
        for (let j = 0; j < n; j++) acc[j] += x * b[bp + j];
      }
      const o = (t * m + i) * n;
      for (let j = 0; j < n; j++) out[o + j] = acc[j];
    }
  }
}

// ---------------------------------------------------------------------------
// Blocked float path.

function blockedMatMul(
  a: NumericArray,
  b: NumericArray,
  out: Float32Array | Float64Array,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
  batch: number,
  aOffsets: ArrayLike<number>,
  bOffsets: ArrayLike<number>,
): void {
  const nPadAll = roundUp(n, NR);
  // Column chunk of B packed at once, bounded so packed B cannot grow
  // without limit for very large k·n.
  const nChunk = nPadAll * k <= B_BUDGET ? n : Math.max(NR, Math.floor(B_BUDGET / k / NR) * NR);
  const mBlock = Math.min(MC, roundUp(m, MR));
  const pb = packedB.get(roundUp(nChunk, NR) * k);
  const pa = packedA.get(mBlock * k);
  const ct = cTile.get(mBlock * roundUp(nChunk, NR));
  // Packed B is reused across outputs that share a B matrix (broadcast),
  // which is only valid when it holds all of n.
  let packedBOffset = -1;

  for (let t = 0; t < batch; t++) {
    const aBase = aOffsets[t];
    const bBase = bOffsets[t];
    const outBase = t * m * n;
    for (let jc = 0; jc < n; jc += nChunk) {
      const nc = Math.min(nChunk, n - jc);
      const ncPad = roundUp(nc, NR);
      if (nc !== n || bBase !== packedBOffset) {
        if (transposeB) packBTransposed(b, bBase, k, jc, nc, pb);
        else packB(b, bBase, n, k, jc, nc, pb);
        packedBOffset = nc === n ? bBase : -1;
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        const mcPad = roundUp(mc, MR);
        if (transposeA) packATransposed(a, aBase, m, k, ic, mc, pa);
        else packA(a, aBase, k, ic, mc, pa);
        ct.fill(0, 0, mcPad * ncPad);
        for (let pc = 0; pc < k; pc += KC) {
          const kc = Math.min(KC, k - pc);
          for (let jr = 0; jr < ncPad; jr += NR) {
            const bo = jr * k + pc * NR;
            for (let ir = 0; ir < mcPad; ir += MR) {
              microKernel4x4(kc, pa, ir * k + pc * MR, pb, bo, ct, ir * ncPad + jr, ncPad);
            }
          }
        }
        storeTile(ct, ncPad, out, outBase + ic * n + jc, n, mc, nc);
      }
    }
  }
}

function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}

/**
 * Packs columns `[j0, j0+nc)` of a row-major `[k, n]` B into NR-wide panels,
 * each holding all of k as `[k][NR]`, zero-padding the last panel so the
 * micro-kernel never needs an edge case.
 */
function packB(b: NumericArray, base: number, n: number, k: number, j0: number, nc: number, dst: Float64Array): void {
  let d = 0;
  for (let j = 0; j < nc; j += NR) {
    const src0 = base + j0 + j;
    const w = nc - j;
    if (w >= NR) {
      for (let p = 0, s = src0; p < k; p++, s += n) {
        dst[d] = b[s];
        dst[d + 1] = b[s + 1];
        dst[d + 2] = b[s + 2];
        dst[d + 3] = b[s + 3];
        d += NR;
      }
    } else {
      for (let p = 0, s = src0; p < k; p++, s += n) {
        for (let q = 0; q < NR; q++) dst[d + q] = q < w ? b[s + q] : 0;
        d += NR;
      }
    }
  }
}

/** As {@link packB} for B stored as `[n, k]`: each column is a contiguous run. */
function packBTransposed(b: NumericArray, base: number, k: number, j0: number, nc: number, dst: Float64Array): void {
  for (let j = 0; j < nc; j += NR) {
    const panel = j * k;
    for (let q = 0; q < NR; q++) {
      let d = panel + q;
      if (j + q < nc) {
        for (let p = 0, s = base + (j0 + j + q) * k; p < k; p++, s++, d += NR) dst[d] = b[s];
      } else {
        for (let p = 0; p < k; p++, d += NR) dst[d] = 0;
      }
    }
  }
}

/**
 * Packs rows `[i0, i0+mc)` of a row-major `[m, k]` A into MR-tall panels
 * laid out `[k][MR]`, zero-padded to a multiple of MR rows.
 */
function packA(a: NumericArray, base: number, k: number, i0: number, mc: number, dst: Float64Array): void {
  for (let i = 0; i < mc; i += MR) {
    const panel = i * k;
    for (let r = 0; r < MR; r++) {
      let d = panel + r;
      if (i + r < mc) {
        for (let p = 0, s = base + (i0 + i + r) * k; p < k; p++, s++, d += MR) dst[d] = a[s];
      } else {
        for (let p = 0; p < k; p++, d += MR) dst[d] = 0;
      }
    }
  }
}

/** As {@link packA} for A stored as `[k, m]`: each packed row of MR values is contiguous. */
function packATransposed(
  a: NumericArray,
  base: number,
  m: number,
  k: number,
  i0: number,
  mc: number,
  dst: Float64Array,
): void {
  let d = 0;
  for (let i = 0; i < mc; i += MR) {
    const src0 = base + i0 + i;
    const h = mc - i;
    if (h >= MR) {
      for (let p = 0, s = src0; p < k; p++, s += m) {
        dst[d] = a[s];
        dst[d + 1] = a[s + 1];
        dst[d + 2] = a[s + 2];
        dst[d + 3] = a[s + 3];
        d += MR;
      }
    } else {
      for (let p = 0, s = src0; p < k; p++, s += m) {
        for (let r = 0; r < MR; r++) dst[d + r] = r < h ? a[s + r] : 0;
        d += MR;
      }
    }
  }
}

/**
 * The hot loop: a 4x4 block of C held in 16 locals across `kc` steps, so
 * each step does 16 multiply-adds for 8 loads. Only ever sees Float64Array
 * arguments, which keeps it monomorphic.
 */
function microKernel4x4(
  kc: number,
  pa: Float64Array,
  ao: number,
  pb: Float64Array,
  bo: number,
  c: Float64Array,
  co: number,
  ldc: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = pa[ao], a1 = pa[ao + 1], a2 = pa[ao + 2], a3 = pa[ao + 3];
    const b0 = pb[bo], b1 = pb[bo + 1], b2 = pb[bo + 2], b3 = pb[bo + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ao += MR;
    bo += NR;
  }
  c[co] += c00; c[co + 1] += c01; c[co + 2] += c02; c[co + 3] += c03;
  co += ldc;
  c[co] += c10; c[co + 1] += c11; c[co + 2] += c12; c[co + 3] += c13;
  co += ldc;
  c[co] += c20; c[co + 1] += c21; c[co + 2] += c22; c[co + 3] += c23;
  co += ldc;
  c[co] += c30; c[co + 1] += c31; c[co + 2] += c32; c[co + 3] += c33;
}

/** Copies the valid `rows x cols` corner of a tile to `out`; this is the single rounding for float32. */
function storeTile(
  tile: Float64Array,
  ldt: number,
  out: Float32Array | Float64Array,
  o: number,
  ldo: number,
  rows: number,
  cols: number,
): void {
  for (let r = 0; r < rows; r++) {
    const t = r * ldt;
    const d = o + r * ldo;
    for (let j = 0; j < cols; j++) out[d + j] = tile[t + j];
  }
}

// ---------------------------------------------------------------------------
// Int32 path: wrapping arithmetic via Math.imul. A is gathered row-major and
// B transposed so every output is a dot product of two contiguous runs.

function intMatMul(
  a: NumericArray,
  b: NumericArray,
  out: Int32Array,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
  batch: number,
  aOffsets: ArrayLike<number>,
  bOffsets: ArrayLike<number>,
): void {
  const ra = intA.get(m * k);
  const rb = intB.get(n * k);
  let gatheredA = -1;
  let gatheredB = -1;
  for (let t = 0; t < batch; t++) {
    const aBase = aOffsets[t];
    const bBase = bOffsets[t];
    if (aBase !== gatheredA) {
      // Rows of A as [m][k]; a transposed A is [k][m].
      gather(a, aBase, transposeA ? m : k, transposeA ? 1 : 0, m, k, ra);
      gatheredA = aBase;
    }
    if (bBase !== gatheredB) {
      // Columns of B as [n][k]; a non-transposed B is [k][n].
      gather(b, bBase, transposeB ? k : n, transposeB ? 0 : 1, n, k, rb);
      gatheredB = bBase;
    }
    intDots(ra, rb, out, t * m * n, m, n, k);
  }
}

/**
 * Writes `rows x k` values to `dst` as contiguous rows; `transposed` (1)
 * means source row r, element p sits at `base + p*ld + r`, else at
 * `base + r*ld + p`.
 */
function gather(
  src: NumericArray,
  base: number,
  ld: number,
  transposed: number,
  rows: number,
  k: number,
  dst: Int32Array,
): void {
  if (transposed === 0) {
    for (let r = 0, d = 0; r < rows; r++) {
      for (let p = 0, s = base + r * ld; p < k; p++) dst[d++] = src[s++];
    }
  } else {
    for (let p = 0, s = base; p < k; p++, s += ld) {
      for (let r = 0, d = p; r < rows; r++, d += k) dst[d] = src[s + r];
    }
  }
}

function intDots(ra: Int32Array, rb: Int32Array, out: Int32Array, o: number, m: number, n: number, k: number): void {
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    let j = 0;
    // Four columns per pass reuse each A element from a register.
    for (; j + 4 <= n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const x = ra[ai + p];
        s0 = (s0 + Math.imul(x, rb[b0 + p])) | 0;
        s1 = (s1 + Math.imul(x, rb[b1 + p])) | 0;
        s2 = (s2 + Math.imul(x, rb[b2 + p])) | 0;
        s3 = (s3 + Math.imul(x, rb[b3 + p])) | 0;
      }
      out[o + i * n + j] = s0;
      out[o + i * n + j + 1] = s1;
      out[o + i * n + j + 2] = s2;
      out[o + i * n + j + 3] = s3;
    }
    for (; j < n; j++) {
      const bj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s = (s + Math.imul(ra[ai + p], rb[bj + p])) | 0;
      out[o + i * n + j] = s;
    }
  }
}
