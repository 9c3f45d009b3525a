/**
 * Elementwise ops and reductions on float32 tensors in the wasm heap.
 *
 * - {@link wasmElementwise} runs an elementwise IR program compiled to a
 *   wasm SIMD loop (see `ew-compile.ts`), one small module per program and
 *   loop shape, instantiated on the heap's memory and cached.
 * - {@link wasmSum} and {@link wasmMax} reduce `[outer, reduced, inner]`
 *   blocks with kernels of the main module (`ew-reduce.ts`).
 *
 * Every entry point returns false when it does not handle a case (an
 * input not on the heap, a dtype other than float32, a function the
 * compiler lacks, a size where the TypeScript loop is as fast); the caller
 * then runs its TypeScript kernel. Results are bit-identical to the
 * TypeScript kernels.
 *
 * @internal
 * @module
 */
import type { DType, TypedArray } from '../../dtype.js';
import type { ElementwiseProgram } from '../kernel-ir.js';
import { paramNames } from '../kernel-ir.js';
import { collapseReduction, planLoop } from '../layout.js';
import type { ModuleBuilder } from './asm.js';
import type { WasmHeap } from './heap.js';
import type { BuildContext, WasmRuntime } from './runtime.js';
import { compileKernel, exactness, isSupported, MAX_RANK, type InputKind, type KernelSpec, type Precision } from './ew-compile.js';
import { buildReductions } from './ew-reduce.js';

/**
 * Parallel task functions of this family: none. Elementwise ops and these
 * reductions are memory-bound single passes and run on the calling thread.
 * @internal
 */
export const ELEMENTWISE_TASKS: readonly string[] = [];

/** Adds the reduction kernels (`ew_*`) to the main module. @internal */
export function buildElementwise(mb: ModuleBuilder, ctx: BuildContext): void {
  buildReductions(mb, ctx);
}

/**
 * Outputs below this many elements stay on the TypeScript loop: there the
 * wasm call and its argument marshalling cost about what the loop does.
 * @internal
 */
export const EW_MIN_ELEMENTS = 64;

/**
 * Outputs below this many elements stay on the TypeScript loop when an
 * array is off the heap (copying in and out costs its allocations).
 * @internal
 */
export const EW_STAGED_MIN_ELEMENTS = 512;

/** What the elementwise entry point needs of an input (a CPU `TensorInfo`). @internal */
export interface EwInput {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

type Kernel = ((...args: number[]) => void) | null;

interface ProgramInfo {
  /** The memory the kernels are instantiated on (a new runtime starts over). */
  memory: WebAssembly.Memory;
  supported: boolean;
  params: string[];
  /** Precision when every param value is a float32 value ('f64' when the program needs it regardless). */
  staticPrecision: Precision;
  /** Whether some param's value can force float64. */
  paramDependent: boolean;
  /** Compiled kernels by {@link variantKey}. */
  kernels: Map<number, Kernel>;
}

const infos = new WeakMap<ElementwiseProgram, ProgramInfo>();

function infoOf(rt: WasmRuntime, program: ElementwiseProgram): ProgramInfo {
  const memory = rt.heap.memory;
  let info = infos.get(program);
  if (!info || info.memory !== memory) {
    const supported = isSupported(program.expr);
    const params = paramNames(program.expr);
    const zeros: Record<string, number> = {};
    for (const p of params) zeros[p] = 0;
    const staticPrecision: Precision = supported && exactness(program.expr, zeros) !== 'no' ? 'f32' : 'f64';
    info = { memory, supported, params, staticPrecision, paramDependent: staticPrecision === 'f32' && params.length > 0, kernels: new Map() };
    infos.set(program, info);
  }
  return info;
}

const KIND_CODE: Record<InputKind, number> = { v: 1, r: 2, s: 3 };
const KIND_OF: readonly InputKind[] = ['v', 'v', 'r', 's'];

/**
 * A small integer naming a kernel variant: rank, precision, input count,
 * and two bits per input kind (1 'v', 2 'r', 3 's').
 */
function variantKey(precision: Precision, rank: number, arity: number, kinds: number): number {
  return ((rank * 2 + (precision === 'f64' ? 1 : 0)) * 16 + arity) * 4 ** 8 + kinds;
}

function kernelFor(rt: WasmRuntime, program: ElementwiseProgram, info: ProgramInfo, precision: Precision, rank: number, arity: number, kindBits: number): Kernel {
  const key = variantKey(precision, rank, arity, kindBits);
  let k = info.kernels.get(key);
  if (k !== undefined) return k;
  try {
    const kinds: InputKind[] = [];
    for (let i = arity - 1; i >= 0; i--) kinds.push(KIND_OF[(kindBits >> (2 * i)) & 3]);
    const spec: KernelSpec = { rank, kinds, precision };
    const bytes = compileKernel(program, spec, rt.shared);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: rt.heap.memory } });
    k = instance.exports.k as (...args: number[]) => void;
  } catch {
    // A program the generator cannot express: the TypeScript loop runs it.
    k = null;
  }
  info.kernels.set(key, k);
  return k;
}

