/**
 * CPU kernels of 2-D convolution (regular and depthwise) and their
 * gradients, in NHWC layout with TensorFlow semantics, over `Float32Array`
 * or `Float64Array` storage. Sizes, strides, dilations and pads all come from
 * a {@link Conv2DGeometry} built by `conv-geometry.ts`.
 *
 * Regular convolutions run as a matrix product on im2col patches, through
 * one 4x4 register-blocked micro-kernel over packed `Float64Array` panels:
 * every hot loop then sees a single array type (V8 specialises on it), reads
 * two sequential streams, and keeps 16 accumulators in registers. On
 * x [8,28,28,32] * filter [3,3,32,64] that measured ~60 ms against ~115 ms
 * for the best direct loop nest tried (output channels innermost, four input
 * channels per pass, float64 accumulator row) and ~280 ms for the plain
 * channel-innermost axpy, which loads and stores the output row for every
 * multiply-add. Accumulating in float64 also makes float32 results more
 * accurate than float32 accumulation would.
 *
 * Depthwise convolutions have too little work per output for a matrix
 * product; they loop directly with channels innermost (contiguous in NHWC).
 *
 * Kernels are synchronous and share module-level scratch buffers, grown on
 * demand and reused across calls.
 *
 * @module
 */
import type { Conv2DGeometry } from '../../../conv-geometry.js';
import { ShapeError } from '../../../errors.js';

/**
 * The storage a float tensor uses on the CPU backend.
 *
 * @example
 * ```ts
 * const data: FloatArray = new Float32Array(16);
 * ```
 */
export type FloatArray = Float32Array | Float64Array;

/**
 * Reduction (K) block: a 4-row packed A panel of this many steps is 16 KiB,
 * so it stays in L1 while the B panels stream from L2; 512 also keeps the
 * common 3x3x32 (K = 288) and 3x3x64 (K = 576, two passes) cheap.
 */
const KC = 512;
/** Columns per N block: KC x NC doubles (256 KiB) of packed B stay in L2. */
const NC = 64;
/** Rows per M block of the filter gradient: 64 x K im2col rows sit in L2. */
const MC = 64;
/** Scratch buffers beyond this many doubles are not kept between calls. */
const RETAIN_LIMIT = 1 << 22;

const scratchBuffers: Float64Array[] = [];

/**
 * A reusable Float64Array of at least `size` elements for slot `slot`, so
 * repeated calls (every training step) do not churn the allocator. Contents
 * are garbage: callers initialise what they read.
 */
function scratch(slot: number, size: number): Float64Array {
  const cur = scratchBuffers[slot];
  if (cur !== undefined && cur.length >= size) return cur;
  const buf = new Float64Array(size);
  if (size <= RETAIN_LIMIT) scratchBuffers[slot] = buf;
  return buf;
}

const S_A = 0;
const S_B = 1;
const S_ACC = 2;
const S_C = 3;

/**
 * `acc[accOff + 4 r + c] += sum_i a[ao + i*as + r] * b[bo + i*bs + c]` for
 * r, c < 4: with {@link micro4x4Store}, where convolution time goes. Both operands advance
 * by a stride so the same code serves packed panels (stride 4) and plain
 * row-major chunks (stride = row length).
 */
