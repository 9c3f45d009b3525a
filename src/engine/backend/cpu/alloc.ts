/**
 * Where CPU tensor data is allocated. Float32 data goes on the wasm heap
 * when the wasm runtime is on and its memory is shared (so wasm kernels and
 * worker threads use it in place); everything else, and float32 data once
 * the heap is at its limit, is an ordinary typed array that the garbage
 * collector owns. Kernels do not care which: both are typed arrays.
 *
 * @internal
 * @module
 */
import { allocArray, type DType, type TypedArray } from '../../dtype.js';
import { getRuntime, heapOf } from '../wasm/runtime.js';

/**
 * Float32 arrays smaller than this stay ordinary arrays: a wasm kernel
 * copies them in for next to nothing, and the garbage collector frees them
 * even when a tensor is never disposed.
 * @internal
 */
export const HEAP_MIN_ELEMENTS = 256;

/**
 * A zero-filled float32 array of `size` elements, on the wasm heap when
 * possible.
 * @internal
 */
export function allocFloat32(size: number): Float32Array {
  const view = heapFloat32(size);
  if (view === null) return new Float32Array(size);
  view.fill(0);
  return view;
}

/**
 * A float32 array of `size` elements on the wasm heap with arbitrary
 * contents, or null when it is small, or the heap is off, not shared, or full.
 * @internal
 */
export function heapFloat32(size: number): Float32Array | null {
  if (size < HEAP_MIN_ELEMENTS) return null;
  const rt = getRuntime();
  if (rt === null || !rt.shared) return null;
  const addr = rt.heap.alloc(size * 4);
  return addr < 0 ? null : rt.heap.f32(addr, size);
}

/**
 * A zero-filled array for `dtype` (see {@link allocFloat32}); the CPU
 * kernels' replacement for `allocArray`.
 * @internal
 */
export function cpuAlloc(dtype: DType, size: number): TypedArray {
  return dtype === 'float32' ? allocFloat32(size) : allocArray(dtype, size);
}

/**
 * Releases CPU tensor data: a heap block goes back to the heap; an
 * ordinary array is left to the garbage collector.
 * @internal
 */
export function cpuFree(data: TypedArray): void {
  if (data.byteLength === 0) return;
  heapOf(data)?.free(data.byteOffset, data.byteLength);
}
