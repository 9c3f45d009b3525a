/**
 * The worker pool behind `WasmRuntime.parallel` (stub: no workers yet, so
 * every task runs on the calling thread).
 *
 * @internal
 * @module
 */
import type { WasmHeap } from './heap.js';
import type { WasmFn } from './runtime.js';

/** @internal */
export class ThreadPool {
  /** Workers started and ready. */
  ready = 0;
  constructor(
    readonly module: WebAssembly.Module,
    readonly heap: WasmHeap,
    readonly tasks: readonly string[],
  ) {}
  /** Keeps `workers` worker threads. */
  resize(_workers: number): void {}
  /** Runs the tasks; false when no worker is ready (the caller then runs them itself). */
  run(_name: string, _nTasks: number, _args: number, _exports: Record<string, WasmFn>): boolean {
    return false;
  }
  /** Stops the workers. */
  destroy(): void {}
}
