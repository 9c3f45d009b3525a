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
import { cpuAlloc, heapFloat32 } from '../alloc.js';
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
import { getRuntime } from '../../wasm/runtime.js';
import { wasmConv2d, wasmConv2dBackpropFilter, wasmConv2dBackpropInput } from '../../wasm/conv.js';
import { avgPoolBackpropKernel, avgPoolKernel, maxPoolBackpropKernel, maxPoolKernel } from './pool.js';
import { wasmAvgPool, wasmAvgPoolGrad, wasmMaxPool, wasmMaxPoolGrad } from '../../wasm/pool.js';

/** A new output buffer; the op's inference rule guarantees a float dtype. */
function floatOut(meta: TensorMeta): FloatArray {
  return cpuAlloc(meta.dtype, sizeOf(meta.shape)) as FloatArray;
}

const f = (data: TypedArray): FloatArray => data as FloatArray;

/** Whether a float32 conv runs on the wasm kernels (all three arrays float32 and the runtime on). */
function wasmFloat32(a: TypedArray, b: TypedArray, out: TypedArray): boolean {
  return out instanceof Float32Array && wasmInputs(a, b);
}

/** Whether both inputs are float32 and the wasm runtime is on. */
function wasmInputs(a: TypedArray, b: TypedArray): boolean {
  return a instanceof Float32Array && b instanceof Float32Array && getRuntime() !== null;
}

/** Whether a float32 pooling op runs on the wasm kernels (every array float32 and the runtime on); they give the TypeScript kernels' results bit for bit. */
function wasmPool32(out: TypedArray, ...inputs: TypedArray[]): boolean {
  return out instanceof Float32Array && inputs.every((a) => a instanceof Float32Array) && getRuntime() !== null;
}

/** @internal */
export const nnKernels: KernelTable<TypedArray> = {
  conv2d: ([x, filter], g, [out]) => {
    if (out.dtype === 'float32' && wasmInputs(x.data, filter.data)) {
      // The wasm kernel writes every output element, so the block needs no zero fill.
      const size = sizeOf(out.shape);
      const y = heapFloat32(size) ?? new Float32Array(size);
      wasmConv2d(getRuntime()!, x.data as Float32Array, filter.data as Float32Array, y, g);
      return [y];
    }
    const y = floatOut(out);
    conv2dKernel(f(x.data), f(filter.data), y, g);
    return [y];
  },
  conv2dBackpropInput: ([dy, filter], g, [out]) => {
    const dx = floatOut(out);
    if (wasmFloat32(dy.data, filter.data, dx)) wasmConv2dBackpropInput(getRuntime()!, dy.data as Float32Array, filter.data as Float32Array, dx as Float32Array, g);
    else conv2dBackpropInputKernel(f(dy.data), f(filter.data), dx, g);
    return [dx];
  },
  conv2dBackpropFilter: ([x, dy], g, [out]) => {
    const dw = floatOut(out);
    if (wasmFloat32(x.data, dy.data, dw)) wasmConv2dBackpropFilter(getRuntime()!, x.data as Float32Array, dy.data as Float32Array, dw as Float32Array, g);
    else conv2dBackpropFilterKernel(f(x.data), f(dy.data), dw, g);
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
    if (wasmPool32(y, x.data)) wasmMaxPool(getRuntime()!, x.data as Float32Array, y as Float32Array, g);
    else maxPoolKernel(f(x.data), y, g);
    return [y];
  },
  maxPoolGrad: ([dy, x], g, [out]) => {
    const dx = floatOut(out);
    if (wasmPool32(dx, dy.data, x.data)) wasmMaxPoolGrad(getRuntime()!, dy.data as Float32Array, x.data as Float32Array, dx as Float32Array, g);
    else maxPoolBackpropKernel(f(dy.data), f(x.data), dx, g);
    return [dx];
  },
  avgPool: ([x], g, [out]) => {
    const y = floatOut(out);
    if (wasmPool32(y, x.data)) wasmAvgPool(getRuntime()!, x.data as Float32Array, y as Float32Array, g);
    else avgPoolKernel(f(x.data), y, g);
    return [y];
  },
  avgPoolGrad: ([dy], g, [out]) => {
    const dx = floatOut(out);
    if (wasmPool32(dx, dy.data)) wasmAvgPoolGrad(getRuntime()!, dy.data as Float32Array, dx as Float32Array, g);
    else avgPoolBackpropKernel(f(dy.data), dx, g);
    return [dx];
  },
};
