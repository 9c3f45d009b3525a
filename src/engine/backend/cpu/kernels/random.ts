/**
 * CPU kernels: random family. The key arrives in the params (drawn once by
 * the op's public function), so these are pure functions of (key, index)
 * and match any other backend that implements the stream contract of
 * `engine/random.ts`. The op has validated the bounds and dtype.
 *
 * @internal
 * @module
 */
import type { TypedArray } from '../../../dtype.js';
import { cpuAlloc } from '../alloc.js';
import { fillNormal, fillTruncatedNormal, fillUniform } from '../../../random.js';
import { sizeOf } from '../../../shape.js';
import type { KernelTable } from '../../backend.js';

/** @internal */
export const randomKernels: KernelTable<TypedArray> = {
  randomUniform: (_inputs, { key, minval, maxval }, [out]) => {
    const values = cpuAlloc(out.dtype, sizeOf(out.shape)) as Float32Array | Float64Array | Int32Array;
    fillUniform(values, key, minval, maxval);
    return [values];
  },
  randomNormal: (_inputs, { key, mean, stdDev }, [out]) => {
    const values = cpuAlloc(out.dtype, sizeOf(out.shape)) as Float32Array | Float64Array;
    fillNormal(values, key, mean, stdDev);
    return [values];
  },
  truncatedNormal: (_inputs, { key, mean, stdDev }, [out]) => {
    const values = cpuAlloc(out.dtype, sizeOf(out.shape)) as Float32Array | Float64Array;
    fillTruncatedNormal(values, key, mean, stdDev);
    return [values];
  },
};
