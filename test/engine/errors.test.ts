/**
 * Typed errors: the class hierarchy and names, and representative messages
 * end to end (op name, what was expected, what was given, what to do).
 */
import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  DeviceError,
  DisposedError,
  GradientError,
  LaminarError,
  ShapeError,
  ValueError,
  add,
  customGrad,
  grad,
  logicalAnd,
  ones,
  reshape,
  setDevice,
  tensor,
  zeros,
  type Tensor,
} from '../../src/index.js';

/** Runs `fn` and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

describe('error classes', () => {
  const classes = { ShapeError, DTypeError, DeviceError, DisposedError, ValueError, GradientError } as const;
  for (const [name, Cls] of Object.entries(classes)) {
    it(`${name} is a LaminarError and an Error, named '${name}'`, () => {
      const e = new Cls('op: expected x, got y');
      expect(e).toBeInstanceOf(Cls);
      expect(e).toBeInstanceOf(LaminarError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(name);
      expect(e.message).toBe('op: expected x, got y');
      expect(String(e)).toBe(`${name}: op: expected x, got y`);
      expect(e.stack).toContain(name);
      for (const [other, OtherCls] of Object.entries(classes)) {
        if (other !== name) expect(e).not.toBeInstanceOf(OtherCls);
      }
    });
  }

  it('LaminarError itself is named LaminarError', () => {
    const e = new LaminarError('m');
    expect(e.name).toBe('LaminarError');
    expect(e).toBeInstanceOf(Error);
  });

  it('a subclass defined by a user keeps its own name', () => {
    class MyError extends ValueError {}
    const e = new MyError('m');
    expect(e.name).toBe('MyError');
    expect(e).toBeInstanceOf(LaminarError);
  });
});

describe('messages end to end', () => {
  it('ShapeError: add of shapes that do not broadcast names both shapes', () => {
    const e = thrown(() => add(zeros([2, 3]), zeros([4])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e).toBeInstanceOf(LaminarError);
    expect((e as Error).message).toBe('add: shapes [2,3] and [4] do not broadcast (dimension 1 of the aligned shapes is 3 vs 4; each pair must be equal or 1)');
  });

  it('ShapeError: reshape to a different element count names both shapes and counts', () => {
    const e = thrown(() => reshape(zeros([2, 3]), [4]));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toMatch(/^reshape: cannot reshape a tensor of shape \[2,3\] \(6 elements\) into \[4\]/);
  });

  it('DTypeError: logicalAnd on floats names the op, the argument, and what to do', () => {
    const e = thrown(() => logicalAnd(zeros([2]), ones([2])));
    expect(e).toBeInstanceOf(DTypeError);
    expect((e as Error).message).toBe('logicalAnd: expected a of bool, got float32; compare or cast first');
  });

  it('DeviceError: an unknown device lists the registered ones', () => {
    const e = thrown(() => setDevice('tpu'));
    expect(e).toBeInstanceOf(DeviceError);
    expect((e as Error).message).toBe("setDevice: unknown device 'tpu'; registered devices: cpu, webgpu");
  });

  it('DisposedError: names the op, the argument, the tensor and the remedy', () => {
    const t = ones([2, 2]);
    t.dispose();
    const e = thrown(() => t.add(1));
    expect(e).toBeInstanceOf(DisposedError);
    expect((e as Error).message).toBe(
      `add (argument a): tensor ${t.id} (shape [2,2], float32) was disposed; keep it with keep() or return it from tidy() to use it later`,
    );
  });

  it('ValueError: a ragged array says where', () => {
    const e = thrown(() => tensor([[1, 2], [3, 4], [5]]));
    expect(e).toBeInstanceOf(ValueError);
    expect((e as Error).message).toBe('tensor: ragged nested array: expected length 2 at [2], got length 1');
    // A typed array can only be the innermost level: here it stands where [2,2] rows belong.
    const e2 = thrown(() => tensor([[[1, 2], [3, 4]], new Float32Array([9, 8])] as never));
    expect((e2 as Error).message).toBe('tensor: ragged nested array: element at [1] is a typed array of numbers, expected 2 more levels of nesting (shape [2,2,2])');
    expect(tensor([new Float32Array([1, 2]), new Float32Array([3, 4])] as never).shape).toEqual([2, 2]);
  });

  it('GradientError: a custom gradient of the wrong arity', () => {
    const f = customGrad((...args) => {
      const [x] = args as [Tensor, (tensors: Tensor[]) => void];
      return { value: x.mul(2), gradFunc: () => [] };
    });
    const e = thrown(() => grad((x) => f(x).sum())(tensor([1])));
    expect(e).toBeInstanceOf(GradientError);
    expect((e as Error).message).toBe('customGrad: gradFunc returned 0 gradients for 1 inputs');
  });
});