function micro4x4(
  a: Float64Array, ao: number, as: number,
  b: Float64Array, bo: number, bs: number,
  len: number, acc: Float64Array, accOff: number,
): void {
  let c00 = acc[accOff], c01 = acc[accOff + 1], c02 = acc[accOff + 2], c03 = acc[accOff + 3];
  let c10 = acc[accOff + 4], c11 = acc[accOff + 5], c12 = acc[accOff + 6], c13 = acc[accOff + 7];
  let c20 = acc[accOff + 8], c21 = acc[accOff + 9], c22 = acc[accOff + 10], c23 = acc[accOff + 11];
  let c30 = acc[accOff + 12], c31 = acc[accOff + 13], c32 = acc[accOff + 14], c33 = acc[accOff + 15];
  for (let i = 0; i < len; i++) {
    const a0 = a[ao], a1 = a[ao + 1], a2 = a[ao + 2], a3 = a[ao + 3];
    const b0 = b[bo], b1 = b[bo + 1], b2 = b[bo + 2], b3 = b[bo + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ao += as;
    bo += bs;
  }
  acc[accOff] = c00; acc[accOff + 1] = c01; acc[accOff + 2] = c02; acc[accOff + 3] = c03;
  acc[accOff + 4] = c10; acc[accOff + 5] = c11; acc[accOff + 6] = c12; acc[accOff + 7] = c13;
  acc[accOff + 8] = c20; acc[accOff + 9] = c21; acc[accOff + 10] = c22; acc[accOff + 11] = c23;
  acc[accOff + 12] = c30; acc[accOff + 13] = c31; acc[accOff + 14] = c32; acc[accOff + 15] = c33;
}

/**
 * {@link micro4x4} for a full output tile that goes straight to `out` rows
 * `o, o + ldo, ...` (overwriting, or adding when `add`): with a short
 * reduction (a first layer has K = 25) the round trip through an `acc`
 * buffer would cost a quarter of the time.
 */
function micro4x4Store(
  a: Float64Array, ao: number,
  b: Float64Array, bo: number,
  len: number, out: FloatArray, o: number, ldo: number, add: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (const end = ao + 4 * len; ao < end; ao += 4, bo += 4) {
    const a0 = a[ao], a1 = a[ao + 1], a2 = a[ao + 2], a3 = a[ao + 3];
    const b0 = b[bo], b1 = b[bo + 1], b2 = b[bo + 2], b3 = b[bo + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (add) {
    c00 += out[o]; c01 += out[o + 1]; c02 += out[o + 2]; c03 += out[o + 3];
    c10 += out[o + ldo]; c11 += out[o + ldo + 1]; c12 += out[o + ldo + 2]; c13 += out[o + ldo + 3];
    c20 += out[o + 2 * ldo]; c21 += out[o + 2 * ldo + 1]; c22 += out[o + 2 * ldo + 2]; c23 += out[o + 2 * ldo + 3];
    c30 += out[o + 3 * ldo]; c31 += out[o + 3 * ldo + 1]; c32 += out[o + 3 * ldo + 2]; c33 += out[o + 3 * ldo + 3];
  }
  out[o] = c00; out[o + 1] = c01; out[o + 2] = c02; out[o + 3] = c03;
  o += ldo;
  out[o] = c10; out[o + 1] = c11; out[o + 2] = c12; out[o + 3] = c13;
  o += ldo;
  out[o] = c20; out[o + 1] = c21; out[o + 2] = c22; out[o + 3] = c23;
  o += ldo;
  out[o] = c30; out[o + 1] = c31; out[o + 2] = c32; out[o + 3] = c33;
}

/**
 * Writes the im2col row of output pixel `m`, restricted to patch columns
 * `[k0, k0 + kl)`, to `dst[base + (k - k0) * step]`. Padding reads as 0.
 * Patch column `k` is `(fy * filterWidth + fx) * inChannels + ci`, matching
 * the filter's `[fh, fw, inC, :]` row order.
 */
function im2colRow(
  x: FloatArray, g: Conv2DGeometry, m: number, k0: number, kl: number,
  dst: Float64Array, base: number, step: number,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterWidth: FW } = g;
  // `| 0` keeps this in integer arithmetic; `%` on a quotient V8 sees as a
  // double becomes a slow floating-point remainder.
  const q = (m / OW) | 0;
  const ox = m - q * OW;
  const b = (q / OH) | 0;
  const oy = q - b * OH;
  const iy0 = oy * g.strideHeight - g.padTop;
  const ix0 = ox * g.strideWidth - g.padLeft;
  const kEnd = k0 + kl;
  // Divide once, then step (fy, fx): with few channels (a first layer) a
  // division per tap would cost as much as the copying.
  const tap0 = (k0 / C) | 0;
  let ci0 = k0 - tap0 * C;
  let fy = (tap0 / FW) | 0;
  let fx = tap0 - fy * FW;
  let k = k0;
  let d = base;
  while (k < kEnd) {
    const n = Math.min(C - ci0, kEnd - k);
    const iy = iy0 + fy * g.dilationHeight;
    const ix = ix0 + fx * g.dilationWidth;
    if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
      const xb = ((b * H + iy) * W + ix) * C + ci0;
      for (let i = 0; i < n; i++, d += step) dst[d] = x[xb + i];
    } else {
      for (let i = 0; i < n; i++, d += step) dst[d] = 0;
    }
    k += n;
    ci0 = 0;
    if (++fx === FW) {
      fx = 0;
      fy++;
    }
  }
}

/** The adjoint of {@link im2colRow}: adds `src[base + k - k0]` into the x cell that patch column `k` of pixel `m` reads. */
function col2imRowAdd(
  src: Float64Array, base: number, m: number, k0: number, kl: number, dx: FloatArray, g: Conv2DGeometry,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterWidth: FW } = g;
  // `| 0` keeps this in integer arithmetic; `%` on a quotient V8 sees as a
  // double becomes a slow floating-point remainder.
  const q = (m / OW) | 0;
  const ox = m - q * OW;
  const b = (q / OH) | 0;
  const oy = q - b * OH;
  const iy0 = oy * g.strideHeight - g.padTop;
  const ix0 = ox * g.strideWidth - g.padLeft;
  const kEnd = k0 + kl;
  const tap0 = (k0 / C) | 0;
  let ci0 = k0 - tap0 * C;
  let fy = (tap0 / FW) | 0;
  let fx = tap0 - fy * FW;
  let k = k0;
  let s = base;
  while (k < kEnd) {
    const n = Math.min(C - ci0, kEnd - k);
    const iy = iy0 + fy * g.dilationHeight;
    const ix = ix0 + fx * g.dilationWidth;
    if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
      const xb = ((b * H + iy) * W + ix) * C + ci0;
      for (let i = 0; i < n; i++) dx[xb + i] += src[s + i];
    }
    s += n;
    k += n;
    ci0 = 0;
    if (++fx === FW) {
      fx = 0;
      fy++;
    }
  }
}

