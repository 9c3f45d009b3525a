/**
 * The WebGPU backend's own behaviour: adapter info, dtypes, transfers,
 * memory accounting and the buffer pool, dispatch batching, deferred data
 * checks, and errors (device loss, invalid shaders, oversize tensors) that
 * surface as DeviceErrors instead of hangs. Skips without an adapter (the
 * global setup printed how to enable it).
 */
import { describe, expect, inject, it } from 'vitest';
import * as lm from '../../../src/index.js';
import { WebGPUBackend } from '../../../src/engine/backend/webgpu/backend.js';
import { sizeClass } from '../../../src/engine/backend/webgpu/pool.js';

const on = inject('webgpu');
if (on) await lm.ready('webgpu');
const gpu = () => lm.getBackend('webgpu') as WebGPUBackend;
const onGpu = <T>(fn: () => T): T => lm.withDevice('webgpu', fn);

describe('size classes', () => {
  it('round up by at most 25% above 256 bytes, to 16 bytes below', () => {
    expect(sizeClass(1)).toBe(16);
    expect(sizeClass(17)).toBe(32);
    expect(sizeClass(256)).toBe(256);
    expect(sizeClass(257)).toBe(320);
    expect(sizeClass(4000)).toBe(4096);
    for (const n of [300, 1000, 4097, 123457, 10_000_001]) {
      expect(sizeClass(n)).toBeGreaterThanOrEqual(n);
      expect(sizeClass(n)).toBeLessThanOrEqual(n * 1.25);
    }
  });
});

