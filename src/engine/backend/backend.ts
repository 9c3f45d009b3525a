/**
 * The Backend interface every device implements. It is small on purpose:
 * storage (alloc, write, read, free), a kernel table typed over the op names,
 * and a generator for elementwise programs. Kernels enqueue work and return
 * handles at once; only `read` waits, so a GPU backend can batch work.
 *
 * @module
 */
import type { DType, TypedArray } from '../dtype.js';
import type { OpRegistry } from '../ops/define-op.js';
import type { ElementwiseProgram } from './kernel-ir.js';

/**
 * What a kernel sees of one input: its backend-owned data handle and its
 * metadata.
 *
 * @example
 * ```ts
 * const info: TensorInfo<Float32Array> = { data: new Float32Array(4), shape: [2, 2], dtype: 'float32', size: 4 };
 * ```
 */
export interface TensorInfo<H = unknown> {
  /** The backend's handle to the data (a typed array on the CPU, a buffer on a GPU). */
  readonly data: H;
  /** The logical shape. */
  readonly shape: readonly number[];
  /** The element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
}

/**
 * The metadata of a kernel output, decided by the op's inference rule before
 * the kernel runs.
 *
 * @example
 * ```ts
 * const meta: TensorMeta = { shape: [2, 3], dtype: 'float32' };
 * ```
 */
export interface TensorMeta {
  /** The output shape. */
  readonly shape: readonly number[];
  /** The output dtype. */
  readonly dtype: DType;
}

/**
 * A kernel: runs one op on one backend and returns one data handle per output.
 *
 * @example
 * ```ts
 * const negKernel: Kernel<Record<string, never>, Float32Array> = ([x], _params, [out]) => {
 *   const y = new Float32Array(x.size);
 *   for (let i = 0; i < y.length; i++) y[i] = -x.data[i];
 *   return [y];
 * };
 * ```
 */
export type Kernel<P, H = unknown> = (inputs: readonly TensorInfo<H>[], params: P, outputs: readonly TensorMeta[]) => H[];

/**
 * A backend's kernels: a typed map over the registered op names, so the
 * compiler shows what a backend lacks. Ops without a kernel fall back to
 * their decomposition, when they have one.
 *
 * @example
 * ```ts
 * const kernels: KernelTable<Float32Array> = {};
 * ```
 */
export type KernelTable<H = unknown> = {
  // Method syntax makes the parameter check bivariant, so a CPU table (H = TypedArray) is a Backend<unknown> table.
  [K in keyof OpRegistry]?: {
    /** Runs op `K`: one new data handle per output. */
    kernel(inputs: readonly TensorInfo<H>[], params: OpRegistry[K], outputs: readonly TensorMeta[]): H[];
  }['kernel'];
};

/**
 * Live storage a backend holds, for `memory()`.
 *
 * @example
 * ```ts
 * const m: BackendMemory = { numBuffers: 2, numBytes: 64 };
 * ```
 */
export interface BackendMemory {
  /** Buffers currently allocated for tensors. */
  numBuffers: number;
  /** Bytes in those buffers. */
  numBytes: number;
}

/**
 * A device implementation. Data handles are owned by the backend: tensors
 * hold them through a reference-counted storage record and never touch them.
 *
 * @example
 * ```ts
 * const b = getBackend('cpu');
 * const h = b.upload(new Float32Array([1, 2]), 'float32');
 * console.log(await b.read(h, 'float32', 2));
 * b.free(h, 'float32', 2);
 * ```
 */
export interface Backend<H = unknown> {
  /** The device name tensors report (`'cpu'`, `'webgpu'`). */
  readonly name: string;
  /** Resolves when the device can run work. */
  ready(): Promise<void>;
  /** Whether the backend can hold this dtype (WebGPU has no float64). */
  supportsDType(dtype: DType): boolean;
  /** Copies host values into new backend storage. */
  upload(values: TypedArray, dtype: DType): H;
  /** Reads a handle's values to the host once pending work is done. */
  read(data: H, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read, on backends where it is possible (the CPU). */
  readSync?(data: H, dtype: DType, size: number): TypedArray;
  /** Releases storage; the handle is not used again. */
  free(data: H, dtype: DType, size: number): void;
  /** The structured kernels. */
  readonly kernels: KernelTable<H>;
  /** Runs an elementwise program (generated from its scalar expression) with broadcasting. */
  elementwise(program: ElementwiseProgram, inputs: readonly TensorInfo<H>[], params: Readonly<Record<string, number>>, output: TensorMeta): H;
  /**
   * The backend's own view of its storage (a GPU buffer pool reports
   * pooled buffers here); live tensors are counted by the engine.
   */
  memory?(): BackendMemory;
}
