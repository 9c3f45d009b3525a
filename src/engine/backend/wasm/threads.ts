/**
 * The worker pool behind `WasmRuntime.parallel`.
 *
 * Every worker instantiates the kernel module on the shared
 * `WebAssembly.Memory` and sleeps in `Atomics.wait`; a job is published
 * through int32 control words in the heap's reserved area (bytes 0..4095)
 * and its tasks are claimed dynamically by the workers and the calling
 * thread alike, so a slow or sleeping worker never holds a job up: the
 * caller simply runs the tasks nobody else took.
 *
 * ## The job protocol
 *
 * A pool owns one 1 KiB control block (four fit in the reserved area, so a
 * pool rebuilt on the same memory, e.g. after a relaxed-SIMD switch, never
 * shares words with the old pool's workers while they are still leaving).
 * The caller publishes a job in this order:
 *
 * 1. writes the descriptor (task function index, task count `n`, argument
 *    pointer), clears the error words and the done counter;
 * 2. stores `n` in the claim word: the job is open;
 * 3. bumps the generation word and `Atomics.notify`s it (sleeping workers
 *    wait on it).
 *
 * A thread claims a task with `left = Atomics.sub(claim, 1)`: `left > 0` is
 * a real claim of task `n - left` (tasks go out in order 0, 1, ...); `left
 * <= 0` means the job is exhausted. Only after a real claim does it read
 * the descriptor, which is then guaranteed to be the current job's: the
 * caller does not touch the descriptor again before every claimed task has
 * been counted in the done word. A worker that woke late, or is still in
 * its claim loop from an earlier job, either finds the count at or below
 * zero (and does nothing; the next job's store resets it) or takes a real
 * task of the current job and reads the current descriptor. No task can be
 * claimed twice or run with another job's arguments, and generations can
 * wrap freely: the generation is only a wake-up signal.
 *
 * The caller claims tasks the same way, then waits until the done word
 * reaches `n`: with `Atomics.wait` where the thread may block (Node's main
 * thread, workers), else (a browser's main thread) by spinning on
 * `Atomics.load`; it only waits for tasks already running elsewhere.
 *
 * A task that throws (a wasm trap) is caught where it ran: the first error
 * records its task, thread and message in the block, the unclaimed rest of
 * the job is cancelled (counted done without running), and `run` throws a
 * `DeviceError` in the caller once the tasks still running have finished.
 * The pool stays usable.
 *
 * ## Workers
 *
 * Node: `worker_threads` (found at run time, so the engine still loads in
 * browsers), workers evaluated from a source string, unref'd so they never
 * keep a process alive. Browsers: Web Workers from a Blob URL of the same
 * source; the module and the memory go over `postMessage`. A worker's state
 * word (starting, ready, stopping, exited, failed) lives in the block;
 * {@link ThreadPool.ready} counts ready ones, so readiness is visible even
 * while the main thread never yields. Stopping is cooperative: the worker
 * leaves its loop between tasks, never in the middle of one. If workers
 * cannot be created (no `worker_threads`, a CSP that forbids Blob workers,
 * a memory that is not shared) the pool stays empty and `run` returns
 * false; the pool never throws for that.
 *
 * @internal
 * @module
 */
import { DeviceError } from '../../errors.js';
import type { WasmHeap } from './heap.js';
import type { WasmFn } from './runtime.js';

// ---- the control block (int32 word indices inside a block) ----
const BLOCK_BYTES = 1024;
const BLOCKS = 4;
/** Generation: bumped per job and per stop request; workers wait on it. */
const GEN = 0;
const N = 1;
const TASK = 2;
const ARGS = 3;
/** Tasks left to claim (own cache line: every claim writes it). */
const CLAIM = 16;
/** Tasks finished (own cache line). */
const DONE = 32;
/** 0, or 1 + the task of the first error. */
const ERR = 48;
const ERR_LEN = 49;
const ERR_THREAD = 50;
/** Nonzero while a pool holds the block. */
const OWNER = 51;
/** 1 once the owning pool is destroyed (the block is free again when its workers have all left). */
const DESTROYED = 52;
/** Word of worker `id` (1-based) is `STATE + id`. */
const STATE = 63;
/** Most worker threads per pool (thread ids 1..MAX_WORKERS). */
const MAX_WORKERS = 128;
const MSG_BYTE = 768;
const MSG_MAX = BLOCK_BYTES - MSG_BYTE;