describe.skipIf(!on)('webgpu backend', () => {
  it('reports the adapter it runs on', () => {
    const info = lm.getDeviceInfo('webgpu');
    expect(info).not.toBeNull();
    expect(['default', 'vulkan', 'metal', 'd3d12', 'opengl', 'opengles', 'browser']).toContain(info!.backend);
    expect(['core', 'compatibility']).toContain(info!.featureLevel);
    expect(info!.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(typeof info!.software).toBe('boolean');
    expect(lm.getDeviceInfo('cpu')).toBeNull();
  });

  it('holds float32, int32 and bool, and refuses float64 with a DTypeError naming the device', async () => {
    const [f, i, b] = onGpu(() => [lm.tensor([1.5, -2]), lm.tensor([7, -8], undefined, 'int32'), lm.tensor([true, false, true])]);
    expect(f.device).toBe('webgpu');
    expect(Array.from(await f.data())).toEqual([1.5, -2]);
    expect(await i.data()).toBeInstanceOf(Int32Array);
    expect(Array.from(await i.data())).toEqual([7, -8]);
    expect(await b.data()).toBeInstanceOf(Uint8Array);
    expect(Array.from(await b.data())).toEqual([1, 0, 1]);
    expect(() => onGpu(() => lm.tensor([1], undefined, 'float64'))).toThrow(lm.DTypeError);
    expect(() => onGpu(() => lm.tensor([1], undefined, 'float64'))).toThrow(/device 'webgpu' does not support dtype float64/);
    const c64 = lm.tensor([1, 2], undefined, 'float64');
    expect(() => c64.to('webgpu')).toThrow(/to: device 'webgpu' does not support dtype float64; cast the tensor first/);
    expect(() => onGpu(() => f.cast('float64'))).toThrow(/float64 is CPU only/);
    lm.dispose([f, i, b, c64]);
  });

  it('moves tensors: to("webgpu") from the CPU, toAsync("cpu") back; to("cpu") names toAsync', async () => {
    const c = lm.tensor([[1, 2], [3, 4]]);
    const g = c.to('webgpu');
    expect(g.device).toBe('webgpu');
    expect(g.shape).toEqual([2, 2]);
    expect(() => g.to('cpu')).toThrow(lm.DeviceError);
    expect(() => g.to('cpu')).toThrow(/await t.toAsync\("cpu"\)/);
    const back = await g.mul(2).toAsync('cpu');
    expect(back.device).toBe('cpu');
    expect(back.arraySync()).toEqual([[2, 4], [6, 8]]);
    expect(() => g.dataSync()).toThrow(/dataSync: tensors on 'webgpu' cannot be read synchronously; use 'await t.data\(\)' instead/);
    expect(String(g)).toContain('webgpu');
    lm.dispose([c, g, back]);
  });

  it('counts live tensors and bytes per device, and frees them on dispose', () => {
    const before = lm.memory().byDevice.webgpu ?? { numTensors: 0, numBytes: 0, numDataBuffers: 0 };
    const liveBefore = gpu().memory().numBuffers;
    const t = onGpu(() => lm.zeros([1000]));
    const after = lm.memory().byDevice.webgpu;
    expect(after.numTensors).toBe(before.numTensors + 1);
    expect(after.numBytes).toBe(before.numBytes + 4000);
    expect(gpu().memory().numBuffers).toBe(liveBefore + 1);
    t.dispose();
    expect(lm.memory().byDevice.webgpu.numTensors).toBe(before.numTensors);
    expect(gpu().memory().numBuffers).toBe(liveBefore);
  });

  it('reuses freed buffers: a steady loop creates no new buffers after its first pass', async () => {
    const step = () => onGpu(() => lm.tidy(() => lm.ones([300, 7]).mul(3).add(1).sub(2).exp().sum()));
    const pass = async () => {
      const s = step();
      await s.data();
      s.dispose();
    };
    await pass();
    const created = gpu().memory().buffersCreated;
    for (let i = 0; i < 20; i++) await pass();
    expect(gpu().memory().buffersCreated).toBe(created);
    expect(gpu().memory().buffersReused).toBeGreaterThan(0);
  });

  it('batches dispatches: a synchronous block of ops is one submit', async () => {
    await gpu().sync();
    const before = gpu().submits;
    const y = onGpu(() => lm.tidy(() => {
      let x = lm.ones([64]);
      for (let i = 0; i < 50; i++) x = x.add(1);
      return x;
    }));
    expect(gpu().submits).toBe(before);
    expect(Array.from(await y.data())[0]).toBe(51);
    expect(gpu().submits).toBe(before + 1);
    y.dispose();
  });

  it('submits on its own when maxBatchedDispatches is reached', async () => {
    lm.registerBackend('webgpu-small-batch', async () => {
      const b = new WebGPUBackend('webgpu-small-batch');
      await b.ready();
      (b as unknown as { options: { maxBatchedDispatches: number } }).options.maxBatchedDispatches = 10;
      return b;
    });
    await lm.ready('webgpu-small-batch');
    const b = lm.getBackend('webgpu-small-batch') as WebGPUBackend;
    const before = b.submits;
    const y = lm.withDevice('webgpu-small-batch', () => lm.tidy(() => {
      let x = lm.ones([8]);
      for (let i = 0; i < 35; i++) x = x.add(1);
      return x;
    }));
    expect(b.submits - before).toBe(3);
    expect(Array.from(await y.data())).toEqual(new Array(8).fill(36));
    y.dispose();
    b.destroy();
  });

  it('reports a bad index found on the device at the next read, as the CPU would have', async () => {
    // A check that passed is forgotten at the read that covered it, so later reads copy no status.
    const good = onGpu(() => lm.gather(lm.ones([3, 2]), lm.tensor([2, 0], undefined, 'int32')));
    expect(Array.from(await good.data())).toEqual([1, 1, 1, 1]);
    expect((gpu() as unknown as { checks: Map<number, unknown> }).checks.size).toBe(0);
    good.dispose();
    const idx = onGpu(() => lm.tensor([0, 5, 1], undefined, 'int32'));
    const y = onGpu(() => lm.gather(lm.ones([3, 2]), idx));
    await expect(y.data()).rejects.toThrow(lm.ValueError);
    const z = onGpu(() => lm.gather(lm.ones([3, 2]), idx));
    await expect(z.data()).rejects.toThrow(/gather: indices\[1\] = 5 is out of range for axis 0 of x \(shape \[3,2\]\); expected 0 <= index < 3/);
    // The report is consumed: the device goes on working.
    const ok = onGpu(() => lm.tensor([1, 2]).add(1));
    expect(Array.from(await ok.data())).toEqual([2, 3]);
    lm.dispose([idx, y, z, ok]);
  });

  it('reports a bad segment id even when the result is empty', async () => {
    const ids = onGpu(() => lm.tensor([-1, 0], undefined, 'int32'));
    const y = onGpu(() => lm.unsortedSegmentSum(lm.zeros([2]), ids, 0));
    expect(y.shape).toEqual([0]);
    await expect(y.data()).rejects.toThrow(/unsortedSegmentSum: segmentIds\[1\] = 0 is out of range; expected an id below numSegments = 0/);
    lm.dispose([ids, y]);
  });

  it('refuses a tensor larger than the adapter can bind, synchronously and naming the size', () => {
    const max = lm.getDeviceInfo('webgpu')!.limits.maxStorageBufferBindingSize;
    const n = Math.floor(max / 4) + 1024;
    const before = lm.memory().numTensors;
    expect(() => onGpu(() => lm.zeros([n]))).toThrow(lm.DeviceError);
    expect(() => onGpu(() => lm.zeros([n]))).toThrow(new RegExp(`${n} elements .* exceeds this adapter's largest storage buffer binding`));
    expect(lm.memory().numTensors).toBe(before);
  });

  it('surfaces a device error (an invalid shader) as a DeviceError at the next read, with the adapter\'s message', async () => {
    const b = gpu();
    const out = b.alloc(4);
    b.dispatch({ key: 'test:broken-shader', source: () => 'this is not WGSL', inputs: [], outputs: [out], workgroups: [1] });
    const t = onGpu(() => lm.tensor([1]));
    await expect(t.data()).rejects.toThrow(/read: the WebGPU device reported an error: [\s\S]*test:broken-shader/);
    b.free(out);
    // Work submitted with the broken pipeline is lost; errors it left behind are reported once, then the device works again.
    await b.sync().catch(() => undefined);
    const u = onGpu(() => lm.tensor([1, 2]).mul(3));
    expect(Array.from(await u.data())).toEqual([3, 6]);
    lm.dispose([t, u]);
  });

  it('turns device loss into DeviceErrors: pending and later reads reject, new ops throw, nothing hangs', async () => {
    lm.registerBackend('webgpu-lost', async () => {
      const b = new WebGPUBackend('webgpu-lost');
      await b.ready();
      return b;
    });
    await lm.ready('webgpu-lost');
    const b = lm.getBackend('webgpu-lost') as WebGPUBackend;
    const x = lm.withDevice('webgpu-lost', () => lm.ones([1000]).mul(2));
    const pending = x.data();
    b.destroy();
    // A read in flight when the device goes either completes or rejects with a DeviceError; it never hangs.
    const settled = await pending.then((v) => v, (e: unknown) => e);
    expect(settled instanceof Float32Array || settled instanceof lm.DeviceError).toBe(true);
    await expect(x.data()).rejects.toThrow(/webgpu: the device was lost|WebGPU device was lost/);
    expect(() => lm.withDevice('webgpu-lost', () => lm.ones([2]))).toThrow(lm.DeviceError);
    x.dispose();
  });

  it('surfaces an out-of-memory error from the device as a DeviceError with the adapter\'s message', async () => {
    const b = gpu();
    // What Dawn raises when an allocation fails on the device (a real OOM cannot be provoked safely here).
    const ev = new Event('uncapturederror') as Event & { error: unknown };
    class GPUOutOfMemoryError { constructor(readonly message: string) {} }
    ev.error = new GPUOutOfMemoryError('Out of memory allocating 8589934592 bytes');
    b.device.dispatchEvent(ev);
    const t = onGpu(() => lm.tensor([1, 2]));
    await expect(t.data()).rejects.toThrow(/read: the WebGPU device reported an error: GPUOutOfMemoryError: Out of memory allocating 8589934592 bytes/);
    expect(Array.from(await t.data())).toEqual([1, 2]);
    t.dispose();
  });

  it('takes the adapter choice from LAMINAR_WEBGPU_BACKEND, and names a bad value', async () => {
    const saved = process.env.LAMINAR_WEBGPU_BACKEND;
    try {
      process.env.LAMINAR_WEBGPU_BACKEND = 'bogus';
      lm.registerBackend('webgpu-env-bad', async () => {
        const b = new WebGPUBackend('webgpu-env-bad');
        await b.ready();
        return b;
      });
      await expect(lm.ready('webgpu-env-bad')).rejects.toThrow(/LAMINAR_WEBGPU_BACKEND must be auto, default, vulkan, metal, d3d12, opengl or opengles, got 'bogus'/);
      const current = lm.getDeviceInfo('webgpu')!.backend;
      process.env.LAMINAR_WEBGPU_BACKEND = current === 'browser' ? 'default' : current;
      lm.registerBackend('webgpu-env', async () => {
        const b = new WebGPUBackend('webgpu-env');
        await b.ready();
        return b;
      });
      await lm.ready('webgpu-env');
      expect(lm.getDeviceInfo('webgpu-env')!.backend).toBe(current);
      (lm.getBackend('webgpu-env') as WebGPUBackend).destroy();
    } finally {
      if (saved === undefined) delete process.env.LAMINAR_WEBGPU_BACKEND;
      else process.env.LAMINAR_WEBGPU_BACKEND = saved;
    }
  });

  it('validates configureWebGPU options, and refuses them once the device exists', () => {
    expect(() => lm.configureWebGPU({ backend: 'cuda' as never })).toThrow(/configureWebGPU: /);
    expect(() => lm.configureWebGPU({ maxBatchedDispatches: 0 })).toThrow(/configureWebGPU: /);
    expect(() => lm.configureWebGPU({ backend: 'opengl' })).toThrow(/the WebGPU device already exists/);
  });
});
