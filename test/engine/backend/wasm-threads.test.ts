import { describe, expect, it, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { ModuleBuilder } from '../../../src/engine/backend/wasm/asm.js';
import { WasmHeap } from '../../../src/engine/backend/wasm/heap.js';
import { ThreadPool, threadLayout, threadTuning } from '../../../src/engine/backend/wasm/threads.js';
import type { WasmFn } from '../../../src/engine/backend/wasm/runtime.js';
import { DeviceError } from '../../../src/engine/errors.js';
import { buildTestModule, makeTestPool, TEST_TASKS, until, type TestPool } from '../../fixtures/wasm-threads-module.js';

const module = buildTestModule();
const pools: ThreadPool[] = [];
afterEach(() => {
  for (const p of pools.splice(0)) p.destroy();
});

function testPool(): TestPool {
  const tp = makeTestPool(module);
  pools.push(tp.pool);
  return tp;
}

/** Busy-waits `ms` milliseconds (keeps the calling thread off the claim counter). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** Exports whose `name` makes the calling thread slow on every task it takes, so workers must take part. */
function slowCaller(exports: Record<string, WasmFn>, name: string, ms: number): Record<string, WasmFn> {
  const fn = exports[name];
  return {
    ...exports,
    [name]: (t: number, thread: number, args: number) => {
      busy(ms);
      return fn(t, thread, args);
    },
  };
}

interface WriteJob {
  args: number;
  out: Int32Array;
  thr: Int32Array;
  cnt: Int32Array;
}

/** Arrays for `t_write` with up to `max` tasks, and its argument block. */
function writeJob(heap: WasmHeap, max: number, tag: number, spin: number): WriteJob {
  const out = heap.alloc(max * 4);
  const thr = heap.alloc(max * 4);
  const cnt = heap.alloc(max * 4);
  const job = { args: heap.pushArgs([out, thr, cnt, tag, spin]), out: heap.i32(out, max), thr: heap.i32(thr, max), cnt: heap.i32(cnt, max) };
  job.cnt.fill(0);
  return job;
}

describe('ThreadPool', () => {
  it('runs nothing until a worker is ready, then uses the workers', async () => {
    const { pool, heap, exports } = testPool();
    const job = writeJob(heap, 8, 0, 0);
    expect(pool.ready).toBe(0);
    expect(pool.run('t_write', 8, job.args, exports)).toBe(false);
    expect(job.cnt[0]).toBe(0);
    pool.resize(2);
    expect(await until(() => pool.ready === 2)).toBe(true);
    // A single task, or an unknown task, is left to the caller.
    expect(pool.run('t_write', 1, job.args, exports)).toBe(false);
    expect(pool.run('not_a_task', 8, job.args, exports)).toBe(false);
    // An awake worker may take every task before the caller claims one, so
    // give the tasks some work and look across a few jobs.
    heap.i32(job.args, 5)[4] = 20_000;
    const slow = slowCaller(exports, 't_write', 2);
    const seen = new Set<number>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      job.cnt.fill(0);
      expect(pool.run('t_write', 8, job.args, slow)).toBe(true);
      expect([...job.cnt]).toEqual(Array(8).fill(1));
      expect([...job.out]).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
      for (const id of job.thr) seen.add(id);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  for (const workers of [1, 2, 3]) {
    it(`runs every task exactly once over 2000 jobs with ${workers} worker(s)`, async () => {
      const { pool, heap, exports } = testPool();
      pool.resize(workers);
      expect(await until(() => pool.ready === workers)).toBe(true);
      const max = 64;
      const job = writeJob(heap, max, 0, 0);
      const words = heap.i32(job.args, 5);
      const seen = new Set<number>();
      for (let j = 0; j < 2000; j++) {
        const n = 2 + ((j * 7919) % (max - 1));
        words[3] = j * 1000; // tag
        words[4] = j % 4 === 0 ? 2000 : 0; // uneven task costs on some jobs
        job.cnt.fill(0, 0, n);
        job.thr.fill(-1, 0, n);
        const exp = j % 50 === 0 ? slowCaller(exports, 't_write', 1) : exports;
        expect(pool.run('t_write', n, job.args, exp)).toBe(true);
        for (let t = 0; t < n; t++) {
          if (job.cnt[t] !== 1 || job.out[t] !== j * 1000 + 2 * t) {
            throw new Error(`job ${j}: task ${t} of ${n} ran ${job.cnt[t]} times, out ${job.out[t]}`);
          }
          seen.add(job.thr[t]);
        }
      }
      expect(seen.has(0)).toBe(true);
      expect(seen.size).toBeGreaterThan(1);
      for (const id of seen) expect(id >= 0 && id <= workers).toBe(true);
    });
  }

  it('throws a DeviceError naming the task on a trap, and keeps working', async () => {
    const { pool, heap, exports } = testPool();
    pool.resize(2);
    expect(await until(() => pool.ready === 2)).toBe(true);
    const n = 16;
    const out = heap.alloc(n * 4);
    const flags = heap.i32(out, n);
    const job = writeJob(heap, n, 7, 0);
    for (const [bad, slow] of [
      [5, false],
      [0, false],
      [15, true], // the caller is slow: a worker takes (and traps in) task 15
      [3, true],
    ] as const) {
      const args = heap.pushArgs([bad, out]);
      flags.fill(0);
      const exp = slow ? slowCaller(exports, 't_trap', 20) : exports;
      let err: unknown;
      try {
        pool.run('t_trap', n, args, exp);
      } catch (e) {
        err = e;
      }
      heap.popArgs(args);
      expect(err).toBeInstanceOf(DeviceError);
      expect((err as Error).message).toContain(`'t_trap'`);
      expect((err as Error).message).toContain(`task ${bad} failed on thread`);
      expect((err as Error).message).toMatch(/out of bounds/i);
      if (slow) expect((err as Error).message).not.toContain('on thread 0');
      expect(flags[bad]).toBe(0);
      // The pool still runs jobs correctly afterwards.
      job.cnt.fill(0);
      expect(pool.run('t_write', n, job.args, exports)).toBe(true);
      expect([...job.cnt]).toEqual(Array(n).fill(1));
      expect(job.out[n - 1]).toBe(7 + 2 * (n - 1));
    }
    expect(pool.ready).toBe(2);
  });

  it('resizes down and up', async () => {
    const { pool, heap, exports } = testPool();
    const n = 12;
    const job = writeJob(heap, n, 0, 20_000);
    const slow = slowCaller(exports, 't_write', 2);
    const threadsUsed = (): Set<number> => {
      job.cnt.fill(0);
      job.thr.fill(-1);
      expect(pool.run('t_write', n, job.args, slow)).toBe(true);
      expect([...job.cnt]).toEqual(Array(n).fill(1));
      return new Set(job.thr);
    };
    pool.resize(3);
    expect(await until(() => pool.ready === 3)).toBe(true);
    pool.resize(1);
    expect(pool.ready).toBe(1);
    for (let i = 0; i < 5; i++) for (const id of threadsUsed()) expect(id).toBeLessThanOrEqual(1);
    pool.resize(0);
    expect(pool.ready).toBe(0);
    expect(pool.run('t_write', n, job.args, exports)).toBe(false);
    // Ids come back as the old workers leave (resize is called again, as `parallel` does).
    expect(await until(() => (pool.resize(2), pool.ready === 2))).toBe(true);
    const used = new Set<number>();
    for (let i = 0; i < 5; i++) for (const id of threadsUsed()) used.add(id);
    for (const id of used) expect(id).toBeLessThanOrEqual(2);
    expect(used.size).toBeGreaterThan(1);
  });

  it('never lets a stopped worker take a task (resize between jobs)', async () => {
    const { pool, heap, exports } = testPool();
    const n = 24;
    const job = writeJob(heap, n, 0, 5000);
    pool.resize(3);
    expect(await until(() => pool.ready === 3)).toBe(true);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      // Worker 1 survives most changes (so someone is ready); all stop now and then.
      const k = i % 101 === 100 ? 0 : [1, 3, 2, 3, 1, 2][i % 6];
      pool.resize(k);
      job.cnt.fill(0);
      job.thr.fill(-1);
      if (!pool.run('t_write', n, job.args, exports)) {
        for (let t = 0; t < n; t++) exports.t_write(t, 0, job.args);
      }
      for (let t = 0; t < n; t++) {
        if (job.cnt[t] !== 1 || job.thr[t] < 0 || job.thr[t] > k) {
          throw new Error(`iteration ${i} (${k} workers): task ${t} ran ${job.cnt[t]} times on thread ${job.thr[t]}`);
        }
        seen.add(job.thr[t]);
      }
      // Let new workers boot now and then (their ids become free as stopped ones leave).
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('gives up threads, without hanging, when a stopped worker never leaves its claim loop', async () => {
    const { pool, heap, exports } = testPool();
    pool.resize(2);
    expect(await until(() => pool.ready === 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 50)); // the workers are asleep now
    // Pretend worker 2 died inside its claim loop (a fresh memory: the pool has block 0).
    const ctl = new Int32Array(heap.memory.buffer, 0, threadLayout.blockBytes / 4);
    Atomics.store(ctl, threadLayout.stateWord + 2, threadLayout.busy);
    const t0 = Date.now();
    pool.resize(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(threadLayout.stopTimeoutMs - 50);
    expect(pool.ready).toBe(0);
    expect(pool.unavailable).toMatch(/worker thread 2 did not stop/);
    const job = writeJob(heap, 4, 0, 0);
    expect(pool.run('t_write', 4, job.args, exports)).toBe(false);
    pool.resize(2);
    expect(pool.ready).toBe(0);
  });

  it('reclaims control blocks of pools destroyed while their workers were starting', async () => {
    const { heap, exports } = testPool();
    for (let k = 0; k < 6; k++) {
      const p = new ThreadPool(module, heap, TEST_TASKS);
      p.resize(3);
      p.destroy();
    }
    const last = new ThreadPool(module, heap, TEST_TASKS);
    pools.push(last);
    expect(await until(() => (last.resize(2), last.ready === 2))).toBe(true);
    const job = writeJob(heap, 8, 1, 0);
    expect(last.run('t_write', 8, job.args, exports)).toBe(true);
    expect([...job.cnt]).toEqual(Array(8).fill(1));
  });

  it('destroy stops the pool; a new pool on the same memory works', async () => {
    const { pool, heap, exports } = testPool();
    pool.resize(2);
    expect(await until(() => pool.ready === 2)).toBe(true);
    pool.destroy();
    expect(pool.ready).toBe(0);
    const job = writeJob(heap, 8, 3, 0);
    expect(pool.run('t_write', 8, job.args, exports)).toBe(false);
    pool.resize(2); // ignored once destroyed
    expect(pool.ready).toBe(0);
    // Pools rebuilt in quick succession on one memory (as a relaxed-SIMD switch does).
    for (let k = 0; k < 8; k++) {
      const next = new ThreadPool(module, heap, TEST_TASKS);
      pools.push(next);
      expect(await until(() => (next.resize(2), next.ready === 2))).toBe(true);
      job.cnt.fill(0);
      job.thr.fill(-1);
      expect(next.run('t_write', 8, job.args, slowCaller(exports, 't_write', 2))).toBe(true);
      expect([...job.cnt]).toEqual(Array(8).fill(1));
      for (const id of job.thr) expect(id).toBeLessThanOrEqual(2);
      next.destroy();
    }
  });

  it('stays empty without throwing when workers cannot run', async () => {
    // A memory that is not shared: no workers at all.
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 4 });
    const heap = new WasmHeap(memory, 4 * 65536);
    const mb = new ModuleBuilder({ initial: 1, maximum: 4, shared: false });
    mb.func('t_nop', ['i32', 'i32', 'i32'], [], () => {});
    const plain = new WebAssembly.Module(mb.toBytes());
    const exports = new WebAssembly.Instance(plain, { env: { memory } }).exports as unknown as Record<string, WasmFn>;
    const p1 = new ThreadPool(plain, heap, ['t_nop']);
    pools.push(p1);
    expect(() => p1.resize(2)).not.toThrow();
    expect(p1.ready).toBe(0);
    expect(p1.run('t_nop', 4, 0, exports)).toBe(false);
    expect(p1.unavailable).toMatch(/not shared/);

    // A module the workers fail to instantiate (it needs more pages than the memory has).
    const big = new ModuleBuilder({ initial: 200, maximum: 256, shared: true });
    big.func('t_nop', ['i32', 'i32', 'i32'], [], () => {});
    const tp = testPool();
    const p2 = new ThreadPool(new WebAssembly.Module(big.toBytes()), tp.heap, ['t_nop']);
    pools.push(p2);
    p2.resize(2);
    expect(await until(() => (p2.resize(2), p2.ready, p2.unavailable !== undefined))).toBe(true);
    expect(p2.unavailable).toMatch(/instantiate/);
    expect(p2.ready).toBe(0);
    expect(p2.run('t_nop', 4, 0, tp.exports)).toBe(false);
  });

  it('runs on Web Workers from a Blob URL (emulated on worker_threads), the caller spinning', async () => {
    /** A Web Worker: loads its classic script from a Blob URL, with no `process` and a `self`. */
    class FakeWebWorker {
      onerror: ((ev: unknown) => void) | null = null;
      private readonly inner: Promise<NodeWorker>;
      constructor(url: string) {
        const blob = resolveObjectURL(url);
        if (!blob) throw new Error(`no Blob at ${url}`);
        this.inner = blob.text().then((src) => {
          const shim = [
            "const { parentPort } = require('node:worker_threads');",
            'const selfShim = { onmessage: null, close() { parentPort.close(); } };',
            "parentPort.once('message', (data) => selfShim.onmessage({ data }));",
            `(function (process, self) {\n${src}\n})(undefined, selfShim);`,
          ].join('\n');
          const w = new NodeWorker(shim, { eval: true });
          w.unref();
          return w;
        });
      }
      postMessage(data: unknown): void {
        void this.inner.then((w) => w.postMessage(data));
      }
    }
    const { pool, heap, exports } = testPool();
    const g = globalThis as { Worker?: unknown };
    const getBuiltinModule = process.getBuiltinModule;
    const hadWorker = 'Worker' in g;
    const oldWorker = g.Worker;
    try {
      g.Worker = FakeWebWorker;
      (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
      pool.resize(2); // spawns synchronously
    } finally {
      process.getBuiltinModule = getBuiltinModule;
      if (hadWorker) g.Worker = oldWorker;
      else delete g.Worker;
    }
    expect(await until(() => pool.ready === 2)).toBe(true);
    threadTuning.callerWait = 'spin';
    try {
      const job = writeJob(heap, 32, 0, 3000);
      const words = heap.i32(job.args, 5);
      const seen = new Set<number>();
      for (let j = 0; j < 300; j++) {
        const n = 2 + (j % 31);
        words[3] = j;
        job.cnt.fill(0, 0, n);
        expect(pool.run('t_write', n, job.args, j % 10 === 0 ? slowCaller(exports, 't_write', 1) : exports)).toBe(true);
        for (let t = 0; t < n; t++) {
          if (job.cnt[t] !== 1 || job.out[t] !== j + 2 * t) throw new Error(`job ${j}: task ${t} ran ${job.cnt[t]} times`);
          seen.add(job.thr[t]);
        }
      }
      expect(seen.size).toBeGreaterThan(1);
      const bad = heap.alloc(64);
      const args = heap.pushArgs([3, bad]);
      expect(() => pool.run('t_trap', 8, args, slowCaller(exports, 't_trap', 20))).toThrow(/task 3 failed on thread [12]/);
      heap.popArgs(args);
      pool.resize(1);
      expect(pool.ready).toBe(1);
    } finally {
      threadTuning.callerWait = 'auto';
    }
  });

  it('lets a Node process exit by itself, and process.exit work with workers asleep', () => {
    const fixture = fileURLToPath(new URL('../../fixtures/wasm-threads-exit.ts', import.meta.url));
    for (const [mode, code] of [
      ['natural', 0],
      ['destroy', 0],
      ['exit', 7],
      ['exit-now', 8],
    ] as const) {
      const t0 = Date.now();
      const r = spawnSync(process.execPath, ['--import', 'tsx', fixture, mode], { encoding: 'utf8', timeout: 30_000 });
      expect(r.error, `${mode}: ${String(r.error)}`).toBeUndefined();
      expect(r.status, `${mode}: ${r.stderr}`).toBe(code);
      expect(JSON.parse(r.stdout.trim())).toEqual({ mode, ready: true, ran: 200, ok: true });
      expect(Date.now() - t0).toBeLessThan(20_000);
    }
  });

  it('measures the dispatch overhead', async () => {
    const { pool, heap, exports } = testPool();
    pool.resize(1);
    expect(await until(() => pool.ready === 1)).toBe(true);
    const thr = heap.alloc(64);
    const args = heap.pushArgs([0, thr]);
    const words = heap.i32(args, 2);
    const spin = exports.t_spin;
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1];
    const busy = (ms: number): void => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    /** Median microseconds of `f`; `gapMs` of busy time first lets the worker fall asleep. */
    const time = (f: () => void, reps: number, gapMs = 0): number => {
      const xs: number[] = [];
      for (let i = 0; i < reps; i++) {
        if (gapMs) busy(gapMs);
        const t0 = performance.now();
        f();
        xs.push(performance.now() - t0);
      }
      return median(xs) * 1000;
    };
    words[0] = 1_000_000;
    const perUs = 1_000_000 / time(() => spin(0, 0, args), 5);
    const lines: string[] = [];
    for (const us of [0, 20, 100]) {
      words[0] = Math.round(us * perUs);
      const warm = time(() => pool.run('t_spin', 2, args, exports), us ? 200 : 2000);
      const cold = time(() => pool.run('t_spin', 2, args, exports), 100, 1);
      const serial = time(() => (spin(0, 0, args), spin(1, 0, args)), us ? 200 : 2000);
      lines.push(`2 tasks of ${us} us: parallel ${warm.toFixed(1)} us back-to-back, ${cold.toFixed(1)} us with the worker asleep; serial ${serial.toFixed(1)} us`);
    }
    console.log(`rt.parallel dispatch (1 worker + caller):\n  ${lines.join('\n  ')}`);
    expect(pool.ready).toBe(1);
  });
});