// ---- worker states ----
/** Never used. */
const FREE = 0;
/** Spawned, not yet running its loop. */
const STARTING = 1;
/** Idle (spinning or asleep): it checks its state before each claim loop. */
const READY = 2;
/** In its claim loop; the main thread never writes over this state except with STOPPING. */
const BUSY = 3;
/** Asked to leave; it exits at its next state check. */
const STOPPING = 4;
/** Left its loop (it never touches the block again). */
const EXITED = 5;
/** Could not instantiate the module. */
const FAILED = 6;
/** How long `resize` waits for a stopped worker to leave its claim loop before it gives the pool up. */
const STOP_TIMEOUT_MS = 2000;
const FAILED_REASON = 'a worker thread could not instantiate the module';
/** Unexpected worker exits after which the pool stops respawning. */
const MAX_DEATHS = 3;

/**
 * Where things are in a control block (white-box tests).
 * @internal
 */
export const threadLayout = { blockBytes: BLOCK_BYTES, stateWord: STATE, busy: BUSY, stopTimeoutMs: STOP_TIMEOUT_MS } as const;

/**
 * Iterations a worker spins on the generation word after a job before it
 * sleeps in `Atomics.wait` (a few microseconds), and iterations the caller
 * spins on the done word before it sleeps. Measured in
 * test/engine/backend/wasm-threads.test.ts.
 * @internal
 */
export const threadTuning = {
  workerSpin: 2000,
  callerSpin: 2000,
  /** `'spin'` makes the caller wait as on a browser's main thread (tests). */
  callerWait: 'auto' as 'auto' | 'spin',
};

/**
 * The worker's source, evaluated by `worker_threads` (`eval: true`) or
 * loaded from a Blob URL as a classic Web Worker. Plain ES2017, no imports.
 */
function workerSource(workerSpin: number): string {
  return `'use strict';
const GEN = ${GEN}, N = ${N}, TASK = ${TASK}, ARGS = ${ARGS}, CLAIM = ${CLAIM}, DONE = ${DONE};
const ERR = ${ERR}, ERR_LEN = ${ERR_LEN}, ERR_THREAD = ${ERR_THREAD}, STATE = ${STATE};
const MSG_BYTE = ${MSG_BYTE}, MSG_MAX = ${MSG_MAX};
const STARTING = ${STARTING}, READY = ${READY}, BUSY = ${BUSY}, EXITED = ${EXITED}, FAILED = ${FAILED};
const SPIN = ${workerSpin};
function start(data) {
  const memory = data.memory, base = data.base, id = data.id;
  const ctl = new Int32Array(memory.buffer, base, ${BLOCK_BYTES / 4});
  const S = STATE + id;
  const finish = (k, n) => {
    if (Atomics.add(ctl, DONE, k) + k === n) Atomics.notify(ctl, DONE);
  };
  const fail = (t, e, n) => {
    if (Atomics.compareExchange(ctl, ERR, 0, t + 1) === 0) {
      let msg;
      try { msg = String(e && e.message !== undefined ? e.message : e); } catch (_) { msg = 'unknown error'; }
      const bytes = new TextEncoder().encode(msg);
      const len = Math.min(bytes.length, MSG_MAX);
      new Uint8Array(memory.buffer, base + MSG_BYTE, len).set(bytes.subarray(0, len));
      Atomics.store(ctl, ERR_THREAD, id);
      Atomics.store(ctl, ERR_LEN, len);
    }
    const left = Atomics.exchange(ctl, CLAIM, 0);
    if (left > 0) finish(left, n);
  };
  let fns;
  try {
    const exports = new WebAssembly.Instance(data.module, { env: { memory } }).exports;
    fns = data.tasks.map((name) => exports[name]);
  } catch (e) {
    Atomics.store(ctl, S, FAILED);
    return;
  }
  if (Atomics.compareExchange(ctl, S, STARTING, READY) !== STARTING) {
    Atomics.store(ctl, S, EXITED);
    return;
  }
  let n = 0, t = -1;
  try {
    for (;;) {
      const seen = Atomics.load(ctl, GEN);
      // READY -> BUSY fails once the pool asked this worker to stop.
      if (Atomics.compareExchange(ctl, S, READY, BUSY) !== READY) break;
      while (Atomics.load(ctl, CLAIM) > 0) {
        const left = Atomics.sub(ctl, CLAIM, 1);
        if (left <= 0) break;
        n = Atomics.load(ctl, N);
        t = n - left;
        const fn = fns[Atomics.load(ctl, TASK)];
        const args = Atomics.load(ctl, ARGS);
        try {
          fn(t, id, args);
        } catch (e) {
          fail(t, e, n);
        }
        t = -1;
        finish(1, n);
      }
      if (Atomics.compareExchange(ctl, S, BUSY, READY) !== BUSY) break;
      for (let i = 0; i < SPIN && Atomics.load(ctl, GEN) === seen; i++);
      Atomics.wait(ctl, GEN, seen);
    }
  } finally {
    if (t >= 0) {
      fail(t, new Error('the worker thread stopped during the task'), n);
      finish(1, n);
    }
    Atomics.store(ctl, S, EXITED);
  }
}
if (typeof process === 'object' && process !== null && typeof process.getBuiltinModule === 'function') {
  start(process.getBuiltinModule('node:worker_threads').workerData);
} else {
  self.onmessage = (ev) => {
    self.onmessage = null;
    try { start(ev.data); } finally { self.close(); }
  };
}
`;
}

