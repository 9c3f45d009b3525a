/**
 * The CPU backend: data lives in typed arrays, kernels are TypeScript.
 * Storage stays behind the Backend interface (handles are only touched by
 * the kernels here), so a later backend can move CPU tensors into a shared
 * `WebAssembly.Memory` without touching any op.
 *
 * @module
 */
import type { DType, TypedArray } from '../../dtype.js';
import { cpuAlloc, cpuFree, heapFloat32 } from './alloc.js';
import type { Backend, KernelTable, TensorInfo, TensorMeta } from '../backend.js';
import type { ElementwiseProgram } from '../kernel-ir.js';
import { runElementwise } from './elementwise.js';
import { cpuKernels } from './kernels/index.js';
import { getRuntime } from '../wasm/runtime.js';
import { wasmElementwise } from '../wasm/elementwise.js';
import { sizeOf } from '../../shape.js';

/**
 * The CPU device. Registered as `'cpu'` and the default device.
 *
 * @example
 * ```ts
 * const cpu = getBackend('cpu');
 * cpu.name; // 'cpu'
 * ```
 */
export class CpuBackend implements Backend<TypedArray> {
  /** The kernel table (shared by every CPU backend instance). */
  readonly kernels: KernelTable<TypedArray> = cpuKernels;

  /** @param name The device name tensors report. */
  constructor(readonly name: string = 'cpu') {}

  /** The CPU is always ready. */
  async ready(): Promise<void> {}

  /** Every dtype, float64 included. */
  supportsDType(_dtype: DType): boolean {
    return true;
  }

  /**
   * Takes ownership of `values` (callers pass a fresh copy); float32 values
   * are moved onto the wasm heap when it is on, so wasm kernels use them in place.
   */
  upload(values: TypedArray, _dtype: DType): TypedArray {
    const onHeap = values instanceof Float32Array ? heapFloat32(values.length) : null;
    if (onHeap === null) return values;
    onHeap.set(values);
    return onHeap;
  }

  /** A copy of the values. */
  async read(data: TypedArray): Promise<TypedArray> {
    return data.slice();
  }

  /** A copy of the values, synchronously. */
  readSync(data: TypedArray): TypedArray {
    return data.slice();
  }

  /** Returns wasm heap blocks to the heap; other arrays are left to the garbage collector. */
  free(data: TypedArray, _dtype: DType, _size: number): void {
    cpuFree(data);
  }

  /** Runs a generated elementwise loop. */
  elementwise(program: ElementwiseProgram, inputs: readonly TensorInfo<TypedArray>[], params: Readonly<Record<string, number>>, output: TensorMeta): TypedArray {
    const size = sizeOf(output.shape);
    if (output.dtype === 'float32') {
      const rt = getRuntime();
      if (rt !== null) {
        // Every element is written, so a heap block needs no zero fill.
        const out = heapFloat32(size) ?? new Float32Array(size);
        if (wasmElementwise(rt, program, inputs, params, out, output.shape)) return out;
        runElementwise(program, inputs, params as Record<string, number>, out, output.shape, output.dtype);
        return out;
      }
    }
    const out = cpuAlloc(output.dtype, size);
    runElementwise(program, inputs, params as Record<string, number>, out, output.shape, output.dtype);
    return out;
  }
}
