/**
 * CPU kernels of 2-D max and average pooling and their gradients, in NHWC
 * layout with TensorFlow semantics, over `Float32Array` or `Float64Array`
 * storage. Sizes and pads come from a {@link Conv2DGeometry} built by
 * `pool2dGeometry`.
 *
 * Every loop nest keeps channels innermost: NHWC stores the channels of a
 * pixel contiguously, so each window tap is one sequential sweep over a row
 * of `inChannels` values, with all index arithmetic hoisted out of it.
 *
 * @module
 */
import type { Conv2DGeometry } from '../../../conv-geometry.js';
import { ShapeError } from '../../../errors.js';
import type { FloatArray } from './conv.js';

let rowBuffer = new Float64Array(0);
let argBuffer = new Int32Array(0);

/** Per-pixel running values (max or sum) in float64, reused across calls. */
function rowScratch(size: number): Float64Array {
  if (rowBuffer.length < size) rowBuffer = new Float64Array(size);
  return rowBuffer;
}

function argScratch(size: number): Int32Array {
  if (argBuffer.length < size) argBuffer = new Int32Array(size);
  return argBuffer;
}

/** Wrong buffer sizes would silently read past data; fail loudly instead. */
function checkBuffers(op: string, g: Conv2DGeometry, ...items: [string, FloatArray, 'in' | 'out'][]): void {
  if (g.outChannels !== g.inChannels) {
    throw new ShapeError(
      `${op}: pooling keeps the channel count, got a geometry with inChannels ${g.inChannels} and outChannels ${g.outChannels}`,
    );
  }
  for (const [name, arr, side] of items) {
    const shape =
      side === 'in'
        ? [g.batch, g.inHeight, g.inWidth, g.inChannels]
        : [g.batch, g.outHeight, g.outWidth, g.outChannels];
    const n = shape[0] * shape[1] * shape[2] * shape[3];
    if (arr.length !== n) {
      throw new ShapeError(`${op}: expected ${name} of ${n} elements (shape [${shape.join(',')}]), got ${arr.length}`);
    }
  }
}

/**
 * 2-D max pooling: `out[b, oy, ox, c]` is the largest `x[b, iy, ix, c]` over the
 * in-bounds cells of the window (padding acts as `-Infinity`, so it is never
 * chosen). A NaN in the window makes the result NaN, and its gradient goes
 * to the first NaN: TensorFlow's CPU kernel is inconsistent here (its
 * forward skips NaN, yet its gradient can land on one), so laminar
 * propagates NaN, as PyTorch does, to keep bad values visible.
 *
 * @param x Input `[batch, inHeight, inWidth, channels]`.
 * @param out Output `[batch, outHeight, outWidth, channels]`; fully overwritten.
 * @param g Geometry from `pool2dGeometry`.
 * @example
 * ```ts
 * const g = pool2dGeometry('maxPool', [1, 2, 2, 1], 2, 2, 'valid');
 * const out = new Float32Array(1);
 * maxPoolKernel(Float32Array.of(1, 5, 3, 2), out, g);
 * out; // [5]
 * ```
 */
export function maxPoolKernel(x: FloatArray, out: FloatArray, g: Conv2DGeometry): void {
  checkBuffers('maxPoolKernel', g, ['x', x, 'in'], ['out', out, 'out']);
  const { batch: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dilH, dilationWidth: dilW, padTop: pt, padLeft: pl } = g;
  const best = rowScratch(C);
  for (let b = 0; b < N; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        let first = true;
        for (let fy = 0; fy < FH; fy++) {
          const iy = iy0 + fy * dilH;
          if (iy < 0 || iy >= H) continue;
          for (let fx = 0; fx < FW; fx++) {
            const ix = ix0 + fx * dilW;
            if (ix < 0 || ix >= W) continue;
            const xb = ((b * H + iy) * W + ix) * C;
            if (first) {
              for (let c = 0; c < C; c++) best[c] = x[xb + c];
              first = false;
            } else {
              // `v !== v` lets a NaN through; `v > NaN` is false, so it then stays.
              for (let c = 0; c < C; c++) {
                const v = x[xb + c];
                if (v > best[c] || v !== v) best[c] = v;
              }
            }
          }
        }
        if (first) best.fill(-Infinity, 0, C);
        const ob = ((b * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) out[ob + c] = best[c];
      }
    }
  }
}

/**
 * Gradient of {@link maxPoolKernel}: each `dy[b, oy, ox, c]` goes to the input
 * cell that was the window's maximum, the first one in row-major scan order
 * (over `fy`, then `fx`) on ties, as TensorFlow does; cells in several
 * windows sum their gradients.
 *
 * @param dy Gradient of the output, `[batch, outHeight, outWidth, channels]`.
 * @param x The forward input `[batch, inHeight, inWidth, channels]`.
 * @param dx Result `[batch, inHeight, inWidth, channels]`; fully overwritten.
 * @param g The forward pool's geometry.
 * @example
 * ```ts
 * const g = pool2dGeometry('maxPool', [1, 2, 2, 1], 2, 2, 'valid');
 * const dx = new Float32Array(4);
 * maxPoolBackpropKernel(Float32Array.of(1), Float32Array.of(5, 1, 5, 2), dx, g);
 * dx; // [1, 0, 0, 0]: the tie goes to the first 5
 * ```
 */
