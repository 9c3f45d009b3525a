/**
 * Tensor and Variable: metadata, reading values, printing, disposal,
 * variables (assign, names), devices.
 */
import { describe, expect, it } from 'vitest';
import {
  CpuBackend,
  DTypeError,
  DeviceError,
  DisposedError,
  ShapeError,
  Tensor,
  ValueError,
  Variable,
  add,
  dispose,
  getDevice,
  listDevices,
  memory,
  ones,
  range,
  registerBackend,
  scalar,
  setDevice,
  tensor,
  variable,
  withDevice,
  zeros,
} from '../../src/index.js';

describe('metadata', () => {
  it('shape, dtype, size, rank and device', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(t.device).toBe('cpu');
    expect(t).toBeInstanceOf(Tensor);
    const s = scalar(1, 'int32');
    expect([s.shape, s.size, s.rank, s.dtype]).toEqual([[], 1, 0, 'int32']);
    const e = zeros([3, 0, 2]);
    expect([e.size, e.rank]).toEqual([0, 3]);
    dispose([t, s, e]);
  });

  it('shape is frozen and a copy of the caller’s array', () => {
    const shape = [2, 2];
    const t = zeros(shape);
    shape[0] = 9;
    expect(t.shape).toEqual([2, 2]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    t.dispose();
  });

  it('ids are unique', () => {
    const a = ones([1]);
    const b = ones([1]);
    expect(a.id).not.toBe(b.id);
    dispose([a, b]);
  });
});

describe('reading values', () => {
  it('data() and dataSync() give a typed array per dtype', async () => {
    const cases = [
      [tensor([1.5, 2]), Float32Array, [1.5, 2]],
      [tensor([1, -2], [2], 'int32'), Int32Array, [1, -2]],
      [tensor([true, false]), Uint8Array, [1, 0]],
      [tensor([0.1, 2], [2], 'float64'), Float64Array, [0.1, 2]],
    ] as const;
    for (const [t, type, expected] of cases) {
      const sync = t.dataSync();
      const async = await t.data();
      expect(sync).toBeInstanceOf(type);
      expect(async).toBeInstanceOf(type);
      expect(Array.from(sync)).toEqual(expected);
      expect(Array.from(async)).toEqual(expected);
      t.dispose();
    }
  });

  it('the arrays returned are copies the caller owns', async () => {
    const t = tensor([1, 2, 3]);
    const d = t.dataSync();
    d[0] = 100;
    const a = await t.data();
    a[1] = 100;
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3]);
    t.dispose();
  });

  it('array() and arraySync() nest by shape; a scalar gives a number; bools are 0/1', async () => {
    const t = tensor([1, 2, 3, 4, 5, 6], [2, 3, 1]);
    const expected = [[[1], [2], [3]], [[4], [5], [6]]];
    expect(t.arraySync()).toEqual(expected);
    expect(await t.array()).toEqual(expected);
    expect(scalar(2.5).arraySync()).toBe(2.5);
    expect(await scalar(7, 'int32').array()).toBe(7);
    expect(tensor([[true], [false]]).arraySync()).toEqual([[1], [0]]);
    expect(zeros([2, 0]).arraySync()).toEqual([[], []]);
    expect(zeros([0, 2]).arraySync()).toEqual([]);
    t.dispose();
  });
});