/** Calls `k` with `a` as its arguments (direct calls for the common counts avoid a spread). */
function invoke(k: (...args: number[]) => void, a: number[]): void {
  switch (a.length) {
    case 3: k(a[0], a[1], a[2]); return;
    case 4: k(a[0], a[1], a[2], a[3]); return;
    case 5: k(a[0], a[1], a[2], a[3], a[4]); return;
    case 6: k(a[0], a[1], a[2], a[3], a[4], a[5]); return;
    case 7: k(a[0], a[1], a[2], a[3], a[4], a[5], a[6]); return;
    case 8: k(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]); return;
    default: k(...a);
  }
}

/** Largest staging area kept between calls (bytes); larger needs allocate per call. */
const SCRATCH_MAX_BYTES = 1 << 20;
/** The kept staging area, per heap. */
const scratchOf = new WeakMap<WasmHeap, { addr: number; bytes: number }>();

/**
 * Frees the staging area kept between calls on `heap` (the next staged
 * call allocates a new one).
 * @internal
 */
export function releaseStaging(heap: WasmHeap): void {
  const s = scratchOf.get(heap);
  if (s) heap.free(s.addr, s.bytes);
  scratchOf.delete(heap);
}

/**
 * Heap copies of arrays that live elsewhere (small arrays stay ordinary
 * typed arrays, as do all arrays when the heap is full or its memory is not
 * shared), for one kernel call. One region holds them all: a staging area
 * kept between calls (up to {@link SCRATCH_MAX_BYTES}), else a block
 * allocated for the call. Copying costs about 0.15 ns per float, a tenth
 * of the TypeScript loops, so large ops still gain.
 */
class Staging {
  private next: number;
  private readonly owned: number;
  /** Start of the region, -1 when the heap could not provide it. */
  readonly base: number;

  constructor(
    private readonly heap: WasmHeap,
    private readonly bytes: number,
  ) {
    if (bytes <= SCRATCH_MAX_BYTES) {
      let s = scratchOf.get(heap);
      if (!s || s.bytes < bytes) {
        if (s) heap.free(s.addr, s.bytes);
        const size = Math.min(SCRATCH_MAX_BYTES, Math.max(bytes, 65536));
        const addr = heap.alloc(size);
        s = { addr, bytes: size };
        if (addr >= 0) scratchOf.set(heap, s);
        else scratchOf.delete(heap);
      }
      this.base = s.addr;
      this.owned = -1;
    } else {
      this.base = heap.alloc(bytes);
      this.owned = this.base;
    }
    this.next = this.base;
  }

  /** Bytes a float32 array of `length` takes in the region. */
  static size(length: number): number {
    return Math.ceil(length / 4) * 16;
  }

  /** The heap address of `a`'s data: its own, or a copy's in the region. */
  input(a: Float32Array): number {
    if (this.heap.owns(a)) return a.byteOffset;
    const addr = this.take(a.length);
    this.heap.f32(addr, a.length).set(a);
    return addr;
  }

  /** Room for `length` floats in the region. */
  take(length: number): number {
    const addr = this.next;
    this.next += Staging.size(length);
    return addr;
  }

  /** Frees a region allocated for this call. */
  release(): void {
    if (this.owned >= 0) this.heap.free(this.owned, this.bytes);
  }
}

/**
 * Runs `program` into `out` (float32, `outShape`) with broadcasting, in
 * wasm, when it can: the output and every input are float32, the program
 * uses only functions the compiler handles, the broadcast plan has rank
 * <= 4 and at most 8 inputs, and `out` has at least `minElements`
 * elements (default {@link EW_MIN_ELEMENTS} when the output and every input
 * that is not a single value are on `rt.heap`, else
 * {@link EW_STAGED_MIN_ELEMENTS}: arrays off the heap are copied in and the
 * output copied out). Returns false (having written nothing) otherwise,
 * and when the heap cannot hold the copies. The results are bit-identical
 * to `runElementwise`.
 * @internal
 */