/** What `run`'s caller may do while it waits. */
type WaitMode = 'block' | 'spin';

/** The subset of Node's `Worker` the pool uses. */
interface NodeWorker {
  on(event: 'error' | 'exit', listener: (arg: unknown) => void): unknown;
  unref(): void;
}
interface NodeWorkerThreads {
  Worker: new (src: string, options: { eval: true; workerData: unknown; name?: string }) => NodeWorker;
}

/** One spawned worker as the main thread sees it. */
interface Handle {
  /** Its thread id. */
  id: number;
}

function nodeWorkerThreads(): NodeWorkerThreads | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return (proc?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined) ?? null;
  } catch {
    return null;
  }
}

let blobUrl: string | undefined;
let blobSpin = -1;
/** The Blob URL of the worker source (browsers), made once per spin setting. */
function workerUrl(): string {
  if (blobUrl === undefined || blobSpin !== threadTuning.workerSpin) {
    blobSpin = threadTuning.workerSpin;
    blobUrl = URL.createObjectURL(new Blob([workerSource(blobSpin)], { type: 'text/javascript' }));
  }
  return blobUrl;
}

let waitMode: WaitMode | undefined;
/** Whether this thread may block in `Atomics.wait` (not a browser's main thread). */
function detectWaitMode(ctl: Int32Array): WaitMode {
  if (threadTuning.callerWait === 'spin') return 'spin';
  if (waitMode !== undefined) return waitMode;
  try {
    // A value that differs from the word's: returns at once where waiting is allowed.
    Atomics.wait(ctl, ERR_THREAD, Atomics.load(ctl, ERR_THREAD) + 1, 0);
    waitMode = 'block';
  } catch {
    waitMode = 'spin';
  }
  return waitMode;
}

let poolCount = 0;

/**
 * A pool of worker threads that run a wasm module's task functions on a
 * shared memory, plus the calling thread (thread 0). See the module
 * comment for the protocol.
 * @internal
 */
export class ThreadPool {
  private readonly shared: boolean;
  private readonly taskIndex = new Map<string, number>();
  private readonly poolId = ++poolCount;
  /** This pool's control block, once acquired. */
  private ctl: Int32Array | null = null;
  private base = -1;
  /** Workers in the pool by thread id (index 0 unused). */
  private handles: (Handle | undefined)[] = [];
  /** The last worker spawned with each id, in the pool or leaving (its state word is its own). */
  private readonly occupant: (Handle | undefined)[] = [];
  /** The worker count asked for last. */
  private target = 0;
  /** Whether every worker up to `target` is spawned (resize's fast path). */
  private complete = true;
  /** Why no (more) workers are spawned, once that is so. */
  private broken: string | undefined;
  private destroyed = false;
  /** Workers that left without being asked to (respawned up to a few times). */
  private deaths = 0;

