/**
 * Autograd API: calling conventions, return shapes, customGrad, noGrad,
 * stopGradient, higher-order gradients, errors and determinism. Per-op
 * gradient correctness lives in the conformance table.
 */
import { describe, expect, it } from 'vitest';
import {
  DTypeError,
  GradientError,
  Tensor,
  ValueError,
  customGrad,
  dispose,
  grad,
  grads,
  matMul,
  memory,
  noGrad,
  ones,
  sigmoid,
  stopGradient,
  tanh,
  tensor,
  tidy,
  valueAndGrad,
  valueAndGrads,
  variable,
  variableGrads,
  type Variable,
} from '../../src/index.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());
/** customGrad passes `save` after the inputs. */
type Save = (tensors: Tensor[]) => void;

describe('the first example', () => {
  it('a = x*y; b = a + z; c = sum(b): dc/dx = y, dc/dy = x, dc/dz = ones', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const y = tensor([[5, -6], [7, 0.5]]);
    const z = tensor([[10, 20], [30, 40]]);
    const f = (a: Tensor, b: Tensor, c: Tensor) => {
      const product = a.mul(b);
      const shifted = product.add(c);
      return shifted.sum();
    };
    const [dx, dy, dz] = grads(f)([x, y, z]);
    expect(dx.shape).toEqual([2, 2]);
    expect(dx.arraySync()).toEqual([[5, -6], [7, 0.5]]);
    expect(dy.arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(dz.arraySync()).toEqual([[1, 1], [1, 1]]);
    expect([dx.dtype, dy.dtype, dz.dtype]).toEqual(['float32', 'float32', 'float32']);
    dispose([x, y, z, dx, dy, dz]);
  });
});

