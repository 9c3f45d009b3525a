/**
 * CPU kernels: linalg family. matMul maps its (broadcast) batch dimensions
 * to per-matrix offsets and hands the multiply to `wasmMatMul` (float32,
 * wasm on) or `matMulKernel`.
 *
 * @internal
 * @module
 */
import type { TypedArray } from '../../../dtype.js';
import { cpuAlloc, heapFloat32 } from '../alloc.js';
import type { KernelTable } from '../../backend.js';
import { sizeOf } from '../../../shape.js';
import { matMulKernel, type MatMulArgs, type NumericArray } from './matmul.js';
import { getRuntime } from '../../wasm/runtime.js';
import { wasmMatMul } from '../../wasm/matmul.js';

/**
 * The element offset of the operand's matrix for each output batch index,
 * walking the output batch shape row-major; a batch dim the operand lacks or
 * has as 1 contributes nothing, which is how broadcasting costs no copy.
 */
function batchOffsets(shape: readonly number[], batch: readonly number[], count: number): Float64Array {
  const rank = batch.length;
  const own = shape.length - 2;
  const matrix = shape[own] * shape[own + 1];
  // Element stride of each output batch dim in the operand.
  const strides = new Array<number>(rank).fill(0);
  for (let d = rank - 1, s = matrix; d >= rank - own; d--) {
    const size = shape[d - (rank - own)];
    if (size !== 1) strides[d] = s;
    s *= size;
  }
  const offsets = new Float64Array(count);
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < count; i++) {
    offsets[i] = o;
    for (let d = rank - 1; d >= 0; d--) {
      o += strides[d];
      if (++idx[d] < batch[d]) break;
      o -= strides[d] * batch[d];
      idx[d] = 0;
    }
  }
  return offsets;
}

/** @internal */
export const linalgKernels: KernelTable<TypedArray> = {
  matMul: ([a, b], { transposeA, transposeB }, [out]) => {
    const rank = out.shape.length;
    const m = out.shape[rank - 2];
    const n = out.shape[rank - 1];
    const k = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
    const batchDims = out.shape.slice(0, -2);
    const batch = sizeOf(batchDims);
    const size = sizeOf(out.shape);
    // float32 runs the wasm SIMD GEMM when the runtime is on (it writes every element, so no zero fill); float64 and int32 (and wasm off) the TypeScript one.
    const rt = out.dtype === 'float32' && a.data instanceof Float32Array && b.data instanceof Float32Array ? getRuntime() : null;
    const y = rt ? (heapFloat32(size) ?? new Float32Array(size)) : (cpuAlloc(out.dtype, size) as NumericArray);
    const args: MatMulArgs = {
      m,
      n,
      k,
      transposeA,
      transposeB,
      batch,
      aOffsets: batchOffsets(a.shape, batchDims, batch),
      bOffsets: batchOffsets(b.shape, batchDims, batch),
    };
    if (rt) wasmMatMul(rt, a.data as Float32Array, b.data as Float32Array, y as Float32Array, args);
    else matMulKernel(a.data as NumericArray, b.data as NumericArray, y, args);
    return [y];
  },
};
