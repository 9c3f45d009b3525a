/**
 * Devices through the Backend interface: an async-only device (no readSync,
 * like WebGPU) built from the CPU kernels, and reproducible training.
 */
import { describe, expect, it } from 'vitest';
import {
  CpuBackend, DeviceError, memory, ones, randomNormal, ready, registerBackend, setSeed, tensor, tidy, variable,
  variableGrads, withDevice, type Backend, type DType, type TypedArray,
} from '../../src/index.js';

/** The CPU's kernels behind an interface that can only read asynchronously. */
class AsyncOnlyBackend implements Backend<TypedArray> {
  private readonly cpu = new CpuBackend('async-cpu');
  readonly name = 'async-cpu';
  readonly kernels = this.cpu.kernels;
  reads = 0;
  async ready(): Promise<void> {
    await new Promise((r) => setTimeout(r, 1));
  }
  supportsDType(dtype: DType): boolean {
    return dtype !== 'float64';
  }
  upload(values: TypedArray, dtype: DType): TypedArray {
    return this.cpu.upload(values, dtype);
  }
  async read(data: TypedArray): Promise<TypedArray> {
    this.reads++;
    await new Promise((r) => setTimeout(r, 0));
    return data.slice();
  }
  free(data: TypedArray, dtype: DType, size: number): void {
    this.cpu.free(data, dtype, size);
  }
  elementwise: Backend<TypedArray>['elementwise'] = (p, i, params, o) => this.cpu.elementwise(p, i, params, o);
}

const asyncBackend = new AsyncOnlyBackend();
registerBackend('async-cpu', async () => asyncBackend);

describe('an async-only device', () => {
  it('must be awaited with ready() before use', async () => {
    registerBackend('slow-device', async () => new AsyncOnlyBackend());
    expect(() => withDevice('slow-device', () => ones([1]))).toThrow(/still starting; call 'await ready\("slow-device"\)'/);
    await ready('async-cpu');
  });

  it('runs ops and reads values with await data()', async () => {
    await ready('async-cpu');
    const y = withDevice('async-cpu', () => tidy(() => tensor([[1, 2], [3, 4]]).matMul([[1], [1]]).relu()));
    expect(y.device).toBe('async-cpu');
    expect(Array.from(await y.data())).toEqual([3, 7]);
    expect(await y.array()).toEqual([[3], [7]]);
    expect(asyncBackend.reads).toBeGreaterThan(0);
    y.dispose();
  });

  it('dataSync() throws a DeviceError that names await data()', async () => {
    await ready('async-cpu');
    const t = withDevice('async-cpu', () => ones([2]));
    expect(() => t.dataSync()).toThrow(DeviceError);
    expect(() => t.dataSync()).toThrow("dataSync: tensors on 'async-cpu' cannot be read synchronously; use 'await t.data()' instead");
    expect(() => t.arraySync()).toThrow(DeviceError);
    expect(String(t)).toBe('tensor(<on async-cpu; read with await t.array()>, shape=[2], dtype=float32, device=async-cpu)');
    t.dispose();
  });

  it('withDevice holds across await, also for two concurrent calls', async () => {
    await ready('async-cpu');
    const tick = () => new Promise((r) => setTimeout(r, 1));
    const devicesSeen = async (device: string) =>
      withDevice(device, async () => {
        const seen: string[] = [];
        for (let i = 0; i < 5; i++) {
          await tick();
          const t = ones([1]);
          seen.push(t.device);
          t.dispose();
        }
        return seen;
      });
    const [a, b] = await Promise.all([devicesSeen('cpu'), devicesSeen('async-cpu')]);
    expect(a).toEqual(Array(5).fill('cpu'));
    expect(b).toEqual(Array(5).fill('async-cpu'));
    expect(ones([1]).device).toBe('cpu');
  });

  it('refuses float64 with a DTypeError naming the device', async () => {
    await ready('async-cpu');
    expect(() => withDevice('async-cpu', () => tensor([1], [1], 'float64'))).toThrow(/tensor: device 'async-cpu' does not support dtype float64/);
  });

  it('moves tensors: to() from the CPU, toAsync() back, and mixing devices throws', async () => {
    await ready('async-cpu');
    const c = tensor([1, 2, 3]);
    const g = c.to('async-cpu');
    expect(g.device).toBe('async-cpu');
    expect(() => c.add(g)).toThrow("add: inputs are on different devices: a is on 'cpu', b is on 'async-cpu'; move one with t.to(device)");
    expect(() => g.to('cpu')).toThrow(/use 'await t.toAsync\("cpu"\)'/);
    const back = await g.toAsync('cpu');
    expect(back.device).toBe('cpu');
    expect(Array.from(back.dataSync())).toEqual([1, 2, 3]);
    expect(memory().byDevice['async-cpu'].numTensors).toBeGreaterThanOrEqual(1);
    for (const t of [c, g, back]) t.dispose();
  });

  it('trains with autograd exactly as the CPU does', async () => {
    await ready('async-cpu');
    const train = (device: string) =>
      withDevice(device, () => {
        setSeed(3);
        const x = randomNormal([16, 8]);
        const y = randomNormal([16, 2]);
        const w = variable(randomNormal([8, 2]), { name: `w-${device}` });
        const losses: Tensor[] = [];
        for (let i = 0; i < 10; i++) {
          losses.push(tidy(() => {
            const { value, grads } = variableGrads(() => x.matMul(w).sub(y).square().mean());
            w.assignSub(grads[`w-${device}`].mul(0.1));
            return value;
          }));
        }
        return { losses, cleanup: [x, y, w] };
      });
    const cpu = train('cpu');
    const other = train('async-cpu');
    const a = await Promise.all(cpu.losses.map(async (t) => (await t.data())[0]));
    const b = await Promise.all(other.losses.map(async (t) => (await t.data())[0]));
    expect(b).toEqual(a);
    expect(a[9]).toBeLessThan(a[0]);
    for (const t of [...cpu.losses, ...other.losses, ...cpu.cleanup, ...other.cleanup]) t.dispose();
  });
});

type Tensor = ReturnType<typeof ones>;

describe('reproducibility', () => {
  it('the same seed gives bit-identical training losses', () => {
    const run = () => {
      setSeed(1234);
      const x = randomNormal([32, 20]);
      const y = randomNormal([32, 4]);
      const w1 = variable(randomNormal([20, 16]).mul(0.1), { name: 'repro/w1' });
      const w2 = variable(randomNormal([16, 4]).mul(0.1), { name: 'repro/w2' });
      const losses: number[] = [];
      for (let i = 0; i < 25; i++) {
        const loss = tidy(() => {
          const { value, grads } = variableGrads(() => x.matMul(w1).relu().matMul(w2).sub(y).square().mean());
          w1.assignSub(grads['repro/w1'].mul(0.05));
          w2.assignSub(grads['repro/w2'].mul(0.05));
          return value;
        });
        losses.push(loss.dataSync()[0]);
        loss.dispose();
      }
      for (const t of [x, y, w1, w2]) t.dispose();
      return losses;
    };
    const first = run();
    const second = run();
    expect(second).toEqual(first); // toEqual on numbers is exact: bit-identical float32 values
    expect(first[24]).toBeLessThan(first[0]);
    setSeed(1235);
    const x = randomNormal([4]);
    setSeed(1234);
    const y = randomNormal([4]);
    expect(Array.from(x.dataSync())).not.toEqual(Array.from(y.dataSync()));
  });
});