function checkLength(op: string, name: string, arr: FloatArray, expected: number, shape: readonly number[]): void {
  if (arr.length !== expected) {
    throw new ShapeError(
      `${op}: expected ${name} of ${expected} elements (shape [${shape.join(',')}]), got ${arr.length}`,
    );
  }
}

const xShapeOf = (g: Conv2DGeometry): number[] => [g.batch, g.inHeight, g.inWidth, g.inChannels];
const yShapeOf = (g: Conv2DGeometry): number[] => [g.batch, g.outHeight, g.outWidth, g.outChannels];
const convFilterShapeOf = (g: Conv2DGeometry): number[] => [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];
const depthwiseFilterShapeOf = (g: Conv2DGeometry): number[] => [g.filterHeight, g.filterWidth, g.inChannels, g.channelMultiplier];
const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Wrong buffer sizes would silently read past data; fail loudly instead. */
function checkBuffers(op: string, ...items: [string, FloatArray, number[]][]): void {
  for (const [name, arr, shape] of items) checkLength(op, name, arr, count(shape), shape);
}

/** `dst[(p * rows + r) * 4 + j] = src[r * cols + 4 p + j]`: 4-wide column panels, zero-padded. */
function packColumnPanels(src: FloatArray, rows: number, cols: number, dst: Float64Array): void {
  const np = Math.ceil(cols / 4);
  for (let p = 0; p < np; p++) {
    const c0 = p * 4;
    const w = Math.min(4, cols - c0);
    let d = p * rows * 4;
    for (let r = 0; r < rows; r++, d += 4) {
      const s = r * cols + c0;
      for (let j = 0; j < 4; j++) dst[d + j] = j < w ? src[s + j] : 0;
    }
  }
}

