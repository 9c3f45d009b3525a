/**
 * The wasm runtime behind the CPU backend: feature detection (SIMD,
 * relaxed SIMD, shared memory), the generated kernel module, its instance
 * on the heap's memory, the thread pool, and the knobs users turn
 * (`setNumThreads`, `configureCpu`).
 *
 * The runtime is created on first use. When WebAssembly SIMD is missing,
 * or the user turns wasm off, `getRuntime()` returns null and the CPU
 * backend runs its TypeScript kernels, which compute the same results.
 *
 * @module
 */
import { ValueError } from '../../errors.js';
import { ModuleBuilder } from './asm.js';
import { WasmHeap } from './heap.js';
import { ThreadPool } from './threads.js';
import { KERNEL_BUILDERS, TASKS } from './kernels.js';

/** What the kernel builders are told about the target. @internal */
export interface BuildContext {
  /** Emit `f32x4.relaxed_madd` (else `f32x4.mul` + `f32x4.add`). */
  relaxed: boolean;
}

/** A function the generated module exports (arguments are i32 addresses and sizes). @internal */
export type WasmFn = (...args: number[]) => number;

/**
 * Options of the CPU backend's wasm kernels. Every field is optional; an
 * omitted field keeps its current value.
 *
 * @example
 * ```ts
 * configureCpu({ threads: 1, relaxedSimd: false });
 * ```
 */
export interface CpuOptions {
  /** Use the WebAssembly SIMD kernels (default: true where the runtime has WebAssembly SIMD). Off, every op runs the TypeScript kernels. */
  wasm?: boolean;
  /** Use relaxed SIMD's fused multiply-add where the runtime supports it (default `'auto'`: detect). `false` forces `mul` + `add`. */
  relaxedSimd?: boolean | 'auto';
  /** Threads for large kernels, the calling thread included (default: the core count). 1 turns threads off. */
  threads?: number;
  /** Bytes the wasm heap may grow to before new tensors fall back to ordinary arrays (default 2 GiB). */
  heapLimitBytes?: number;
}

/**
 * What the CPU backend runs on, from {@link getCpuInfo}.
 *
 * @example
 * ```ts
 * const info = getCpuInfo();
 * console.log(info.wasm, info.relaxedSimd, info.threads);
 * ```
 */
export interface CpuInfo {
  /** Whether the wasm SIMD kernels are in use. */
  wasm: boolean;
  /** Why they are not, when `wasm` is false. */
  reason?: string;
  /** Whether the runtime supports WebAssembly SIMD. */
  simd: boolean;
  /** Whether the kernels use relaxed SIMD's fused multiply-add. */
  relaxedSimd: boolean;
  /** Whether the heap is a shared memory (required for threads and for zero-copy tensors). */
  sharedMemory: boolean;
  /** Threads large kernels use (the calling thread included). */
  threads: number;
  /** Worker threads started and ready now. */
  workersReady: number;
  /** The default thread count: the machine's cores. */
  cores: number;
  /** Bytes the wasm memory spans. */
  heapBytes: number;
  /** Bytes in tensor blocks handed out. */
  heapUsedBytes: number;
  /** Bytes the heap may grow to. */
  heapLimitBytes: number;
}

const MAX_PAGES = 65536;
const DEFAULT_HEAP_LIMIT = 2 ** 31;

type Env = Record<string, string | undefined>;
function env(): Env {
  return ((globalThis as { process?: { env?: Env } }).process?.env ?? {}) as Env;
}

function coreCount(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus?.().length ?? 1);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

function parseBoolEnv(name: string): boolean | undefined {
  const v = env()[name];
  if (v === undefined || v === '') return undefined;
  if (v === '0' || v.toLowerCase() === 'false' || v.toLowerCase() === 'off') return false;
  if (v === '1' || v.toLowerCase() === 'true' || v.toLowerCase() === 'on') return true;
  throw new ValueError(`${name}: expected 0 or 1, got '${v}'`);
}