export function wasmElementwise(
  rt: WasmRuntime,
  program: ElementwiseProgram,
  inputs: readonly EwInput[],
  params: Readonly<Record<string, number>>,
  out: TypedArray,
  outShape: readonly number[],
  minElements?: number,
): boolean {
  const n = out.length;
  if (!(out instanceof Float32Array) || n < (minElements ?? EW_MIN_ELEMENTS)) return false;
  const heap = rt.heap;
  const arity = inputs.length;
  if (arity > 8) return false;
  let flat = true;
  const outOnHeap = heap.owns(out);
  let stagedBytes = outOnHeap ? 0 : Staging.size(n);
  for (let i = 0; i < arity; i++) {
    const x = inputs[i];
    if (!(x.data instanceof Float32Array)) return false;
    const size = x.size;
    if (size !== 1 && !heap.owns(x.data)) stagedBytes += Staging.size(x.data.length);
    if (size !== n && size !== 1) flat = false;
  }
  if (stagedBytes > 0 && n < (minElements ?? EW_STAGED_MIN_ELEMENTS)) return false;
  const info = infoOf(rt, program);
  if (!info.supported) return false;
  let precision = info.staticPrecision;
  if (info.paramDependent) {
    for (const p of info.params) {
      const v = params[p];
      if (!(Number.isNaN(v) || Math.fround(v) === v)) precision = 'f64';
    }
  }
  const staging = stagedBytes > 0 ? new Staging(heap, stagedBytes) : null;
  if (staging !== null && staging.base < 0) return false;
  try {
    const outAddr = outOnHeap ? out.byteOffset : staging!.take(n);
    const args: number[] = [outAddr];
    let rank: number;
    let kinds = 0;
    if (flat) {
      rank = 1;
      args.push(n);
      for (let i = 0; i < arity; i++) {
        const x = inputs[i];
        if (x.size === 1) {
          kinds = kinds * 4 + KIND_CODE.s;
          args.push(x.data[0]);
        } else {
          kinds = kinds * 4 + KIND_CODE.v;
          args.push(staging === null ? x.data.byteOffset : staging.input(x.data as Float32Array));
        }
      }
    } else {
      const plan = planLoop(outShape, inputs.map((x) => x.shape));
      rank = plan.dims.length;
      if (rank > MAX_RANK) return false;
      for (const d of plan.dims) args.push(d);
      for (let i = 0; i < arity; i++) {
        const s = plan.strides[i];
        const x = inputs[i];
        if (s.every((v) => v === 0)) {
          kinds = kinds * 4 + KIND_CODE.s;
          args.push(x.data[0]);
          continue;
        }
        kinds = kinds * 4 + (s[rank - 1] === 0 ? KIND_CODE.r : KIND_CODE.v);
        args.push(staging === null ? x.data.byteOffset : staging.input(x.data as Float32Array));
        for (let d = 0; d < rank - 1; d++) args.push(s[d] * 4);
      }
    }
    for (const p of info.params) args.push(params[p]);
    const kernel = kernelFor(rt, program, info, precision, rank, arity, kinds);
    if (kernel === null) return false;
    invoke(kernel, args);
    if (!outOnHeap) out.set(heap.f32(outAddr, n));
    return true;
  } finally {
    staging?.release();
  }
}

/**
 * `out[o, j] = Σ_r x[o, r, j]` for a float32 `x` laid out as
 * `[outer, reduced, inner]` (row-major, contiguous) into float32 `out`
 * (`[outer, inner]`), bit-identical to the TypeScript `sum` (float64
 * accumulation in the same order, one rounding). Arrays off `rt.heap` are
 * copied in (and `out` copied out) when the reduction has at least
 * {@link RED_STAGED_MIN_ELEMENTS} elements. Returns false (nothing
 * written) when the sizes do not match or are zero, the arrays are not
 * float32, an array is off the heap in a smaller reduction, or the heap
 * cannot hold the copies.
 * @internal
 */