describe('calling conventions', () => {
  it('grad(f)(x) returns df/dx shaped like x; JS arrays are accepted as x', () => {
    const g = grad((x) => x.square().sum());
    const d = g(tensor([[1, 2, 3]]));
    expect(d.shape).toEqual([1, 3]);
    expect(d.arraySync()).toEqual([[2, 4, 6]]);
    const fromArray = g([1, -1]);
    expect(fromArray.arraySync()).toEqual([2, -2]);
  });

  it('grad(f)(x, dy) weights the output gradient; a non-scalar f means sum(f * dy)', () => {
    const g = grad((x) => x.square());
    expect(values(g(tensor([1, 2, 3])))).toEqual([2, 4, 6]);
    expect(values(g(tensor([1, 2, 3]), tensor([1, 0, -1])))).toEqual([2, 0, -6]);
    expect(values(g(tensor([1, 2, 3]), [0.5, 0.5, 0.5]))).toEqual([1, 2, 3]);
  });

  it('grad rejects dy of the wrong shape', () => {
    expect(() => grad((x) => x.square())(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(ValueError);
    expect(() => grad((x) => x.square())(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/^grad: dy must have the shape of f\(x\), \[2\]; got \[3\]/);
  });

  it('grads(f)([a, b]) returns one gradient per argument, in order', () => {
    const g = grads((a, b) => a.mul(b).sum());
    const out = g([tensor([1, 2]), tensor([3, 4])]);
    expect(out).toHaveLength(2);
    expect(values(out[0])).toEqual([3, 4]);
    expect(values(out[1])).toEqual([1, 2]);
  });

  it('grads handles broadcast arguments: gradients keep each argument’s shape', () => {
    const [da, db] = grads((a, b) => a.mul(b).sum())([tensor([[1, 2, 3], [4, 5, 6]]), tensor([10, 20, 30])]);
    expect(da.shape).toEqual([2, 3]);
    expect(db.shape).toEqual([3]);
    expect(da.arraySync()).toEqual([[10, 20, 30], [10, 20, 30]]);
    expect(db.arraySync()).toEqual([5, 7, 9]);
  });

  it('grads rejects a non-array argument list', () => {
    expect(() => grads((a) => a.sum())(tensor([1]) as never)).toThrow(/^grads: expected an array of arguments, got object/);
  });

  it('valueAndGrad returns f(x) and df/dx', () => {
    const { value, grad: g } = valueAndGrad((x) => x.square().sum())(tensor([3, 4]));
    expect(value.shape).toEqual([]);
    expect(value.dataSync()[0]).toBe(25);
    expect(values(g)).toEqual([6, 8]);
  });

  it('valueAndGrads returns f(...args) and a gradient per argument', () => {
    const { value, grads: gs } = valueAndGrads((a, b) => a.mul(b).sum())([tensor([1, 2]), tensor([3, 4])]);
    expect(value.dataSync()[0]).toBe(11);
    expect(gs.map(values)).toEqual([[3, 4], [1, 2]]);
  });

  it('an input f does not use gets a zero gradient of its shape', () => {
    const [da, db] = grads((a, _b) => a.sum())([tensor([1, 2]), tensor([[5, 6, 7]])]);
    expect(values(da)).toEqual([1, 1]);
    expect(db.shape).toEqual([1, 3]);
    expect(db.arraySync()).toEqual([[0, 0, 0]]);
    const unused = grad(() => ones([]))(tensor([1, 2, 3]));
    expect(values(unused)).toEqual([0, 0, 0]);
  });

  it('float64 sources give float64 gradients', () => {
    const g = grad((x) => x.mul(x).sum())(tensor([0.1, 0.2], [2], 'float64'));
    expect(g.dtype).toBe('float64');
    expect(values(g)).toEqual([0.2, 0.4]);
  });

  it('gradient calls leave nothing behind but their results', () => {
    const x = tensor([1, 2, 3]);
    const before = memory().numTensors;
    const g = grad((t) => tanh(t.exp().mul(t)).sum())(x);
    expect(memory().numTensors).toBe(before + 1);
    const { value, grad: g2 } = valueAndGrad((t) => t.square().sum())(x);
    expect(memory().numTensors).toBe(before + 3);
    dispose([g, value, g2]);
    expect(memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('variableGrads', () => {
  it('differentiates with respect to every trainable variable f reads, keyed by name', () => {
    const w = variable(tensor([1, 2]), { name: 'ag/w' });
    const b = variable(tensor([0.5]), { name: 'ag/b' });
    const frozen = variable(tensor([3, 3]), { name: 'ag/frozen', trainable: false });
    const unused = variable(tensor([7]), { name: 'ag/unused' });
    const { value, grads: gs } = variableGrads(() => w.mul(frozen).add(b).square().sum());
    // (3·1 + 0.5)^2 + (3·2 + 0.5)^2 = 12.25 + 42.25
    expect(value.shape).toEqual([]);
    expect(value.dataSync()[0]).toBe(54.5);
    expect(Object.keys(gs).sort()).toEqual(['ag/b', 'ag/w']);
    // d/dw = 2(3w + b)·3, d/db = sum 2(3w + b)
    expect(values(gs['ag/w'])).toEqual([21, 39]);
    expect(values(gs['ag/b'])).toEqual([20]);
    dispose([w, b, frozen, unused, value]);
    dispose(gs);
  });

  it('with varList: only those variables, zeros for a listed variable f ignores; non-trainable ones may be listed', () => {
    const w = variable(tensor([1, 2]), { name: 'ag2/w' });
    const c = variable(tensor([2, 2]), { name: 'ag2/c', trainable: false });
    const spare = variable(tensor([9]), { name: 'ag2/spare' });
    const { value, grads: gs } = variableGrads(() => w.mul(c).sum(), [w, c, spare] as Variable[]);
    expect(value.dataSync()[0]).toBe(6);
    expect(Object.keys(gs)).toEqual(['ag2/w', 'ag2/c', 'ag2/spare']);
    expect(values(gs['ag2/w'])).toEqual([2, 2]);
    expect(values(gs['ag2/c'])).toEqual([1, 2]);
    expect(values(gs['ag2/spare'])).toEqual([0]);
    const onlyW = variableGrads(() => w.mul(c).sum(), [w]);
    expect(Object.keys(onlyW.grads)).toEqual(['ag2/w']);
    dispose([w, c, spare]);
  });

  it('a non-scalar loss throws a ValueError that says what to do', () => {
    const w = variable(tensor([1, 2]), { name: 'ag3/w' });
    const before = memory().numTensors;
    expect(() => variableGrads(() => w.mul(2))).toThrow(ValueError);
    expect(() => variableGrads(() => w.mul(2))).toThrow(/^variableGrads: f must return a scalar loss, got shape \[2\]; reduce it, e.g. with mean\(\)/);
    expect(memory().numTensors).toBe(before);
    w.dispose();
  });

  it('rejects a varList entry that is not a variable, and int32 variables', () => {
    const w = variable(tensor([1, 2], [2], 'int32'), { name: 'ag4/int' });
    expect(() => variableGrads(() => ones([]), [ones([2]) as unknown as Variable])).toThrow(/^variableGrads: varList\[0\] is not a Variable/);
    expect(() => variableGrads(() => ones([]), [w])).toThrow(DTypeError);
    expect(() => variableGrads(() => ones([]), [w])).toThrow(/^variableGrads: can only differentiate with respect to float tensors, got int32/);
    w.dispose();
  });
});

describe('customGrad', () => {
  it('uses the custom gradient instead of the real one, with saved tensors', () => {
    let calls = 0;
    const scaledSquare = customGrad((...args) => {
      const [x, save] = args as [Tensor, Save];
      save([x]);
      return {
        value: x.square(),
        gradFunc: (dy, [saved]) => {
          calls++;
          return [dy.mul(saved).mul(100)]; // the true gradient would be 2x
        },
      };
    });
    const x = tensor([1, -2]);
    const y = scaledSquare(x);
    expect(values(y)).toEqual([1, 4]); // the forward value is unchanged
    expect(calls).toBe(0);
    const g = grad((t) => scaledSquare(t).sum())(x);
    expect(values(g)).toEqual([100, -200]);
    expect(calls).toBe(1);
  });

  it('several inputs each get their custom gradient', () => {
    const f = customGrad((...args) => {
      const [a, b] = args as [Tensor, Tensor, Save];
      return { value: a.add(b), gradFunc: (dy) => [dy.mul(2), dy.mul(-3)] };
    });
    const [da, db] = grads((a, b) => f(a, b).sum())([tensor([1, 2]), tensor([3, 4])]);
    expect(values(da)).toEqual([2, 2]);
    expect(values(db)).toEqual([-3, -3]);
  });

  it('returning the input as the value still works', () => {
    const identity = customGrad((...args) => {
      const [x] = args as [Tensor, Save];
      return { value: x, gradFunc: (dy) => [dy.mul(5)] };
    });
    expect(values(grad((t) => identity(t).sum())(tensor([1, 2])))).toEqual([5, 5]);
  });

  it('a gradFunc returning the wrong number of gradients throws GradientError', () => {
    const bad = customGrad((...args) => {
      const [a] = args as [Tensor, Save];
      return { value: a.mul(1), gradFunc: (dy) => [dy, dy] };
    });
    expect(() => grad((t) => bad(t).sum())(tensor([1]))).toThrow(GradientError);
    expect(() => grad((t) => bad(t).sum())(tensor([1]))).toThrow(/^customGrad: gradFunc returned 2 gradients for 1 inputs/);
  });
});

describe('stopping gradients', () => {
  it('noGrad: what it computes is a constant', () => {
    // f = x · c with c = 2x computed without recording: df/dx = c = 2x, not 4x.
    const g = grad((x) => x.mul(noGrad(() => x.mul(2))).sum())(tensor([1, 3]));
    expect(values(g)).toEqual([2, 6]);
  });

  it('stopGradient: the same values, no gradient through it', () => {
    const x = tensor([3, -1]);
    const s = stopGradient(x);
    expect(values(s)).toEqual([3, -1]);
    expect(s.shape).toEqual([2]);
    expect(values(grad((t) => t.mul(stopGradient(t)).sum())(x))).toEqual([3, -1]);
    expect(values(grad((t) => stopGradient(t).sum())(x))).toEqual([0, 0]);
  });
});

describe('higher order', () => {
  const x = tensor([1, -2, 0.5]);
  const cube = (t: Tensor) => t.mul(t).mul(t);

  it('first order of x^3 is 3x^2', () => {
    expect(values(grad(cube)(x))).toEqual([3, 12, 0.75]);
  });

  it('second order of x^3 is 6x', () => {
    const d2 = grad((t) => grad(cube)(t))(x);
    expect(values(d2)).toEqual([6, -12, 3]);
  });

  it('third order of x^3 is 6, fourth is 0', () => {
    const d3 = grad((t) => grad((u) => grad(cube)(u))(t))(x);
    expect(values(d3)).toEqual([6, 6, 6]);
    const d4 = grad((s) => grad((t) => grad((u) => grad(cube)(u))(t))(s))(x);
    expect(values(d4)).toEqual([0, 0, 0]);
  });

  it('second order through relu: d²/dx² relu(x)² is 2 where x > 0, else 0 (relu\'s gradient is itself differentiable)', () => {
    const d2 = grad((t) => grad((u) => u.relu().square())(t))(tensor([1.5, -2, 3, 0]));
    expect(values(d2)).toEqual([2, 0, 2, 0]);
    // And through the gradient's x input, which has zero derivative almost everywhere.
    const mixed = grad((t) => grad((u) => u.relu().mul(t))(t))(tensor([2, -1]));
    expect(values(mixed)).toEqual([2, 0]);
  });

  it('mixed second derivatives: d/da (d/db a²b) = 2a', () => {
    const a = tensor([1.5, -2]);
    const b = tensor([4, 0.25]);
    const [dDbDa] = grads((p, q) => grads((u, v) => u.mul(u).mul(v).sum())([p, q])[1])([a, b]);
    expect(values(dDbDa)).toEqual([3, -4]);
  });

  it('second-order calls leave nothing behind but their result', () => {
    const before = memory().numTensors;
    const d2 = grad((t) => grad((u) => u.exp().mul(u).sum())(t))(x);
    expect(memory().numTensors).toBe(before + 1);
    d2.dispose();
  });
});

describe('errors', () => {
  it('an int32 source throws DTypeError naming the call', () => {
    const i = tensor([1, 2], [2], 'int32');
    expect(() => grad((x) => x.sum())(i)).toThrow(DTypeError);
    expect(() => grad((x) => x.sum())(i)).toThrow(/^grad: can only differentiate with respect to float tensors, got int32 for argument 0; cast it with x\.cast\('float32'\)/);
    expect(() => grads((a, b) => a.add(b).sum())([tensor([1]), tensor([true])])).toThrow(/^grads: .*got bool for argument 1/);
  });

  it('f returning a non-tensor throws ValueError', () => {
    expect(() => grad(() => 3 as unknown as Tensor)(tensor([1]))).toThrow(/^grad: f must return a Tensor, got number/);
    expect(() => grad(() => null as unknown as Tensor)(tensor([1]))).toThrow(/^grad: f must return a Tensor, got null/);
    expect(() => valueAndGrad((async () => ones([])) as unknown as (x: Tensor) => Tensor)(tensor([1]))).toThrow(/^valueAndGrad: f must be synchronous; it returned a Promise/);
  });

  it('a non-function is rejected up front', () => {
    expect(() => grad(3 as never)).toThrow(/^grad: expected a function, got number/);
    expect(() => variableGrads('f' as never)).toThrow(/^variableGrads: expected a function, got string/);
    expect(() => customGrad(null as never)).toThrow(/^customGrad: expected a function/);
    expect(() => noGrad(1 as never)).toThrow(/^noGrad: expected a function, got number/);
  });

  it('an error thrown inside f propagates and leaves no tensors behind', () => {
    const x = tensor([1, 2]);
    const before = memory().numTensors;
    expect(() =>
      grad((t) => {
        t.square().exp();
        throw new Error('inside f');
      })(x),
    ).toThrow('inside f');
    expect(memory().numTensors).toBe(before);
    // The tape was popped: later ops are not recorded on a stale tape.
    expect(values(grad((t) => t.mul(3).sum())(x))).toEqual([3, 3]);
  });
});

describe('determinism', () => {
  it('the same computation twice gives bit-identical gradients', () => {
    const run = (): Uint8Array[] => {
      const bytes: Uint8Array[] = [];
      tidy(() => {
        const x = tensor(Array.from({ length: 48 }, (_, i) => Math.sin(i * 1.7)), [6, 8]);
        const w = tensor(Array.from({ length: 40 }, (_, i) => Math.cos(i * 0.3)), [8, 5]);
        const gs = grads((a, b) => sigmoid(tanh(matMul(a, b)).mul(a.sum())).sum())([x, w]);
        for (const g of gs) bytes.push(new Uint8Array(g.dataSync().buffer));
      });
      return bytes;
    };
    const first = run();
    const second = run();
    expect(first[0].length).toBe(48 * 4);
    expect(second[0]).toEqual(first[0]);
    expect(second[1]).toEqual(first[1]);
  });
});