  /**
   * @param module The compiled module each worker instantiates.
   * @param heap The heap whose shared memory the module runs on.
   * @param tasks Task function export names; jobs refer to a task by its index here.
   */
  constructor(
    readonly module: WebAssembly.Module,
    readonly heap: WasmHeap,
    readonly tasks: readonly string[],
  ) {
    tasks.forEach((name, i) => this.taskIndex.set(name, i));
    this.shared = typeof SharedArrayBuffer === 'function' && heap.memory.buffer instanceof SharedArrayBuffer;
    if (!this.shared) this.broken = 'the memory is not shared';
  }

  /** Worker threads started and ready now. */
  get ready(): number {
    const ctl = this.ctl;
    if (!ctl) return 0;
    let ready = 0;
    for (let id = 1; id < this.handles.length; id++) {
      if (!this.handles[id]) continue;
      const s = Atomics.load(ctl, STATE + id);
      if (s === READY || s === BUSY) ready++;
      else if (s === FAILED) this.lost(id, true);
      else if (s === EXITED) this.lost(id, false);
    }
    return ready;
  }

  /** Why the pool spawns no workers, once it has given up on them. */
  get unavailable(): string | undefined {
    return this.broken;
  }

  /**
   * Keeps `workers` worker threads (thread ids 1..workers, at most 128):
   * spawns missing ones (they become ready asynchronously) and stops the
   * extras (they leave between tasks). Cheap when nothing changes.
   */
  resize(workers: number): void {
    const want = Math.max(0, Math.min(MAX_WORKERS, Math.floor(workers)));
    if (want === this.target && this.complete) return;
    if (this.destroyed || this.broken) return;
    this.target = want;
    let stopped = false;
    for (let id = want + 1; id < this.handles.length; id++) {
      if (!this.handles[id]) continue;
      stopped = true;
      if (!this.stopWorker(id, true)) {
        // A worker that neither leaves nor finishes: stop using threads altogether.
        this.destroy();
        this.broken = `worker thread ${id} did not stop within ${STOP_TIMEOUT_MS} ms`;
        return;
      }
    }
    if (this.handles.length > want + 1) this.handles.length = want + 1;
    if (stopped) this.wakeAll();
    this.complete = true;
    if (want === 0) return;
    if (!this.ctl && !this.acquire()) {
      this.complete = false;
      return;
    }
    const ctl = this.ctl!;
    for (let id = 1; id <= want; id++) {
      if (this.handles[id]) continue;
      const s = Atomics.load(ctl, STATE + id);
      if (s !== FREE && s !== EXITED && s !== FAILED) {
        // The last worker with this id has not left yet; spawn on a later call.
        this.complete = false;
        continue;
      }
      if (!this.spawn(id)) {
        this.broken = 'worker threads cannot be created here';
        this.complete = false;
        return;
      }
    }
  }

