import { describe, expect, it } from 'vitest';
import { ValueError, grad, memory, mul, tensor, type Tensor } from '../../src/engine/index.js';
import {
  activationOption,
  activations,
  getActivation,
  registerActivation,
  serializeActivation,
  type ActivationIdentifier,
} from '../../src/layers/activations.js';

const xs = [-3, -0.5, 0, 0.5, 2, 7];

function run(fn: (x: Tensor) => Tensor, values: number[] | number[][]): number[] {
  const x = tensor(values, undefined, 'float64');
  const y = fn(x);
  const out = Array.from(y.dataSync());
  if (y !== x) y.dispose();
  x.dispose();
  return out;
}

function expectClose(actual: number[], expected: number[], tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThan(tol);
}

const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));
const softplusRef = (x: number): number => Math.log1p(Math.exp(x));
// Φ at the test points, from tables of the standard normal CDF.
const phi: Record<number, number> = { [-3]: 0.0013498980316301, [-0.5]: 0.3085375387259869, 0: 0.5, 0.5: 0.6914624612740131, 2: 0.9772498680518208, 7: 0.9999999999987201 };
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const references: Record<Exclude<ActivationIdentifier, 'softmax' | 'logSoftmax'>, (x: number) => number> = {
  relu: (x) => Math.max(x, 0),
  relu6: (x) => Math.min(Math.max(x, 0), 6),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  gelu: (x) => x * phi[x],
  sigmoid: sigmoidRef,
  // 0.2·x + 0.5 clipped: -3 → -0.1 → 0; -0.5 → 0.4; 2 → 0.9; 7 → 1.9 → 1
  hardSigmoid: (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1),
  tanh: Math.tanh,
  softplus: softplusRef,
  softsign: (x) => x / (1 + Math.abs(x)),
  swish: (x) => x * sigmoidRef(x),
  silu: (x) => x * sigmoidRef(x),
  linear: (x) => x,
  leakyRelu: (x) => (x > 0 ? x : 0.2 * x),
  exponential: Math.exp,
  mish: (x) => x * Math.tanh(softplusRef(x)),
};

describe('activation values', () => {
  it.each(Object.keys(references) as (keyof typeof references)[])('%s matches the reference at hand points', (name) => {
    expectClose(run(activations[name], xs), xs.map(references[name]), 1e-7);
  });

  it('hardSigmoid uses the 0.2·x + 0.5 definition', () => {
    expectClose(run(activations.hardSigmoid, [-3, -2.5, 0, 1, 2.5]), [0, 0, 0.5, 0.7, 1]);
  });

  it('softmax and logSoftmax act on the last axis', () => {
    const rows = [
      [1, 2, 3],
      [0, 0, 0],
    ];
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const z = e[0] + e[1] + e[2];
    const expected = [e[0] / z, e[1] / z, e[2] / z, 1 / 3, 1 / 3, 1 / 3];
    expectClose(run(activations.softmax, rows), expected);
    expectClose(run(activations.logSoftmax, rows), expected.map(Math.log));
    expectClose(run(getActivation('log_softmax', 'd').apply, rows), expected.map(Math.log));
  });

  it('keeps float32 and leaks no intermediate tensors', () => {
    const x = tensor([-1, 0, 1]);
    const before = memory().numTensors;
    for (const name of ['mish', 'swish', 'softsign', 'hardSigmoid', 'silu'] as const) {
      const y = activations[name](x);
      expect(y.dtype).toBe('float32');
      expect(y.shape).toEqual([3]);
      y.dispose();
    }
    expect(memory().numTensors).toBe(before);
    expect(activations.linear(x)).toBe(x);
    x.dispose();
  });
});

describe('activation gradients', () => {
  const at = [-2, -0.5, 0.3, 1.5];
  function gradAt(fn: (x: Tensor) => Tensor): number[] {
    return run((x) => grad(fn)(x), at);
  }

  it('mish: tanh(sp) + x·sech²(sp)·sigmoid(x), sp = softplus(x)', () => {
    const d = (x: number): number => {
      const t = Math.tanh(softplusRef(x));
      return t + x * (1 - t * t) * sigmoidRef(x);
    };
    expectClose(gradAt(activations.mish), at.map(d), 1e-9);
  });

  it('swish: s + x·s·(1 - s)', () => {
    const d = (x: number): number => sigmoidRef(x) * (1 + x * (1 - sigmoidRef(x)));
    expectClose(gradAt(activations.swish), at.map(d), 1e-9);
  });

  it('softsign: 1 / (1 + |x|)²', () => {
    expectClose(gradAt(activations.softsign), at.map((x) => 1 / (1 + Math.abs(x)) ** 2), 1e-9);
  });

  it('hardSigmoid: 0.2 inside (-2.5, 2.5), 0 outside', () => {
    expectClose(run((x) => grad(activations.hardSigmoid)(x), [-3, -1, 0, 2, 3]), [0, 0.2, 0.2, 0.2, 0]);
  });

  it('gelu: Φ(x) + x·φ(x)', () => {
    const pdf = (x: number): number => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    const pts = [-0.5, 0, 0.5, 2];
    expectClose(run((x) => grad(activations.gelu)(x), pts), pts.map((x) => phi[x] + x * pdf(x)), 1e-7);
  });
});