describe('toString', () => {
  it('prints a small matrix like NumPy', () => {
    expect(String(tensor([[1, 2], [3, 4]]))).toBe('tensor([[1, 2],\n        [3, 4]], shape=[2,2], dtype=float32)');
  });

  it('aligns columns to the widest element', () => {
    expect(String(tensor([[1.5, -2.25], [3, 10]]))).toBe('tensor([[  1.5, -2.25],\n        [    3,    10]], shape=[2,2], dtype=float32)');
  });

  it('separates rank-3 blocks with a blank line', () => {
    expect(String(tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], undefined, 'int32'))).toBe(
      'tensor([[[1, 2],\n         [3, 4]],\n\n        [[5, 6],\n         [7, 8]]], shape=[2,2,2], dtype=int32)',
    );
  });

  it('prints scalars, bools, specials and empty tensors', () => {
    expect(String(scalar(0.1))).toBe('tensor(0.1, shape=[], dtype=float32)');
    expect(String(scalar(0.1, 'float64'))).toBe('tensor(0.1, shape=[], dtype=float64)');
    expect(String(tensor([true, false]))).toBe('tensor([ true, false], shape=[2], dtype=bool)');
    expect(String(tensor([NaN, Infinity, -Infinity, 2]))).toBe('tensor([ nan,  inf, -inf,    2], shape=[4], dtype=float32)');
    expect(String(zeros([0, 3]))).toBe('tensor([], shape=[0,3], dtype=float32)');
  });

  it('summarises tensors of more than 1000 elements with ...', () => {
    expect(String(range(0, 1001))).toBe('tensor([   0,    1,    2, ...,  998,  999, 1000], shape=[1001], dtype=float32)');
    expect(String(range(0, 1000))).not.toContain('...');
    const big = String(range(0, 2000).reshape([40, 50]));
    expect(big).toBe(
      [
        'tensor([[   0,    1,    2, ...,   47,   48,   49],',
        '        [  50,   51,   52, ...,   97,   98,   99],',
        '        [ 100,  101,  102, ...,  147,  148,  149],',
        '        ...,',
        '        [1850, 1851, 1852, ..., 1897, 1898, 1899],',
        '        [1900, 1901, 1902, ..., 1947, 1948, 1949],',
        '        [1950, 1951, 1952, ..., 1997, 1998, 1999]], shape=[40,50], dtype=float32)',
      ].join('\n'),
    );
  });

  it('a disposed tensor prints without its values instead of throwing', () => {
    const t = ones([2]);
    t.dispose();
    expect(String(t)).toBe('tensor(<disposed>, shape=[2], dtype=float32)');
  });
});

describe('dispose', () => {
  it('dispose / isDisposed, and reads after dispose throw DisposedError naming the call', async () => {
    const t = tensor([1, 2]);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.dataSync()).toThrow(DisposedError);
    expect(() => t.arraySync()).toThrow(/^dataSync: tensor \d+ \(shape \[2\], float32\) was disposed; keep it with keep\(\) or return it from tidy\(\) to use it later/);
    await expect(t.array()).rejects.toThrow(/^data: tensor \d+ .*was disposed/);
    expect(() => t.to('cpu')).toThrow(/^to: tensor \d+ .*was disposed/);
  });

  it('using a disposed tensor in an op throws DisposedError naming the op and the argument', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    b.dispose();
    const before = memory().numTensors;
    expect(() => add(a, b)).toThrow(DisposedError);
    expect(() => add(a, b)).toThrow(new RegExp(`^add \\(argument b\\): tensor ${b.id} \\(shape \\[2\\], float32\\) was disposed`));
    expect(() => b.mul(2)).toThrow(/^mul \(argument a\): tensor \d+ .*was disposed/);
    expect(() => b.reshape([2, 1])).toThrow(/^reshape \(argument x\): .*was disposed/);
    expect(memory().numTensors).toBe(before);
    a.dispose();
  });
});