function parseThreadsEnv(): number | undefined {
  const v = env().LAMINAR_THREADS;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`LAMINAR_THREADS: expected a positive integer, got '${v}'`);
  return n;
}

function parseMinWorkEnv(): number | undefined {
  const v = env().LAMINAR_PARALLEL_MIN_WORK;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ValueError(`LAMINAR_PARALLEL_MIN_WORK: expected a non-negative number, got '${v}'`);
  return n;
}

const settings = {
  /** Below this much work (multiply-adds) a kernel runs as one task; undefined: each kernel's own measured threshold. */
  minParallelWork: parseMinWorkEnv(),
  wasm: parseBoolEnv('LAMINAR_WASM') ?? true,
  relaxed: ((): boolean | 'auto' => parseBoolEnv('LAMINAR_RELAXED_SIMD') ?? 'auto')(),
  threads: parseThreadsEnv() ?? coreCount(),
  heapLimit: DEFAULT_HEAP_LIMIT,
};

const SIMD_PROBE = (() => {
  const mb = new ModuleBuilder({ initial: 1, maximum: 1, shared: false });
  mb.func('p', ['v128', 'v128'], ['v128'], (f) => void f.get(0).get(1).f32x4Add());
  return mb.toBytes();
})();
const RELAXED_PROBE = (() => {
  const mb = new ModuleBuilder({ initial: 1, maximum: 1, shared: false });
  mb.func('p', ['v128', 'v128', 'v128'], ['v128'], (f) => void f.get(0).get(1).get(2).f32x4RelaxedMadd());
  return mb.toBytes();
})();

function hasWasm(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
}

let simdSupport: boolean | undefined;
function detectSimd(): boolean {
  simdSupport ??= hasWasm() && WebAssembly.validate(SIMD_PROBE);
  return simdSupport;
}

let relaxedSupport: boolean | undefined;
/** Detects relaxed SIMD; in Node 20 it turns on V8's flag first (it is off by default there). */
function detectRelaxed(): boolean {
  if (relaxedSupport !== undefined) return relaxedSupport;
  relaxedSupport = WebAssembly.validate(RELAXED_PROBE);
  if (!relaxedSupport) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
    try {
      v8?.setFlagsFromString?.('--experimental-wasm-relaxed-simd');
      relaxedSupport = WebAssembly.validate(RELAXED_PROBE);
    } catch {
      relaxedSupport = false;
    }
  }
  return relaxedSupport;
}

/** Whether the module should use relaxed SIMD under the current setting. */
function wantRelaxed(): boolean {
  return settings.relaxed === 'auto' ? detectRelaxed() : settings.relaxed && detectRelaxed();
}

function createMemory(): { memory: WebAssembly.Memory; shared: boolean; maximum: number } {
  const canShare = typeof SharedArrayBuffer === 'function';
  // A shared memory needs a maximum; try the full 4 GiB address space first, then smaller ones (32-bit hosts).
  for (const maximum of canShare ? [MAX_PAGES, 16384, 4096] : []) {
    try {
      return { memory: new WebAssembly.Memory({ initial: 16, maximum, shared: true }), shared: true, maximum };
    } catch {
      // Try a smaller reservation.
    }
  }
  return { memory: new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES }), shared: false, maximum: MAX_PAGES };
}

/**
 * The live runtime: the heap, the instance and the pool.
 * @internal
 */
export class WasmRuntime {
  /** The kernel functions, by export name. */
  exports: Record<string, WasmFn>;
  /** The compiled module (posted to workers). */
  module: WebAssembly.Module;
  /** Whether the module uses relaxed SIMD. */
  relaxed: boolean;
  /** The worker pool (absent when the memory is not shared). */
  pool: ThreadPool | null = null;

  constructor(
    readonly heap: WasmHeap,
    readonly shared: boolean,
    private readonly maxPages: number,
    relaxed: boolean,
  ) {
    this.relaxed = relaxed;
    this.module = this.compile(relaxed);
    this.exports = this.instantiate(this.module);
  }

