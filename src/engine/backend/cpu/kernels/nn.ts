/**
 * CPU kernels: nn family. Each wraps one of the loop nests in `conv.ts` and
 * `pool.ts`, which take the geometry the op resolved in `prepare`; the op's
 * inference rule has already checked that inputs are float and shaped as the
 * geometry says, and rank-3 inputs are a batch of one, which is the same
 * flat data.
 *
 * @internal
 * @module
 */
import type { TypedArray } from '../../../dtype.js';
import { cpuAlloc } from '../alloc.js';
import { sizeOf } from '../../../shape.js';
import type { KernelTable, TensorMeta } from '../../backend.js';
import {
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  conv2dKernel,
  depthwiseConv2dBackpropFilterKernel,
  depthwiseConv2dBackpropInputKernel,
  depthwiseConv2dKernel,
  type FloatArray,
} from './conv.js';
import { avgPoolBackpropKernel, avgPoolKernel, maxPoolBackpropKernel, maxPoolKernel } from './pool.js';

/** A new output buffer; the op's inference rule guarantees a float dtype. */
function floatOut(meta: TensorMeta): FloatArray {
  return cpuAlloc(meta.dtype, sizeOf(meta.shape)) as FloatArray;
}

const f = (data: TypedArray): FloatArray => data as FloatArray;

/** @internal */
export const nnKernels: KernelTable<TypedArray> = {
  conv2d: ([x, filter], g, [out]) => {
    const y = floatOut(out);
    conv2dKernel(f(x.data), f(filter.data), y, g);
    return [y];
  },
  conv2dBackpropInput: ([dy, filter], g, [out]) => {
    const dx = floatOut(out);
    conv2dBackpropInputKernel(f(dy.data), f(filter.data), dx, g);
    return [dx];
  },
  conv2dBackpropFilter: ([x, dy], g, [out]) => {
    const dw = floatOut(out);
    conv2dBackpropFilterKernel(f(x.data), f(dy.data), dw, g);
    return [dw];
  },
  depthwiseConv2d: ([x, filter], g, [out]) => {
    const y = floatOut(out);
    depthwiseConv2dKernel(f(x.data), f(filter.data), y, g);
    return [y];
  },
  depthwiseConv2dBackpropInput: ([dy, filter], g, [out]) => {
    const dx = floatOut(out);
    depthwiseConv2dBackpropInputKernel(f(dy.data), f(filter.data), dx, g);
    return [dx];
  },
  depthwiseConv2dBackpropFilter: ([x, dy], g, [out]) => {
    const dw = floatOut(out);
    depthwiseConv2dBackpropFilterKernel(f(x.data), f(dy.data), dw, g);
    return [dw];
  },
  maxPool: ([x], g, [out]) => {
    const y = floatOut(out);
    maxPoolKernel(f(x.data), y, g);
    return [y];
  },
  maxPoolGrad: ([dy, x], g, [out]) => {
    const dx = floatOut(out);
    maxPoolBackpropKernel(f(dy.data), f(x.data), dx, g);
    return [dx];
  },
  avgPool: ([x], g, [out]) => {
    const y = floatOut(out);
    avgPoolKernel(f(x.data), y, g);
    return [y];
  },
  avgPoolGrad: ([dy], g, [out]) => {
    const dx = floatOut(out);
    avgPoolBackpropKernel(f(dy.data), dx, g);
    return [dx];
  },
};