  /**
   * Runs task function `name(task, thread, args)` for `task = 0..nTasks-1`
   * on the ready workers and the calling thread (thread 0), and returns
   * when all have finished. Returns false, having run nothing, when no
   * worker is ready, the task is unknown, or there is a single task: the
   * caller then runs the tasks itself.
   *
   * @throws {DeviceError} When a task threw (a wasm trap); the other
   *   threads' tasks have finished by then and the pool stays usable.
   */
  run(name: string, nTasks: number, args: number, exports: Record<string, WasmFn>): boolean {
    const ctl = this.ctl;
    if (!ctl || this.destroyed || !(nTasks >= 2)) return false;
    const task = this.taskIndex.get(name);
    const fn = exports[name];
    if (task === undefined || typeof fn !== 'function') return false;
    const ready = this.ready;
    if (ready === 0) return false;
    const n = nTasks | 0;

    // Publish: descriptor, then the claim count (opens the job), then the wake-up.
    Atomics.store(ctl, N, n);
    Atomics.store(ctl, TASK, task);
    Atomics.store(ctl, ARGS, args);
    Atomics.store(ctl, ERR, 0);
    Atomics.store(ctl, ERR_LEN, 0);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, CLAIM, n);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN, Math.min(ready, n - 1));

    // Take tasks like any worker.
    while (Atomics.load(ctl, CLAIM) > 0) {
      const left = Atomics.sub(ctl, CLAIM, 1);
      if (left <= 0) break;
      const t = n - left;
      try {
        fn(t, 0, args);
      } catch (e) {
        this.fail(ctl, t, e);
      }
      Atomics.add(ctl, DONE, 1);
    }

    // Wait for the tasks other threads are still running.
    let done = Atomics.load(ctl, DONE);
    for (let i = threadTuning.callerSpin; done < n && i > 0; i--) done = Atomics.load(ctl, DONE);
    if (done < n) {
      if (detectWaitMode(ctl) === 'block') {
        while ((done = Atomics.load(ctl, DONE)) < n) Atomics.wait(ctl, DONE, done);
      } else {
        while (Atomics.load(ctl, DONE) < n);
      }
    }

    const err = Atomics.load(ctl, ERR);
    if (err !== 0) {
      const len = Atomics.load(ctl, ERR_LEN);
      // Copy out of the shared buffer (TextDecoder rejects shared views in browsers).
      const bytes = new Uint8Array(this.heap.memory.buffer, this.base + MSG_BYTE, len).slice();
      const message = new TextDecoder().decode(bytes);
      const thread = Atomics.load(ctl, ERR_THREAD);
      throw new DeviceError(
        `parallel: expected task function '${name}' to complete all ${n} tasks, but task ${err - 1} failed on thread ${thread}: ${message}`,
      );
    }
    return true;
  }

  /** Stops the workers (each leaves after its current task); the pool runs nothing afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (let id = 1; id < this.handles.length; id++) if (this.handles[id]) this.stopWorker(id, false);
    this.handles = [];
    this.target = 0;
    if (this.ctl) {
      this.wakeAll();
      Atomics.store(this.ctl, DESTROYED, 1);
    }
  }

  /** Records a task error from the calling thread and cancels the unclaimed rest of the job. */
  private fail(ctl: Int32Array, t: number, e: unknown): void {
    if (Atomics.compareExchange(ctl, ERR, 0, t + 1) === 0) {
      const msg = e instanceof Error ? e.message : String(e);
      const bytes = new TextEncoder().encode(msg);
      const len = Math.min(bytes.length, MSG_MAX);
      new Uint8Array(this.heap.memory.buffer, this.base + MSG_BYTE, len).set(bytes.subarray(0, len));
      Atomics.store(ctl, ERR_THREAD, 0);
      Atomics.store(ctl, ERR_LEN, len);
    }
    const left = Atomics.exchange(ctl, CLAIM, 0);
    if (left > 0) Atomics.add(ctl, DONE, left);
  }

  /**
   * Takes a free control block in the reserved area: one never used, or
   * one whose pool was destroyed and whose workers have all left.
   */
  private acquire(): boolean {
    const all = new Int32Array(this.heap.memory.buffer, 0, (BLOCKS * BLOCK_BYTES) / 4);
    for (let b = 0; b < BLOCKS; b++) {
      const w0 = (b * BLOCK_BYTES) / 4;
      let free = Atomics.load(all, w0 + OWNER) === 0;
      if (!free && Atomics.load(all, w0 + DESTROYED) === 1) {
        free = true;
        for (let id = 1; id <= MAX_WORKERS; id++) {
          const s = Atomics.load(all, w0 + STATE + id);
          if (s !== FREE && s !== EXITED && s !== FAILED) {
            free = false;
            break;
          }
        }
      }
      if (!free) continue;
      all.fill(0, w0, w0 + BLOCK_BYTES / 4);
      Atomics.store(all, w0 + OWNER, this.poolId);
      this.base = b * BLOCK_BYTES;
      this.ctl = new Int32Array(this.heap.memory.buffer, this.base, BLOCK_BYTES / 4);
      return true;
    }
    return false;
  }

  /** Starts worker `id`; false when workers cannot be created here. */
  private spawn(id: number): boolean {
    const ctl = this.ctl!;
    Atomics.store(ctl, STATE + id, STARTING);
    const data = { module: this.module, memory: this.heap.memory, base: this.base, id, tasks: [...this.tasks] };
    const handle: Handle = { id };
    try {
      const wt = nodeWorkerThreads();
      if (wt) {
        const w = new wt.Worker(workerSource(threadTuning.workerSpin), { eval: true, workerData: data, name: `laminar-wasm-${id}` });
        w.on('error', () => this.died(handle));
        w.on('exit', () => this.died(handle));
        // After the listeners: unref() also unrefs the worker's port.
        w.unref();
      } else {
        const W = (globalThis as { Worker?: new (url: string) => Worker }).Worker;
        if (typeof W !== 'function' || typeof Blob !== 'function' || typeof URL?.createObjectURL !== 'function') {
          throw new Error('no Worker');
        }
        const w = new W(workerUrl());
        w.onerror = (ev: ErrorEvent) => {
          ev.preventDefault?.();
          this.died(handle);
        };
        w.postMessage(data);
      }
    } catch {
      Atomics.store(ctl, STATE + id, FREE);
      return false;
    }
    this.handles[id] = handle;
    this.occupant[id] = handle;
    return true;
  }

  /**
   * Asks worker `id` to leave; `wakeAll` afterwards. With `quiesce`, also
   * makes sure it can no longer claim a task (of the next job, with an id
   * that job may not have scratch space for): a worker stopped while in its
   * claim loop (no job is open, so it is only finding nothing to claim) is
   * waited for until it has left. False when it did not leave in time.
   */
  private stopWorker(id: number, quiesce: boolean): boolean {
    const ctl = this.ctl!;
    this.handles[id] = undefined;
    const S = STATE + id;
    for (;;) {
      const s = Atomics.load(ctl, S);
      if (s !== STARTING && s !== READY && s !== BUSY) return true;
      if (Atomics.compareExchange(ctl, S, s, STOPPING) !== s) continue;
      if (s !== BUSY || !quiesce) return true;
      const end = Date.now() + STOP_TIMEOUT_MS;
      const block = detectWaitMode(ctl) === 'block';
      while (Atomics.load(ctl, S) === STOPPING) {
        if (Date.now() > end) return false;
        if (block) Atomics.wait(ctl, S, STOPPING, 1);
      }
      return true;
    }
  }

  /** Wakes every sleeping worker (a generation bump with no job: they check their state). */
  private wakeAll(): void {
    const ctl = this.ctl!;
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
  }

  /**
   * A worker's 'error' or 'exit' event: it is gone (or never ran). Marks
   * its state word so its id can be reused, and drops it from the pool.
   */
  private died(handle: Handle): void {
    const ctl = this.ctl;
    // After a destroy, the block may already belong to a newer pool (all our workers had left).
    if (!ctl || Atomics.load(ctl, OWNER) !== this.poolId) return;
    // Once a worker wrote EXITED its id may have been given to a new worker: that one's state is not ours to touch.
    if (this.occupant[handle.id] === handle) {
      const s = Atomics.load(ctl, STATE + handle.id);
      if (s === FAILED) this.broken = FAILED_REASON;
      // A worker that never ran (its script was blocked) or was killed never wrote EXITED.
      else if (s !== EXITED) Atomics.store(ctl, STATE + handle.id, EXITED);
      if (this.handles[handle.id] === handle) this.lost(handle.id, s === FAILED);
    }
  }

  /** Worker `id` left without being asked to: drop it (respawned later unless it failed to start). */
  private lost(id: number, failed: boolean): void {
    this.handles[id] = undefined;
    this.complete = false;
    if (failed) this.broken = FAILED_REASON;
    else if (++this.deaths > MAX_DEATHS) this.broken = `worker threads exited unexpectedly ${this.deaths} times`;
  }
}