  private compile(relaxed: boolean): WebAssembly.Module {
    const mb = new ModuleBuilder({ initial: 1, maximum: this.maxPages, shared: this.shared });
    const ctx: BuildContext = { relaxed };
    for (const build of KERNEL_BUILDERS) build(mb, ctx);
    return new WebAssembly.Module(mb.toBytes());
  }

  private instantiate(module: WebAssembly.Module): Record<string, WasmFn> {
    const instance = new WebAssembly.Instance(module, { env: { memory: this.heap.memory } });
    return instance.exports as unknown as Record<string, WasmFn>;
  }

  /** Rebuilds the module (a relaxed-SIMD switch); the heap and its tensors stay. */
  rebuild(relaxed: boolean): void {
    if (relaxed === this.relaxed) return;
    this.pool?.destroy();
    this.pool = null;
    this.relaxed = relaxed;
    this.module = this.compile(relaxed);
    this.exports = this.instantiate(this.module);
  }

  /**
   * The work (multiply-adds) below which a kernel should run as one task:
   * `measured` (the kernel's own threshold) unless tests forced another
   * with LAMINAR_PARALLEL_MIN_WORK (0 splits every kernel, so small
   * conformance rows exercise the threaded paths).
   */
  minParallelWork(measured: number): number {
    return settings.minParallelWork ?? measured;
  }

  /** Threads a parallel kernel may use now (1 without a shared memory). */
  get threads(): number {
    return this.shared ? settings.threads : 1;
  }

  /**
   * Runs task function `name(task, thread, args)` for `task = 0..nTasks-1`
   * across the pool and the calling thread, and returns when all are done.
   * `thread` is 0 on the calling thread and 1.. on workers, so tasks can
   * index per-thread scratch space.
   */
  parallel(name: string, nTasks: number, args: number): void {
    const threads = Math.min(this.threads, nTasks);
    if (threads > 1) {
      this.pool ??= new ThreadPool(this.module, this.heap, TASKS);
      this.pool.resize(settings.threads - 1);
      if (this.pool.run(name, nTasks, args, this.exports)) return;
    }
    const fn = this.exports[name];
    for (let t = 0; t < nTasks; t++) fn(t, 0, args);
  }

  /** Stops the workers. */
  destroy(): void {
    this.pool?.destroy();
    this.pool = null;
  }
}

let runtime: WasmRuntime | null | undefined;
let unavailable: string | undefined;

/**
 * The runtime, created on first call; null when wasm is off or missing
 * (the CPU backend then runs its TypeScript kernels).
 * @internal
 */
export function getRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  if (!settings.wasm) {
    unavailable = 'turned off (configureCpu({ wasm: false }) or LAMINAR_WASM=0)';
    return (runtime = null);
  }
  if (!hasWasm() || !detectSimd()) {
    unavailable = 'this JavaScript runtime has no WebAssembly SIMD';
    return (runtime = null);
  }
  try {
    const { memory, shared, maximum } = createMemory();
    const relaxed = wantRelaxed();
    runtime = new WasmRuntime(new WasmHeap(memory, Math.min(settings.heapLimit, maximum * 65536)), shared, maximum, relaxed);
  } catch (e) {
    unavailable = `the kernel module failed to build: ${(e as Error).message}`;
    runtime = null;
  }
  return runtime;
}

/**
 * Sets how many threads the CPU backend's large kernels (matmul, conv)
 * use, the calling thread included. The default is the machine's core
 * count; 1 turns threads off. Small ops always run on the calling thread,
 * since waking workers costs more than they save. Threads need a shared
 * `WebAssembly.Memory`: in browsers that means a cross-origin isolated
 * page (COOP/COEP headers); elsewhere this setting is kept but one thread
 * is used.
 *
 * @param n A positive integer.
 * @throws {ValueError} When `n` is not a positive integer.
 *
 * @example
 * ```ts
 * setNumThreads(1); // deterministic single-threaded timing
 * ```
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`setNumThreads: expected a positive integer, got ${n}`);
  settings.threads = n;
}

/**
 * The thread count large CPU kernels use (see {@link setNumThreads}).
 *
 * @example
 * ```ts
 * console.log(getNumThreads()); // e.g. 8
 * ```
 */
