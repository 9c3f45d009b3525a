/**
 * The CPU backend: data lives in typed arrays, kernels are TypeScript.
 * Storage stays behind the Backend interface (handles are only touched by
 * the kernels here), so a later backend can move CPU tensors into a shared
 * `WebAssembly.Memory` without touching any op.
 *
 * @module
 */
import { allocArray, type DType, type TypedArray } from '../../dtype.js';
import type { Backend, KernelTable, TensorInfo, TensorMeta } from '../backend.js';
import type { ElementwiseProgram } from '../kernel-ir.js';
import { runElementwise } from './elementwise.js';
import { cpuKernels } from './kernels/index.js';
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

  /** Takes ownership of `values` (callers pass a fresh copy). */
  upload(values: TypedArray, _dtype: DType): TypedArray {
    return values;
  }

  /** A copy of the values. */
  async read(data: TypedArray): Promise<TypedArray> {
    return data.slice();
  }

  /** A copy of the values, synchronously. */
  readSync(data: TypedArray): TypedArray {
    return data.slice();
  }

  /** Forgets the array: the garbage collector frees it once no kernel holds it. */
  free(_data: TypedArray, _dtype: DType, _size: number): void {}

  /** Runs a generated elementwise loop. */
  elementwise(program: ElementwiseProgram, inputs: readonly TensorInfo<TypedArray>[], params: Readonly<Record<string, number>>, output: TensorMeta): TypedArray {
    const out = allocArray(output.dtype, sizeOf(output.shape));
    runElementwise(program, inputs, params as Record<string, number>, out, output.shape, output.dtype);
    return out;
  }
}