describe('Variable', () => {
  it('is a Tensor with a name and trainable flag; shares the initial storage', () => {
    const init = tensor([1, 2, 3]);
    const v = variable(init, { name: 'tv/a' });
    expect(v).toBeInstanceOf(Variable);
    expect(v).toBeInstanceOf(Tensor);
    expect(v.name).toBe('tv/a');
    expect(v.trainable).toBe(true);
    expect([v.shape, v.dtype]).toEqual([[3], 'float32']);
    init.dispose();
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3]);
    v.dispose();
  });

  it('casts the initial value with the dtype option; takes JS arrays', () => {
    const v = variable([1.7, -2.2], { name: 'tv/cast', dtype: 'int32' });
    expect(v.dtype).toBe('int32');
    expect(Array.from(v.dataSync())).toEqual([1, -2]);
    const u = variable(tensor([1.5]), { name: 'tv/cast64', dtype: 'float64' });
    expect(u.dtype).toBe('float64');
    dispose([v, u]);
  });

  it('assign, assignAdd, assignSub', () => {
    const v = variable(zeros([2]), { name: 'tv/assign' });
    v.assign(tensor([1, 2]));
    expect(Array.from(v.dataSync())).toEqual([1, 2]);
    v.assign([5, 6]);
    expect(Array.from(v.dataSync())).toEqual([5, 6]);
    v.assignAdd(tensor([10, 20]));
    expect(Array.from(v.dataSync())).toEqual([15, 26]);
    v.assignSub(tensor([0.5, 1]));
    expect(Array.from(v.dataSync())).toEqual([14.5, 25]);
    v.assignAdd(1);
    expect(Array.from(v.dataSync())).toEqual([15.5, 26]);
    v.dispose();
  });

  it('assignAdd on an int32 variable keeps int32', () => {
    const v = variable(tensor([1, 2], [2], 'int32'), { name: 'tv/int' });
    v.assignAdd(tensor([0.75, 0.75]));
    expect(v.dtype).toBe('int32');
    expect(Array.from(v.dataSync())).toEqual([1, 2]);
    v.assignAdd(3);
    expect(Array.from(v.dataSync())).toEqual([4, 5]);
    v.dispose();
  });

  it('assign does not copy aliasing bugs: the assigned tensor can be disposed', () => {
    const v = variable(zeros([2]), { name: 'tv/alias' });
    const next = tensor([7, 8]);
    v.assign(next);
    next.dispose();
    expect(Array.from(v.dataSync())).toEqual([7, 8]);
    v.dispose();
  });

  it('assign with the wrong shape throws ShapeError and leaves the value unchanged', () => {
    const v = variable(tensor([1, 2]), { name: 'tv/shape' });
    const before = memory().numTensors;
    expect(() => v.assign(tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => v.assign([[1, 2]])).toThrow(/^assign: variable 'tv\/shape' has shape \[2\], got a value of shape \[1,2\]/);
    expect(Array.from(v.dataSync())).toEqual([1, 2]);
    expect(() => v.assign(tensor([1, 2], [2], 'int32'))).toThrow(DTypeError);
    expect(() => v.assign(tensor([1, 2], [2], 'int32'))).toThrow(/^assign: variable 'tv\/shape' has dtype float32, got a value of dtype int32; cast it first/);
    expect(Array.from(v.dataSync())).toEqual([1, 2]);
    // The tensors built inside the failing calls from JS arrays were freed; only the explicit ones remain.
    expect(memory().numTensors).toBe(before + 3);
    v.dispose();
  });

  it('names are unique among live variables; default names are variable_N', () => {
    const a = variable(zeros([1]), { name: 'tv/unique' });
    expect(() => variable(zeros([1]), { name: 'tv/unique' })).toThrow(ValueError);
    expect(() => variable(zeros([1]), { name: 'tv/unique' })).toThrow(/^variable: a live variable named 'tv\/unique' already exists; choose another name or dispose the old variable/);
    a.dispose();
    const again = variable(zeros([1]), { name: 'tv/unique' }); // the name is free once disposed
    expect(again.name).toBe('tv/unique');
    const d1 = variable(zeros([1]));
    const d2 = variable(zeros([1]));
    expect(d1.name).toMatch(/^variable_\d+$/);
    expect(d2.name).toMatch(/^variable_\d+$/);
    expect(Number(d2.name.slice('variable_'.length))).toBeGreaterThan(Number(d1.name.slice('variable_'.length)));
    expect(() => variable(zeros([1]), { name: '' })).toThrow(/^variable: expected name to be a non-empty string, got ""/);
    expect(() => variable(zeros([1]), { trainable: 'yes' as never })).toThrow(/^variable: expected trainable to be a boolean/);
    dispose([again, d1, d2]);
  });

  it('a default name skips a name a user took', () => {
    const probe = variable(zeros([1]));
    const n = Number(probe.name.slice('variable_'.length));
    const taken = variable(zeros([1]), { name: `variable_${n + 1}` });
    const next = variable(zeros([1]));
    expect(next.name).toBe(`variable_${n + 2}`);
    dispose([probe, taken, next]);
  });

  it('using a disposed variable throws DisposedError naming it', () => {
    const v = variable(zeros([2]), { name: 'tv/gone' });
    v.dispose();
    expect(() => v.assign(tensor([1, 2]))).toThrow(/^assign \(variable 'tv\/gone'\): tensor \d+ .*was disposed/);
  });
});