/** `dst[(p * cols + c) * 4 + j] = src[(4 p + j) * cols + c]`: 4-row panels of the transpose, zero-padded. */
function packRowPanels(src: FloatArray, rows: number, cols: number, dst: Float64Array): void {
  const np = Math.ceil(rows / 4);
  for (let p = 0; p < np; p++) {
    for (let j = 0; j < 4; j++) {
      const r = p * 4 + j;
      let d = p * cols * 4 + j;
      if (r < rows) {
        const s = r * cols;
        for (let c = 0; c < cols; c++, d += 4) dst[d] = src[s + c];
      } else {
        for (let c = 0; c < cols; c++, d += 4) dst[d] = 0;
      }
    }
  }
}

/**
 * 2-D convolution: `out[b, oy, ox, co] = sum over fy, fx, ci of
 * x[b, oy*sh - padTop + fy*dh, ox*sw - padLeft + fx*dw, ci] * filter[fy, fx, ci, co]`,
 * padding reading as 0 (TensorFlow `conv2d`, NHWC).
 *
 * @param x Input `[batch, inHeight, inWidth, inChannels]`.
 * @param filter Filter `[filterHeight, filterWidth, inChannels, outChannels]`.
 * @param out Output `[batch, outHeight, outWidth, outChannels]`; fully overwritten.
 * @param g Geometry from `conv2dGeometry(..., 'conv')`.
 * @example
 * ```ts
 * const g = conv2dGeometry('conv2d', [1, 3, 3, 1], [2, 2, 1, 1], 1, 'valid', 1, 'conv');
 * const out = new Float32Array(4);
 * conv2dKernel(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), Float32Array.of(1, 0, 0, 1), out, g);
 * out; // [6, 8, 12, 14]
 * ```
 */
export function conv2dKernel(x: FloatArray, filter: FloatArray, out: FloatArray, g: Conv2DGeometry): void {
  checkBuffers('conv2dKernel', ['x', x, xShapeOf(g)], ['filter', filter, convFilterShapeOf(g)], ['out', out, yShapeOf(g)]);
  const CO = g.outChannels;
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const M = g.batch * g.outHeight * g.outWidth;
  if (M === 0 || CO === 0) return;
  if (K === 0) {
    out.fill(0);
    return;
  }
  const np = Math.ceil(CO / 4);
  const bp = scratch(S_B, np * K * 4);
  packColumnPanels(filter, K, CO, bp);
  const ap = scratch(S_A, Math.min(K, KC) * 4);
  const acc = scratch(S_ACC, 16);
  const panelsPerBlock = NC / 4;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kl = Math.min(KC, K - k0);
    const first = k0 === 0;
    for (let p0 = 0; p0 < np; p0 += panelsPerBlock) {
      const p1 = Math.min(np, p0 + panelsPerBlock);
      for (let m0 = 0; m0 < M; m0 += 4) {
        const rows = Math.min(4, M - m0);
        for (let r = 0; r < 4; r++) {
          if (r < rows) im2colRow(x, g, m0 + r, k0, kl, ap, r, 4);
          else for (let i = 0; i < kl; i++) ap[i * 4 + r] = 0;
        }
        for (let p = p0; p < p1; p++) {
          const co = p * 4;
          const cols = Math.min(4, CO - co);
          if (rows === 4 && cols === 4) {
            micro4x4Store(ap, 0, bp, (p * K + k0) * 4, kl, out, m0 * CO + co, CO, !first);
            continue;
          }
          acc.fill(0, 0, 16);
          micro4x4(ap, 0, 4, bp, (p * K + k0) * 4, 4, kl, acc, 0);
          for (let r = 0; r < rows; r++) {
            const o = (m0 + r) * CO + co;
            if (first) for (let j = 0; j < cols; j++) out[o + j] = acc[r * 4 + j];
            else for (let j = 0; j < cols; j++) out[o + j] += acc[r * 4 + j];
          }
        }
      }
    }
  }
}

