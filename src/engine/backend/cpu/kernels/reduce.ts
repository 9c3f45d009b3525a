/**
 * CPU reduction kernels.
 *
 * @internal
 * @module
 */
import { allocArray, type TypedArray } from '../../../dtype.js';
import type { KernelTable } from '../../backend.js';
import { sizeOf, stridesOf } from '../../../shape.js';

/** Sums over `axes` with an odometer over the input (general, not yet tuned). */
function reduceSum(x: TypedArray, shape: readonly number[], axes: readonly number[], out: TypedArray): void {
  const rank = shape.length;
  const outStrides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (!axes.includes(d)) {
      outStrides[d] = acc;
      acc *= shape[d];
    }
  }
  const tmp = new Float64Array(out.length);
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < x.length; i++) {
    tmp[o] += x[i];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      o += outStrides[d];
      if (idx[d] < shape[d]) break;
      o -= outStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = tmp[i];
  void stridesOf;
}

/** @internal */
export const reduceKernels: KernelTable<TypedArray> = {
  sum: ([x], { axes }, [out]) => {
    const y = allocArray(out.dtype, sizeOf(out.shape));
    reduceSum(x.data, x.shape, axes, y);
    return [y];
  },
};
