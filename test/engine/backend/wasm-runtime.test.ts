/**
 * The wasm runtime: the assembler's encoding, the heap allocator, CPU
 * tensors living on the heap, and the CPU knobs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as lm from '../../../src/index.js';
import { ModuleBuilder } from '../../../src/engine/backend/wasm/asm.js';
import { blockClass, RESERVED_BYTES, WasmHeap } from '../../../src/engine/backend/wasm/heap.js';
import { getRuntime } from '../../../src/engine/backend/wasm/runtime.js';

const wasmOn = getRuntime() !== null;

describe('assembler', () => {
  it('encodes a SIMD loop that runs', () => {
    const mb = new ModuleBuilder({ initial: 1, maximum: 2, shared: false });
    mb.func('axpy', ['i32', 'i32', 'i32', 'f32'], [], (f) => {
      // y[i] = a * x[i] + y[i] for n floats (n a multiple of 4)
      const i = f.local('i32');
      const a = f.local('v128');
      f.get(3).f32x4Splat().set(a);
      f.for_(i, () => f.i32(0), () => f.get(2).i32(2).i32Shl(), 16, () => {
        f.get(1).get(i).i32Add();
        f.get(a).get(0).get(i).i32Add().v128Load().f32x4Mul();
        f.get(1).get(i).i32Add().v128Load().f32x4Add();
        f.v128Store();
      });
    });
    // A function that calls an earlier one, with an i32 result, and negative constants.
    mb.func('twice_minus', ['i32'], ['i32'], (f) => void f.get(0).i32(2).i32Mul().i32(-1000).i32Add());
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const bytes = mb.toBytes();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<string, (...a: number[]) => number>;
    const f = new Float32Array(memory.buffer);
    for (let i = 0; i < 8; i++) {
      f[i] = i;
      f[16 + i] = 100;
    }
    ex.axpy(0, 64, 8, 0.5);
    expect(Array.from(f.subarray(16, 24))).toEqual([100, 100.5, 101, 101.5, 102, 102.5, 103, 103.5]);
    expect(ex.twice_minus(7)).toBe(-986);
    expect(ex.twice_minus(-5000000)).toBe(-10001000);
  });
});

describe('heap allocator', () => {
  const heap = () => new WasmHeap(new WebAssembly.Memory({ initial: 1, maximum: 64, shared: true }), 64 * 65536);

  it('hands out 64-byte aligned blocks above the reserved area, and reuses freed ones', () => {
    const h = heap();
    const a = h.alloc(100);
    const b = h.alloc(4000);
    expect(a).toBeGreaterThanOrEqual(RESERVED_BYTES);
    expect(a % 64).toBe(0);
    expect(b % 64).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 100);
    expect(h.free(a, 100)).toBe(true);
    expect(h.alloc(90)).toBe(a); // same size class
    expect(h.reused).toBe(1);
    expect(h.usedBytes).toBe(blockClass(100) + blockClass(4000));
  });

  it('ignores a double free and a foreign address', () => {
    const h = heap();
    const a = h.alloc(256);
    expect(h.free(a, 256)).toBe(true);
    expect(h.free(a, 256)).toBe(false);
    expect(h.free(123456, 16)).toBe(false);
    expect(h.usedBytes).toBe(0);
    expect(h.liveBlocks).toBe(0);
  });

  it('grows the memory, keeps earlier views valid, and refuses past its limit', () => {
    const h = heap();
    const a = h.alloc(1000);
    const va = h.f32(a, 250);
    va.fill(7);
    const big = h.alloc(2 * 65536);
    expect(big).toBeGreaterThan(0);
    expect(h.reservedBytes).toBeGreaterThan(65536);
    expect(va[249]).toBe(7); // a shared memory's old views survive growth
    expect(h.owns(va)).toBe(true);
    expect(h.owns(h.f32(big, 4))).toBe(true);
    expect(h.owns(new Float32Array(4))).toBe(false);
    expect(h.alloc(64 * 65536)).toBe(-1);
  });

  it('size classes waste at most a quarter', () => {
    for (const n of [1, 63, 64, 65, 255, 257, 1000, 4097, 1e6, 3e7]) {
      const c = blockClass(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c % 64).toBe(0);
      if (n > 256) expect(c).toBeLessThanOrEqual(n * 1.25 + 64);
    }
  });

  it('the argument stack pushes and pops', () => {
    const h = heap();
    const p = h.pushArgs([1, -2, 3]);
    const q = h.pushArgs([4]);
    expect(q).toBeGreaterThan(p);
    expect(Array.from(h.i32(p, 3))).toEqual([1, -2, 3]);
    h.popArgs(q);
    h.popArgs(p);
    expect(h.pushArgs([9])).toBe(p);
  });
});

describe.runIf(wasmOn && getRuntime()!.shared)('CPU tensors on the wasm heap', () => {
  it('float32 results live on the heap, and dispose returns their blocks', () => {
    const rt = getRuntime()!;
    const used = rt.heap.usedBytes;
    const x = lm.range(0, 1000);
    const y = lm.tidy(() => x.mul(2).add(1));
    expect(rt.heap.usedBytes).toBeGreaterThan(used);
    expect(y.dataSync()[999]).toBe(1999);
    const small = lm.tensor([1, 2, 3]).mul(2);
    expect(rt.heap.owns(small.dataSync())).toBe(false);
    small.dispose();
    lm.dispose([x, y]);
    expect(rt.heap.usedBytes).toBe(used);
  });

  it('a steady loop stops growing the heap after its first step', () => {
    const rt = getRuntime()!;
    const w = lm.variable(lm.randomNormal([64, 32], 0, 1, 'float32', 1));
    const x = lm.randomNormal([16, 64], 0, 1, 'float32', 2);
    const step = () =>
      lm.tidy(() => {
        const { grads } = lm.variableGrads(() => x.matMul(w).relu().square().mean(), [w]);
        w.assign(w.sub(grads[w.name].mul(0.01)));
      });
    step();
    const reserved = rt.heap.reservedBytes;
    const used = rt.heap.usedBytes;
    for (let i = 0; i < 20; i++) step();
    expect(rt.heap.reservedBytes).toBe(reserved);
    expect(rt.heap.usedBytes).toBe(used);
    lm.dispose([w, x]);
  });

  it('data read back is an ordinary (unshared) copy', async () => {
    const t = lm.ones([400]).mul(3);
    const v = await t.data();
    expect(v.buffer).toBeInstanceOf(ArrayBuffer);
    expect(v[399]).toBe(3);
    t.dispose();
  });
});

describe('CPU configuration', () => {
  afterEach(() => lm.configureCpu({ threads: lm.getCpuInfo().cores, relaxedSimd: 'auto', wasm: true }));

  it('setNumThreads and getNumThreads', () => {
    lm.setNumThreads(3);
    expect(lm.getNumThreads()).toBe(3);
    expect(() => lm.setNumThreads(0)).toThrow('setNumThreads: expected a positive integer, got 0');
    expect(() => lm.setNumThreads(1.5)).toThrow(lm.ValueError);
    expect(lm.getNumThreads()).toBe(3);
  });

  it('configureCpu validates every field before changing anything', () => {
    lm.setNumThreads(2);
    expect(() => lm.configureCpu({ threads: 4, relaxedSimd: 'yes' as never })).toThrow("configureCpu: expected relaxedSimd to be true, false or 'auto', got yes");
    expect(lm.getNumThreads()).toBe(2);
    expect(() => lm.configureCpu({ wasm: 1 as never })).toThrow('configureCpu: expected wasm to be a boolean, got 1');
    expect(() => lm.configureCpu({ heapLimitBytes: 10 })).toThrow('configureCpu: expected heapLimitBytes to be at least 1 MiB, got 10');
  });

  it('getCpuInfo describes the kernels in use', () => {
    const info = lm.getCpuInfo();
    expect(info.cores).toBeGreaterThanOrEqual(1);
    expect(typeof info.simd).toBe('boolean');
    if (info.wasm) {
      expect(info.simd).toBe(true);
      expect(info.heapBytes).toBeGreaterThan(0);
    } else expect(info.reason).toMatch(/turned off|no WebAssembly SIMD|failed/);
  });

  it.runIf(wasmOn)('wasm off runs the TypeScript kernels, and tensors made before stay valid', () => {
    const a = lm.tensor([[1, 2], [3, 4]]);
    lm.configureCpu({ wasm: false });
    expect(lm.getCpuInfo().wasm).toBe(false);
    expect(lm.getCpuInfo().reason).toContain('turned off');
    const b = a.matMul(a);
    expect(Array.from(b.dataSync())).toEqual([7, 10, 15, 22]);
    lm.configureCpu({ wasm: true });
    expect(lm.getCpuInfo().wasm).toBe(true);
    const c = a.matMul(b);
    expect(Array.from(c.dataSync())).toEqual([37, 54, 81, 118]);
    lm.dispose([a, b, c]);
  });

  it.runIf(wasmOn)('a relaxed-SIMD change made while wasm is off applies when it comes back on', () => {
    lm.configureCpu({ wasm: false });
    lm.configureCpu({ relaxedSimd: false });
    lm.configureCpu({ wasm: true });
    expect(lm.getCpuInfo().relaxedSimd).toBe(false);
    lm.configureCpu({ relaxedSimd: 'auto' });
  });

  it.runIf(wasmOn)('relaxed SIMD can be forced off and back', () => {
    lm.configureCpu({ relaxedSimd: false });
    expect(lm.getCpuInfo().relaxedSimd).toBe(false);
    const y = lm.tidy(() => Array.from(lm.ones([8, 8]).matMul(lm.ones([8, 8])).dataSync()));
    expect(y.every((v) => v === 8)).toBe(true);
    lm.configureCpu({ relaxedSimd: 'auto' });
  });
});