/**
 * Gradient of {@link conv2dKernel} with respect to `x`:
 * `dx[b, iy, ix, ci] = sum of dy[b, oy, ox, co] * filter[fy, fx, ci, co]` over
 * every output cell and tap that read `x[b, iy, ix, ci]`. With the geometry
 * from `conv2dTransposeGeometry` this is also the transposed convolution
 * (`dy` is then the transpose's input and `dx` its result).
 *
 * @param dy Gradient of the output, `[batch, outHeight, outWidth, outChannels]`.
 * @param filter Filter `[filterHeight, filterWidth, inChannels, outChannels]`.
 * @param dx Result `[batch, inHeight, inWidth, inChannels]`; fully overwritten.
 * @param g The forward convolution's geometry.
 * @example
 * ```ts
 * const g = conv2dGeometry('conv2d', [1, 3, 3, 1], [2, 2, 1, 1], 1, 'valid', 1, 'conv');
 * const dx = new Float32Array(9);
 * conv2dBackpropInputKernel(Float32Array.of(1, 1, 1, 1), Float32Array.of(1, 2, 3, 4), dx, g);
 * dx; // [1, 3, 2, 4, 10, 6, 3, 7, 4]
 * ```
 */
export function conv2dBackpropInputKernel(dy: FloatArray, filter: FloatArray, dx: FloatArray, g: Conv2DGeometry): void {
  checkBuffers('conv2dBackpropInputKernel', ['dy', dy, yShapeOf(g)], ['filter', filter, convFilterShapeOf(g)], ['dx', dx, xShapeOf(g)]);
  dx.fill(0);
  const CO = g.outChannels;
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const M = g.batch * g.outHeight * g.outWidth;
  if (M === 0 || K === 0 || CO === 0) return;
  const np = Math.ceil(K / 4);
  const kp = np * 4;
  // Filter rows k = (tap, ci) become 4-row panels of W^T, so the reduction
  // over output channels reads both operands sequentially.
  const wt = scratch(S_B, np * CO * 4);
  packRowPanels(filter, K, CO, wt);
  const ap = scratch(S_A, Math.min(CO, KC) * 4);
  // Patch gradients of 4 output pixels ([4][kp]); col2im then adds each
  // tap's run of channels to dx in one sequential sweep, instead of looking
  // up a destination per element.
  const dcol = scratch(S_C, 4 * kp);
  const panelsPerBlock = NC / 4;
  for (let c0 = 0; c0 < CO; c0 += KC) {
    const cl = Math.min(KC, CO - c0);
    for (let p0 = 0; p0 < np; p0 += panelsPerBlock) {
      const p1 = Math.min(np, p0 + panelsPerBlock);
      const k0 = p0 * 4;
      const kl = Math.min(p1 * 4, K) - k0;
      for (let m0 = 0; m0 < M; m0 += 4) {
        const rows = Math.min(4, M - m0);
        for (let r = 0; r < 4; r++) {
          if (r < rows) {
            const s = (m0 + r) * CO + c0;
            for (let i = 0; i < cl; i++) ap[i * 4 + r] = dy[s + i];
          } else {
            for (let i = 0; i < cl; i++) ap[i * 4 + r] = 0;
          }
        }
        for (let p = p0; p < p1; p++) {
          micro4x4Store(ap, 0, wt, (p * CO + c0) * 4, cl, dcol, p * 4, kp, false);
        }
        for (let r = 0; r < rows; r++) col2imRowAdd(dcol, r * kp + k0, m0 + r, k0, kl, dx, g);
      }
    }
  }
}