describe('devices', () => {
  registerBackend('cpu2', () => new CpuBackend('cpu2'));

  it('getDevice is cpu by default; withDevice scopes it and restores it, also on throw', () => {
    expect(getDevice()).toBe('cpu');
    const t = withDevice('cpu2', () => {
      expect(getDevice()).toBe('cpu2');
      return ones([2]);
    });
    expect(t.device).toBe('cpu2');
    expect(getDevice()).toBe('cpu');
    expect(() =>
      withDevice('cpu2', () => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(getDevice()).toBe('cpu');
    t.dispose();
  });

  it('withDevice with an async function restores the device after the promise settles', async () => {
    const p = withDevice('cpu2', async () => {
      await Promise.resolve();
      return ones([1]);
    });
    const t = await p;
    expect(t.device).toBe('cpu2');
    expect(getDevice()).toBe('cpu');
    t.dispose();
  });

  it('setDevice changes the default for creation ops', () => {
    setDevice('cpu2');
    try {
      expect(getDevice()).toBe('cpu2');
      const t = zeros([3]);
      expect(t.device).toBe('cpu2');
      expect(memory().byDevice.cpu2.numTensors).toBeGreaterThanOrEqual(1);
      t.dispose();
    } finally {
      setDevice('cpu');
    }
    expect(getDevice()).toBe('cpu');
  });

  it('ops run where their inputs are; mixing devices throws a DeviceError naming both', () => {
    const a = ones([2]);
    const b = withDevice('cpu2', () => ones([2]));
    const c = b.add(1);
    expect(c.device).toBe('cpu2');
    c.dispose();
    expect(() => add(a, b)).toThrow(DeviceError);
    expect(() => add(a, b)).toThrow("add: inputs are on different devices: a is on 'cpu', b is on 'cpu2'; move one with t.to(device)");
    dispose([a, b]);
  });

  it('to(device) copies across devices and shares storage on the same device', () => {
    const a = tensor([1, 2, 3]);
    const buffers = memory().numDataBuffers;
    const same = a.to('cpu');
    expect(same).not.toBe(a);
    expect(same.device).toBe('cpu');
    expect(memory().numDataBuffers).toBe(buffers);
    const moved = a.to('cpu2');
    expect(moved.device).toBe('cpu2');
    expect(Array.from(moved.dataSync())).toEqual([1, 2, 3]);
    expect(memory().byDevice.cpu2.numBytes).toBeGreaterThanOrEqual(12);
    a.dispose();
    expect(Array.from(same.dataSync())).toEqual([1, 2, 3]);
    dispose([same, moved]);
  });

  it('an unknown device throws DeviceError listing the registered ones', () => {
    expect(listDevices()).toEqual(['cpu', 'webgpu', 'cpu2']);
    expect(() => setDevice('tpu')).toThrow(DeviceError);
    expect(() => setDevice('tpu')).toThrow("setDevice: unknown device 'tpu'; registered devices: cpu, webgpu, cpu2");
    expect(() => withDevice('tpu', () => 1)).toThrow("withDevice: unknown device 'tpu'; registered devices: cpu, webgpu, cpu2");
    const t = ones([1]);
    expect(() => t.to('tpu')).toThrow(/unknown device 'tpu'/);
    t.dispose();
    expect(getDevice()).toBe('cpu');
  });
});