export function maxPoolBackpropKernel(dy: FloatArray, x: FloatArray, dx: FloatArray, g: Conv2DGeometry): void {
  checkBuffers('maxPoolBackpropKernel', g, ['dy', dy, 'out'], ['x', x, 'in'], ['dx', dx, 'in']);
  const { batch: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dilH, dilationWidth: dilW, padTop: pt, padLeft: pl } = g;
  dx.fill(0);
  const best = rowScratch(C);
  const arg = argScratch(C);
  for (let b = 0; b < N; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        let first = true;
        for (let fy = 0; fy < FH; fy++) {
          const iy = iy0 + fy * dilH;
          if (iy < 0 || iy >= H) continue;
          for (let fx = 0; fx < FW; fx++) {
            const ix = ix0 + fx * dilW;
            if (ix < 0 || ix >= W) continue;
            const xb = ((b * H + iy) * W + ix) * C;
            if (first) {
              for (let c = 0; c < C; c++) {
                best[c] = x[xb + c];
                arg[c] = xb + c;
              }
              first = false;
            } else {
              // Strict `>` keeps the first of equal maxima; the first NaN wins
              // and is never displaced, matching the forward's NaN result.
              for (let c = 0; c < C; c++) {
                const v = x[xb + c];
                const m = best[c];
                if (v > m || (v !== v && m === m)) {
                  best[c] = v;
                  arg[c] = xb + c;
                }
              }
            }
          }
        }
        if (first) continue;
        const ob = ((b * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) dx[arg[c]] += dy[ob + c];
      }
    }
  }
}

/**
 * 2-D average pooling: `out[b, oy, ox, c]` is the mean of `x[b, iy, ix, c]`
 * over the in-bounds cells of the window only; padding is not counted, as in
 * TensorFlow (so a corner window under `'same'` averages fewer cells).
 *
 * @param x Input `[batch, inHeight, inWidth, channels]`.
 * @param out Output `[batch, outHeight, outWidth, channels]`; fully overwritten.
 * @param g Geometry from `pool2dGeometry`.
 * @example
 * ```ts
 * const g = pool2dGeometry('avgPool', [1, 2, 2, 1], 2, 2, 'valid');
 * const out = new Float32Array(1);
 * avgPoolKernel(Float32Array.of(1, 2, 3, 6), out, g);
 * out; // [3]
 * ```
 */
export function avgPoolKernel(x: FloatArray, out: FloatArray, g: Conv2DGeometry): void {
  checkBuffers('avgPoolKernel', g, ['x', x, 'in'], ['out', out, 'out']);
  const { batch: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dilH, dilationWidth: dilW, padTop: pt, padLeft: pl } = g;
  const sum = rowScratch(C);
  for (let b = 0; b < N; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        sum.fill(0, 0, C);
        let count = 0;
        for (let fy = 0; fy < FH; fy++) {
          const iy = iy0 + fy * dilH;
          if (iy < 0 || iy >= H) continue;
          for (let fx = 0; fx < FW; fx++) {
            const ix = ix0 + fx * dilW;
            if (ix < 0 || ix >= W) continue;
            const xb = ((b * H + iy) * W + ix) * C;
            for (let c = 0; c < C; c++) sum[c] += x[xb + c];
            count++;
          }
        }
        // pool2dGeometry guarantees count >= 1; a window entirely in padding
        // (only possible with a hand-made geometry) averages to NaN.
        const inv = 1 / count;
        const ob = ((b * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) out[ob + c] = sum[c] * inv;
      }
    }
  }
}

/**
 * Gradient of {@link avgPoolKernel}: each `dy[b, oy, ox, c]` is shared
 * equally among the in-bounds cells of its window.
 *
 * @param dy Gradient of the output, `[batch, outHeight, outWidth, channels]`.
 * @param dx Result `[batch, inHeight, inWidth, channels]`; fully overwritten.
 * @param g The forward pool's geometry.
 * @example
 * ```ts
 * const g = pool2dGeometry('avgPool', [1, 2, 2, 1], 2, 2, 'valid');
 * const dx = new Float32Array(4);
 * avgPoolBackpropKernel(Float32Array.of(8), dx, g);
 * dx; // [2, 2, 2, 2]
 * ```
 */
export function avgPoolBackpropKernel(dy: FloatArray, dx: FloatArray, g: Conv2DGeometry): void {
  checkBuffers('avgPoolBackpropKernel', g, ['dy', dy, 'out'], ['dx', dx, 'in']);
  const { batch: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dilH, dilationWidth: dilW, padTop: pt, padLeft: pl } = g;
  dx.fill(0);
  const share = rowScratch(C);
  for (let b = 0; b < N; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * sh - pt;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * sw - pl;
        let count = 0;
        for (let fy = 0; fy < FH; fy++) {
          const iy = iy0 + fy * dilH;
          if (iy < 0 || iy >= H) continue;
          for (let fx = 0; fx < FW; fx++) {
            const ix = ix0 + fx * dilW;
            if (ix >= 0 && ix < W) count++;
          }
        }
        if (count === 0) continue;
        const inv = 1 / count;
        const ob = ((b * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) share[c] = dy[ob + c] * inv;
        for (let fy = 0; fy < FH; fy++) {
          const iy = iy0 + fy * dilH;
          if (iy < 0 || iy >= H) continue;
          for (let fx = 0; fx < FW; fx++) {
            const ix = ix0 + fx * dilW;
            if (ix < 0 || ix >= W) continue;
            const xb = ((b * H + iy) * W + ix) * C;
            for (let c = 0; c < C; c++) dx[xb + c] += share[c];
          }
        }
      }
    }
  }
}