/**
 * Gradient of {@link conv2dKernel} with respect to the filter:
 * `dw[fy, fx, ci, co] = sum over b, oy, ox of x[b, iy, ix, ci] * dy[b, oy, ox, co]`
 * with `iy = oy*sh - padTop + fy*dh`, `ix = ox*sw - padLeft + fx*dw` (padding
 * contributes 0).
 *
 * @param x Input `[batch, inHeight, inWidth, inChannels]`.
 * @param dy Gradient of the output, `[batch, outHeight, outWidth, outChannels]`.
 * @param dw Result `[filterHeight, filterWidth, inChannels, outChannels]`; fully overwritten.
 * @param g The forward convolution's geometry.
 * @example
 * ```ts
 * const g = conv2dGeometry('conv2d', [1, 3, 3, 1], [2, 2, 1, 1], 1, 'valid', 1, 'conv');
 * const dw = new Float32Array(4);
 * conv2dBackpropFilterKernel(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), Float32Array.of(1, 1, 1, 1), dw, g);
 * dw; // [12, 16, 24, 28]
 * ```
 */
export function conv2dBackpropFilterKernel(x: FloatArray, dy: FloatArray, dw: FloatArray, g: Conv2DGeometry): void {
  checkBuffers('conv2dBackpropFilterKernel', ['x', x, xShapeOf(g)], ['dy', dy, yShapeOf(g)], ['dw', dw, convFilterShapeOf(g)]);
  const CO = g.outChannels;
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const M = g.batch * g.outHeight * g.outWidth;
  if (K === 0 || CO === 0) return;
  const npk = Math.ceil(K / 4);
  const npc = Math.ceil(CO / 4);
  const kp = npk * 4;
  const cp = npc * 4;
  // dw is a K x CO matrix reduced over all M output pixels: keep it as
  // float64 4x4 tiles that the micro-kernel accumulates in place, and stream
  // the reduction in MC-row chunks of im2col(x) and dy.
  const tiles = scratch(S_C, npk * npc * 16);
  tiles.fill(0, 0, npk * npc * 16);
  const col = scratch(S_A, Math.min(MC, Math.max(M, 1)) * kp);
  const dyc = scratch(S_B, Math.min(MC, Math.max(M, 1)) * cp);
  for (let m0 = 0; m0 < M; m0 += MC) {
    const ml = Math.min(MC, M - m0);
    for (let i = 0; i < ml; i++) {
      im2colRow(x, g, m0 + i, 0, K, col, i * kp, 1);
      for (let k = K; k < kp; k++) col[i * kp + k] = 0;
      const s = (m0 + i) * CO;
      const d = i * cp;
      for (let c = 0; c < CO; c++) dyc[d + c] = dy[s + c];
      for (let c = CO; c < cp; c++) dyc[d + c] = 0;
    }
    for (let pk = 0; pk < npk; pk++) {
      for (let pc = 0; pc < npc; pc++) {
        micro4x4(col, pk * 4, kp, dyc, pc * 4, cp, ml, tiles, (pk * npc + pc) * 16);
      }
    }
  }
  for (let k = 0; k < K; k++) {
    const t = (k >> 2) * npc * 16 + (k & 3) * 4;
    const o = k * CO;
    for (let co = 0; co < CO; co++) dw[o + co] = tiles[t + (co >> 2) * 16 + (co & 3)];
  }
}

/**
 * Depthwise 2-D convolution: every input channel `c` is convolved with its
 * own `channelMultiplier` filters, giving output channels `c * multiplier + q`
 * (TensorFlow `depthwiseConv2dNative`, NHWC).
 *
 * @param x Input `[batch, inHeight, inWidth, inChannels]`.
 * @param filter Filter `[filterHeight, filterWidth, inChannels, channelMultiplier]`.
 * @param out Output `[batch, outHeight, outWidth, inChannels * channelMultiplier]`; fully overwritten.
 * @param g Geometry from `conv2dGeometry(..., 'depthwise')`.
 * @example
 * ```ts
 * const g = conv2dGeometry('depthwiseConv2d', [1, 1, 1, 2], [1, 1, 2, 2], 1, 'valid', 1, 'depthwise');
 * const out = new Float32Array(4);
 * depthwiseConv2dKernel(Float32Array.of(1, 10), Float32Array.of(1, 2, 3, 4), out, g);
 * out; // [1, 2, 30, 40]
 * ```
 */