export function getNumThreads(): number {
  return settings.threads;
}

/**
 * Configures the CPU backend's wasm kernels. Environment variables set the
 * same knobs at startup: `LAMINAR_WASM=0`, `LAMINAR_RELAXED_SIMD=0|1`,
 * `LAMINAR_THREADS=n`.
 *
 * Turning wasm off takes effect for new tensors and ops; tensors already on
 * the wasm heap stay valid.
 *
 * @param options The settings to change.
 * @throws {ValueError} On an invalid value.
 *
 * @example
 * ```ts
 * configureCpu({ relaxedSimd: false, threads: 2 });
 * ```
 */
export function configureCpu(options: CpuOptions): void {
  const { wasm, relaxedSimd, threads, heapLimitBytes } = options;
  if (wasm !== undefined && typeof wasm !== 'boolean') throw new ValueError(`configureCpu: expected wasm to be a boolean, got ${String(wasm)}`);
  if (relaxedSimd !== undefined && relaxedSimd !== 'auto' && typeof relaxedSimd !== 'boolean') {
    throw new ValueError(`configureCpu: expected relaxedSimd to be true, false or 'auto', got ${String(relaxedSimd)}`);
  }
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new ValueError(`configureCpu: expected threads to be a positive integer, got ${threads}`);
  }
  if (heapLimitBytes !== undefined && (!Number.isFinite(heapLimitBytes) || heapLimitBytes < 1 << 20)) {
    throw new ValueError(`configureCpu: expected heapLimitBytes to be at least 1 MiB, got ${heapLimitBytes}`);
  }
  if (threads !== undefined) settings.threads = threads;
  if (heapLimitBytes !== undefined) {
    settings.heapLimit = heapLimitBytes;
    if (runtime) runtime.heap.limitBytes = Math.max(runtime.heap.reservedBytes, heapLimitBytes);
  }
  if (relaxedSimd !== undefined) {
    settings.relaxed = relaxedSimd;
    if (runtime) runtime.rebuild(wantRelaxed());
  }
  if (wasm !== undefined && wasm !== settings.wasm) {
    settings.wasm = wasm;
    if (!wasm) {
      // Tensors on the heap keep their views; only new work avoids wasm.
      if (runtime) parked = runtime;
      runtime?.destroy();
      runtime = null;
      unavailable = 'turned off (configureCpu({ wasm: false }) or LAMINAR_WASM=0)';
    } else {
      runtime = parked ?? undefined;
      parked = null;
      unavailable = undefined;
      // A relaxed-SIMD change made while wasm was off applies now.
      if (runtime) runtime.rebuild(wantRelaxed());
      else getRuntime();
    }
  }
}
let parked: WasmRuntime | null = null;

/**
 * The heap tensors were allocated on, even while wasm is turned off (so
 * their blocks can still be freed).
 * @internal
 */
export function heapOf(array: ArrayBufferView): WasmHeap | null {
  const rt = runtime ?? parked;
  return rt && rt.heap.owns(array) ? rt.heap : null;
}

/**
 * What the CPU backend runs on now: wasm or TypeScript, relaxed SIMD,
 * threads, heap size.
 *
 * @example
 * ```ts
 * const { wasm, relaxedSimd, threads, workersReady } = getCpuInfo();
 * ```
 */
export function getCpuInfo(): CpuInfo {
  const rt = getRuntime();
  return {
    wasm: rt !== null,
    ...(rt ? {} : { reason: unavailable }),
    simd: hasWasm() && detectSimd(),
    relaxedSimd: rt?.relaxed ?? false,
    sharedMemory: rt?.shared ?? false,
    threads: rt ? rt.threads : 1,
    workersReady: rt?.pool?.ready ?? 0,
    cores: coreCount(),
    heapBytes: rt?.heap.reservedBytes ?? 0,
    heapUsedBytes: rt?.heap.usedBytes ?? 0,
    heapLimitBytes: rt?.heap.limitBytes ?? settings.heapLimit,
  };
}