export function wasmSum(rt: WasmRuntime, x: TypedArray, out: TypedArray, outer: number, reduced: number, inner: number, minElements?: number): boolean {
  const total = outer * reduced * inner;
  if (total === 0 || !(x instanceof Float32Array) || !(out instanceof Float32Array)) return false;
  if (x.length !== total || out.length !== outer * inner) return false;
  return reduce(rt, x, out, minElements, (xa, oa) => {
    if (inner === 1) rt.exports.ew_sum_last(xa, oa, outer, reduced);
    else rt.exports.ew_sum_cols(xa, oa, outer, reduced, inner);
  });
}

/**
 * `out[o] = max_r x[o, r]` for a float32 `x` laid out as `[outer, reduced]`
 * into float32 `out` (`[outer]`), bit-identical to the TypeScript `max`
 * (NaN if a row has a NaN; a zero maximum has the sign of the row's first
 * zero). Off-heap arrays and the return value as for {@link wasmSum}.
 * @internal
 */
export function wasmMax(rt: WasmRuntime, x: TypedArray, out: TypedArray, outer: number, reduced: number, minElements?: number): boolean {
  const total = outer * reduced;
  if (total === 0 || !(x instanceof Float32Array) || !(out instanceof Float32Array)) return false;
  if (x.length !== total || out.length !== outer) return false;
  return reduce(rt, x, out, minElements, (xa, oa) => rt.exports.ew_max_last(xa, oa, outer, reduced));
}

/**
 * The `[outer, reduced, inner]` view of reducing `shape` over `axes`, from
 * the collapsed groups (`collapseReduction`): `[R]`, `[K, R]`, `[R, K]`
 * and `[K, R, K']` have one; other patterns (and reductions that reduce
 * nothing) give null.
 * @internal
 */
export function reduceGeometry(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  const { sizes, reduced } = collapseReduction(shape, axes);
  switch (sizes.length) {
    case 1:
      return reduced[0] ? [1, sizes[0], 1] : null;
    case 2:
      return reduced[0] ? [1, sizes[0], sizes[1]] : [sizes[0], sizes[1], 1];
    case 3:
      return reduced[1] ? [sizes[0], sizes[1], sizes[2]] : null;
    default:
      return null;
  }
}

/**
 * The float32 `sum` or `max` of `x` (`shape`) over `axes` into `out` (the
 * kept axes, row-major), in wasm, bit-identical to the TypeScript kernel:
 * {@link wasmSum} or {@link wasmMax} on the {@link reduceGeometry} view
 * (max only when the reduced axes are trailing). Returns false (nothing
 * written) when it does not handle the case.
 * @internal
 */
export function wasmReduce(rt: WasmRuntime, op: 'sum' | 'max', x: TypedArray, shape: readonly number[], axes: readonly number[], out: TypedArray): boolean {
  const g = reduceGeometry(shape, axes);
  if (g === null) return false;
  const [outer, reduced, inner] = g;
  if (op === 'sum') return wasmSum(rt, x, out, outer, reduced, inner);
  return inner === 1 && wasmMax(rt, x, out, outer, reduced);
}

/** Runs a reduction kernel on heap addresses of `x` and `out`, staging arrays that are off the heap. */
function reduce(rt: WasmRuntime, x: Float32Array, out: Float32Array, minElements: number | undefined, run: (x: number, out: number) => void): boolean {
  const heap = rt.heap;
  const xOn = heap.owns(x);
  const outOn = heap.owns(out);
  const min = minElements ?? (!xOn ? RED_STAGED_MIN_ELEMENTS : !outOn ? RED_OUT_STAGED_MIN_ELEMENTS : RED_MIN_ELEMENTS);
  if (x.length < min) return false;
  if (xOn && outOn) {
    run(x.byteOffset, out.byteOffset);
    return true;
  }
  const staging = new Staging(heap, (xOn ? 0 : Staging.size(x.length)) + (outOn ? 0 : Staging.size(out.length)));
  if (staging.base < 0) return false;
  try {
    const xa = staging.input(x);
    const oa = outOn ? out.byteOffset : staging.take(out.length);
    run(xa, oa);
    if (!outOn) out.set(heap.f32(oa, out.length));
    return true;
  } finally {
    staging.release();
  }
}

/** Reductions on the heap over fewer elements stay in TypeScript. @internal */
export const RED_MIN_ELEMENTS = 1;
/** Reductions whose input is off the heap, over fewer elements, stay in TypeScript (copying would cost what it saves). @internal */
export const RED_STAGED_MIN_ELEMENTS = 1024;
/** Reductions whose input is on the heap but output off it, over fewer elements, stay in TypeScript. @internal */
export const RED_OUT_STAGED_MIN_ELEMENTS = 256;