export function depthwiseConv2dKernel(x: FloatArray, filter: FloatArray, out: FloatArray, g: Conv2DGeometry): void {
  checkBuffers('depthwiseConv2dKernel', ['x', x, xShapeOf(g)], ['filter', filter, depthwiseFilterShapeOf(g)], ['out', out, yShapeOf(g)]);
  const { batch: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dilH, dilationWidth: dilW, padTop: pt, padLeft: pl } = g;
  const mul = g.channelMultiplier;
  if (CO === 0) return;
  // A float64 copy of the (small) filter and a float64 accumulator row:
  // results are summed in double precision whatever the storage.
  const wf = scratch(S_B, filter.length);
  for (let i = 0; i < filter.length; i++) wf[i] = filter[i];
  const acc = scratch(S_ACC, CO);
  for (let b = 0; b < N; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        acc.fill(0, 0, CO);
        for (let fy = 0; fy < FH; fy++) {
          const iy = iy0 + fy * dilH;
          if (iy < 0 || iy >= H) continue;
          for (let fx = 0; fx < FW; fx++) {
            const ix = ix0 + fx * dilW;
            if (ix < 0 || ix >= W) continue;
            const xb = ((b * H + iy) * W + ix) * C;
            const wb = (fy * FW + fx) * CO;
            if (mul === 1) {
              for (let c = 0; c < C; c++) acc[c] += x[xb + c] * wf[wb + c];
            } else {
              for (let c = 0; c < C; c++) {
                const xv = x[xb + c];
                const o = c * mul;
                for (let q = 0; q < mul; q++) acc[o + q] += xv * wf[wb + o + q];
              }
            }
          }
        }
        const ob = ((b * OH + oy) * OW + ox) * CO;
        for (let j = 0; j < CO; j++) out[ob + j] = acc[j];
      }
    }
  }
}

/**
 * Gradient of {@link depthwiseConv2dKernel} with respect to `x`:
 * `dx[b, iy, ix, c] = sum of dy[b, oy, ox, c*m + q] * filter[fy, fx, c, q]` over
 * the output cells and taps that read `x[b, iy, ix, c]`.
 *
 * @param dy Gradient of the output, `[batch, outHeight, outWidth, inChannels * channelMultiplier]`.
 * @param filter Filter `[filterHeight, filterWidth, inChannels, channelMultiplier]`.
 * @param dx Result `[batch, inHeight, inWidth, inChannels]`; fully overwritten.
 * @param g The forward convolution's geometry.
 * @example
 * ```ts
 * const g = conv2dGeometry('depthwiseConv2d', [1, 1, 1, 2], [1, 1, 2, 2], 1, 'valid', 1, 'depthwise');
 * const dx = new Float32Array(2);
 * depthwiseConv2dBackpropInputKernel(Float32Array.of(1, 1, 1, 1), Float32Array.of(1, 2, 3, 4), dx, g);
 * dx; // [3, 7]
 * ```
 */