describe('getActivation', () => {
  it('resolves camelCase and snake_case names', () => {
    expect(getActivation('relu', 'dense_1').name).toBe('relu');
    expect(getActivation('hard_sigmoid', 'dense_1').name).toBe('hardSigmoid');
    expect(getActivation('leaky_relu', 'dense_1').name).toBe('leakyRelu');
    expect(getActivation('log_softmax', 'dense_1').name).toBe('logSoftmax');
    for (const name of Object.keys(activations)) expect(getActivation(name, 'dense_1').name).toBe(name);
    expect(run(getActivation('leaky_relu', 'd').apply, [-1, 2])).toEqual([-0.2, 2]);
  });

  it('gives the identity for undefined, null and linear', () => {
    for (const id of [undefined, null, 'linear']) {
      const a = getActivation(id, 'dense_1');
      expect(a.name).toBe('linear');
      const x = tensor([1, 2]);
      expect(a.apply(x)).toBe(x);
      x.dispose();
    }
  });

  it('accepts Activation objects and functions', () => {
    const obj = { name: 'twice', apply: (x: Tensor) => mul(x, 2) };
    expect(getActivation(obj, 'dense_1')).toBe(obj);
    function cube(x: Tensor): Tensor {
      return mul(mul(x, x), x);
    }
    const c = getActivation(cube, 'dense_1');
    expect(c.name).toBe('cube');
    expect(run(c.apply, [2])).toEqual([8]);
    expect(getActivation((x: Tensor) => x, 'dense_1').name).toBe('custom');
    expect(getActivation(activations.gelu, 'dense_1').name).toBe('gelu');
  });

  it('names the owner and suggests a name for unknown activations', () => {
    expect(() => getActivation('rleu', 'dense_1')).toThrow(ValueError);
    expect(() => getActivation('rleu', 'dense_1')).toThrow(
      "dense_1: unknown activation 'rleu' (did you mean 'relu'?); known: relu, relu6, elu, selu, gelu, sigmoid, hardSigmoid, tanh, softmax, softplus, softsign, swish, linear, leakyRelu, logSoftmax, exponential, mish, silu",
    );
    expect(() => getActivation('hard_sigmod', 'conv_1')).toThrow(/^conv_1: unknown activation 'hard_sigmod' \(did you mean 'hard_sigmoid'\?\)/);
    expect(() => getActivation(3 as unknown as string, 'conv_1')).toThrow(/^conv_1: expected an activation name, an activation object or a function .*got 3/);
  });
});

describe('serializeActivation and registerActivation', () => {
  it('stores built-in names', () => {
    expect(serializeActivation(getActivation('hard_sigmoid', 'd'), 'd')).toBe('hardSigmoid');
    expect(serializeActivation(getActivation(undefined, 'd'), 'd')).toBe('linear');
    expect(serializeActivation(getActivation(activations.relu, 'd'), 'd')).toBe('relu');
  });

  it('refuses unregistered custom activations, naming the owner', () => {
    const custom = getActivation(function triple(x: Tensor) {
      return mul(x, 3);
    }, 'd');
    expect(() => serializeActivation(custom, 'dense_7')).toThrow(/^dense_7: cannot serialize the custom activation 'triple'; register it with registerActivation\('triple', fn\)/);
    // an object that borrows a built-in name but computes something else is not that built-in
    expect(() => serializeActivation({ name: 'relu', apply: (x) => mul(x, 3) }, 'dense_7')).toThrow(/dense_7: cannot serialize the custom activation 'relu'/);
  });

  it('registered activations resolve by name and function and serialize', () => {
    const double = (x: Tensor): Tensor => mul(x, 2);
    registerActivation('double', double);
    const byName = getActivation('double', 'd');
    expect(byName.name).toBe('double');
    expect(run(byName.apply, [1.5])).toEqual([3]);
    expect(getActivation(double, 'd').name).toBe('double');
    expect(serializeActivation(getActivation(double, 'd'), 'd')).toBe('double');
    expect(() => getActivation('doubel', 'd')).toThrow(/d: unknown activation 'doubel' \(did you mean 'double'\?\); known: .*silu, double$/);
  });

  it('refuses built-in names and bad arguments', () => {
    expect(() => registerActivation('relu', (x) => x)).toThrow("registerActivation: 'relu' is a built-in activation; choose another name");
    expect(() => registerActivation('leaky_relu', (x) => x)).toThrow(/'leaky_relu' is a built-in activation/);
    expect(() => registerActivation('', (x) => x)).toThrow(/registerActivation: expected a non-empty name/);
    expect(() => registerActivation('foo', 3 as unknown as (x: Tensor) => Tensor)).toThrow(/registerActivation: expected a function .* for 'foo', got 3/);
    expect(() => getActivation('foo', 'd')).toThrow(/unknown activation 'foo'/);
  });

  it('activationOption accepts the documented forms only', () => {
    for (const ok of ['relu', null, (x: Tensor) => x, { name: 'a', apply: (x: Tensor) => x }]) expect(activationOption.safeParse(ok).success).toBe(true);
    for (const bad of [3, {}, { name: 'a' }, [1]]) expect(activationOption.safeParse(bad).success).toBe(false);
  });
});