export function depthwiseConv2dBackpropInputKernel(dy: FloatArray, filter: FloatArray, dx: FloatArray, g: Conv2DGeometry): void {
  checkBuffers('depthwiseConv2dBackpropInputKernel', ['dy', dy, yShapeOf(g)], ['filter', filter, depthwiseFilterShapeOf(g)], ['dx', dx, xShapeOf(g)]);
  const { batch: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dilH, dilationWidth: dilW, padTop: pt, padLeft: pl } = g;
  const mul = g.channelMultiplier;
  dx.fill(0);
  if (CO === 0) return;
  const wf = scratch(S_B, filter.length);
  for (let i = 0; i < filter.length; i++) wf[i] = filter[i];
  const dyr = scratch(S_ACC, CO);
  for (let b = 0; b < N; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        const ob = ((b * OH + oy) * OW + ox) * CO;
        for (let j = 0; j < CO; j++) dyr[j] = dy[ob + j];
        for (let fy = 0; fy < FH; fy++) {
          const iy = iy0 + fy * dilH;
          if (iy < 0 || iy >= H) continue;
          for (let fx = 0; fx < FW; fx++) {
            const ix = ix0 + fx * dilW;
            if (ix < 0 || ix >= W) continue;
            const xb = ((b * H + iy) * W + ix) * C;
            const wb = (fy * FW + fx) * CO;
            if (mul === 1) {
              for (let c = 0; c < C; c++) dx[xb + c] += dyr[c] * wf[wb + c];
            } else {
              for (let c = 0; c < C; c++) {
                const o = c * mul;
                let s = 0;
                for (let q = 0; q < mul; q++) s += dyr[o + q] * wf[wb + o + q];
                dx[xb + c] += s;
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Gradient of {@link depthwiseConv2dKernel} with respect to the filter:
 * `dw[fy, fx, c, q] = sum over b, oy, ox of x[b, iy, ix, c] * dy[b, oy, ox, c*m + q]`.
 *
 * @param x Input `[batch, inHeight, inWidth, inChannels]`.
 * @param dy Gradient of the output, `[batch, outHeight, outWidth, inChannels * channelMultiplier]`.
 * @param dw Result `[filterHeight, filterWidth, inChannels, channelMultiplier]`; fully overwritten.
 * @param g The forward convolution's geometry.
 * @example
 * ```ts
 * const g = conv2dGeometry('depthwiseConv2d', [1, 1, 1, 2], [1, 1, 2, 2], 1, 'valid', 1, 'depthwise');
 * const dw = new Float32Array(4);
 * depthwiseConv2dBackpropFilterKernel(Float32Array.of(1, 10), Float32Array.of(1, 2, 3, 4), dw, g);
 * dw; // [1, 2, 30, 40]
 * ```
 */
export function depthwiseConv2dBackpropFilterKernel(x: FloatArray, dy: FloatArray, dw: FloatArray, g: Conv2DGeometry): void {
  checkBuffers('depthwiseConv2dBackpropFilterKernel', ['x', x, xShapeOf(g)], ['dy', dy, yShapeOf(g)], ['dw', dw, depthwiseFilterShapeOf(g)]);
  const { batch: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO, filterHeight: FH, filterWidth: FW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dilH, dilationWidth: dilW, padTop: pt, padLeft: pl } = g;
  const mul = g.channelMultiplier;
  const acc = scratch(S_C, dw.length);
  acc.fill(0, 0, dw.length);
  const dyr = scratch(S_ACC, CO);
  for (let b = 0; b < N; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        const ob = ((b * OH + oy) * OW + ox) * CO;
        for (let j = 0; j < CO; j++) dyr[j] = dy[ob + j];
        for (let fy = 0; fy < FH; fy++) {
          const iy = iy0 + fy * dilH;
          if (iy < 0 || iy >= H) continue;
          for (let fx = 0; fx < FW; fx++) {
            const ix = ix0 + fx * dilW;
            if (ix < 0 || ix >= W) continue;
            const xb = ((b * H + iy) * W + ix) * C;
            const wb = (fy * FW + fx) * CO;
            if (mul === 1) {
              for (let c = 0; c < C; c++) acc[wb + c] += x[xb + c] * dyr[c];
            } else {
              for (let c = 0; c < C; c++) {
                const xv = x[xb + c];
                const o = c * mul;
                for (let q = 0; q < mul; q++) acc[wb + o + q] += xv * dyr[o + q];
              }
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < dw.length; i++) dw[i] = acc[i];
}
