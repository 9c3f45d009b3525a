/**
 * Conformance rows of the random family: randomUniform, randomNormal,
 * truncatedNormal. Exact expectations come from the Philox stream contract:
 * the generator functions of `engine/random.ts` filled with the key an
 * explicit seed maps to, which is what every backend must reproduce.
 */
import * as lm from '../../../../src/index.js';
import { fillNormal, fillTruncatedNormal, fillUniform, nextRandomKey } from '../../../../src/engine/random.js';
import { ex, type ErrorCase, type ForwardCase, type GradCase } from '../harness.js';

function uniform(n: number, seed: number, low: number, high: number, array: 'f32' | 'f64' | 'i32' = 'f32'): number[] {
  const out = array === 'f32' ? new Float32Array(n) : array === 'f64' ? new Float64Array(n) : new Int32Array(n);
  fillUniform(out, nextRandomKey(seed), low, high);
  return Array.from(out);
}

function normal(n: number, seed: number, mean: number, std: number, array: 'f32' | 'f64' = 'f32', truncated = false): number[] {
  const out = array === 'f32' ? new Float32Array(n) : new Float64Array(n);
  (truncated ? fillTruncatedNormal : fillNormal)(out, nextRandomKey(seed), mean, std);
  return Array.from(out);
}

const TRUE = ex(true, [], 'bool');

export const forward: ForwardCase[] = [
  // randomUniform
  {
    op: 'randomUniform',
    name: 'seed 42, float32 in [0, 1): the Philox stream',
    run: () => lm.randomUniform([2, 3], 0, 1, 'float32', 42),
    expected: ex(uniform(6, 42, 0, 1), [2, 3]),
    tol: 0,
  },
  {
    op: 'randomUniform',
    name: 'default bounds and dtype',
    run: () => lm.randomUniform([5], undefined, undefined, undefined, 1),
    expected: ex(uniform(5, 1, 0, 1), [5]),
    tol: 0,
  },
  {
    op: 'randomUniform',
    name: 'float64 in [-2, 3)',
    run: () => lm.randomUniform([7], -2, 3, 'float64', 5),
    expected: ex(uniform(7, 5, -2, 3, 'f64'), [7], 'float64'),
    tol: 0,
  },
  {
    op: 'randomUniform',
    name: 'int32 dice in [1, 7)',
    run: () => lm.randomUniform([3, 4], 1, 7, 'int32', 9),
    expected: ex(uniform(12, 9, 1, 7, 'i32'), [3, 4], 'int32'),
  },
  {
    op: 'randomUniform',
    name: 'options object',
    run: () => lm.randomUniform([2, 2], { minval: -1, maxval: 1, dtype: 'float64', seed: 3 }),
    expected: ex(uniform(4, 3, -1, 1, 'f64'), [2, 2], 'float64'),
    tol: 0,
  },
  {
    op: 'randomUniform',
    name: 'scalar shape',
    run: () => lm.randomUniform([], 0, 1, 'float32', 8),
    expected: ex(uniform(1, 8, 0, 1)[0], []),
    tol: 0,
  },
  {
    op: 'randomUniform',
    name: 'empty shape',
    run: () => lm.randomUniform([0, 3], 0, 1, 'float32', 8),
    expected: ex([], [0, 3]),
  },
  {
    op: 'randomUniform',
    name: 'the same seed gives the same values, another seed different ones',
    run: () => {
      const a = lm.randomUniform([64], 0, 1, 'float32', 123);
      const b = lm.randomUniform([64], 0, 1, 'float32', 123);
      const c = lm.randomUniform([64], 0, 1, 'float32', 124);
      return [lm.all(lm.equal(a, b)), lm.any(lm.notEqual(a, c))];
    },
    expected: [TRUE, TRUE],
  },
  {
    op: 'randomUniform',
    name: 'every value lies in [minval, maxval)',
    run: () => {
      const x = lm.randomUniform([4096], -0.5, 0.25);
      const i = lm.randomUniform([4096], -3, 2, 'int32');
      return [lm.all(lm.logicalAnd(lm.greaterEqual(x, -0.5), lm.less(x, 0.25))), lm.all(lm.logicalAnd(lm.greaterEqual(i, -3), lm.less(i, 2)))];
    },
    expected: [TRUE, TRUE],
  },
  // randomNormal
  {
    op: 'randomNormal',
    name: 'seed 42, float32, standard',
    run: () => lm.randomNormal([2, 3], 0, 1, 'float32', 42),
    expected: ex(normal(6, 42, 0, 1), [2, 3]),
    tol: 0,
    // GPU log/cos/sin are f32 (within a few ulp of the CPU's float64-then-rounded values): the stream contract's "few ulp".
    tolOn: { webgpu: 1e-6 },
  },
  {
    op: 'randomNormal',
    name: 'mean 1, stdDev 2, float64, odd count (the last sine draw is unused)',
    run: () => lm.randomNormal([5], 1, 2, 'float64', 3),
    expected: ex(normal(5, 3, 1, 2, 'f64'), [5], 'float64'),
    tol: 0,
  },
  {
    op: 'randomNormal',
    name: 'options object',
    run: () => lm.randomNormal([2, 3], { mean: -1, stdDev: 0.5, seed: 77 }),
    expected: ex(normal(6, 77, -1, 0.5), [2, 3]),
    tol: 0,
    // GPU log/cos/sin are f32 (within a few ulp of the CPU's float64-then-rounded values): the stream contract's "few ulp".
    tolOn: { webgpu: 1e-6 },
  },
  {
    op: 'randomNormal',
    name: 'stdDev 0 gives the mean',
    run: () => lm.randomNormal([3], 4, 0, 'float32', 1),
    expected: ex([4, 4, 4], [3]),
    tol: 0,
  },
  {
    op: 'randomNormal',
    name: 'the same seed gives the same values',
    run: () => lm.all(lm.equal(lm.randomNormal([33], 0, 1, 'float32', 5), lm.randomNormal([33], 0, 1, 'float32', 5))),
    expected: TRUE,
  },
  // truncatedNormal
  {
    op: 'truncatedNormal',
    name: 'seed 42, float32, standard',
    run: () => lm.truncatedNormal([2, 3], 0, 1, 'float32', 42),
    expected: ex(normal(6, 42, 0, 1, 'f32', true), [2, 3]),
    tol: 0,
    // GPU log/cos/sin are f32 (within a few ulp of the CPU's float64-then-rounded values): the stream contract's "few ulp".
    tolOn: { webgpu: 1e-6 },
  },
  {
    op: 'truncatedNormal',
    name: 'options object, float64',
    run: () => lm.truncatedNormal([4], { mean: 2, stdDev: 0.1, dtype: 'float64', seed: 6 }),
    expected: ex(normal(4, 6, 2, 0.1, 'f64', true), [4], 'float64'),
    tol: 0,
  },
  {
    op: 'truncatedNormal',
    name: 'every value lies within two standard deviations',
    run: () => lm.all(lm.lessEqual(lm.abs(lm.sub(lm.truncatedNormal([4096], 3, 0.5, 'float64'), 3)), 1)),
    expected: TRUE,
  },
];

export const errors: ErrorCase[] = [
  {
    op: 'randomUniform',
    name: 'minval >= maxval',
    run: () => lm.randomUniform([2], 1, 1),
    type: lm.ValueError,
    message: /randomUniform: expected minval < maxval \(as float32\), got minval 1 and maxval 1/,
  },
  {
    op: 'randomUniform',
    name: 'bounds that collide in float32',
    run: () => lm.randomUniform([2], 1, 1 + 1e-9),
    type: lm.ValueError,
    message: /randomUniform: expected minval < maxval \(as float32\)/,
  },
  {
    op: 'randomUniform',
    name: 'non-integer int32 bounds',
    run: () => lm.randomUniform([2], 0, 2.5, 'int32'),
    type: lm.ValueError,
    message: /randomUniform: int32 output needs integer bounds in \[-2\^31, 2\^31\], got minval 0 and maxval 2.5/,
  },
  {
    op: 'randomUniform',
    name: 'infinite bound',
    run: () => lm.randomUniform([2], 0, Infinity),
    type: lm.ValueError,
    message: /randomUniform: expected maxval to be a finite number, got Infinity/,
  },
  {
    op: 'randomUniform',
    name: 'bool dtype',
    run: () => lm.randomUniform([2], 0, 1, 'bool'),
    type: lm.DTypeError,
    message: /randomUniform: expected dtype 'float32', 'float64' or 'int32', got 'bool'/,
  },
  {
    op: 'randomUniform',
    name: 'negative dimension',
    run: () => lm.randomUniform([2, -1]),
    type: lm.ShapeError,
    message: /randomUniform: expected shape to contain non-negative integers, got \[2,-1\]/,
  },
  {
    op: 'randomUniform',
    name: 'fractional seed',
    run: () => lm.randomUniform([2], 0, 1, 'float32', 1.5),
    type: lm.ValueError,
    message: /randomUniform: expected seed to be an integer in \[0, 2\^53 - 1\], got 1.5/,
  },
  {
    op: 'randomNormal',
    name: 'int32 dtype',
    run: () => lm.randomNormal([2], 0, 1, 'int32'),
    type: lm.DTypeError,
    message: /randomNormal: expected dtype 'float32' or 'float64', got 'int32'/,
  },
  {
    op: 'randomNormal',
    name: 'negative stdDev',
    run: () => lm.randomNormal([2], 0, -1),
    type: lm.ValueError,
    message: /randomNormal: expected stdDev >= 0, got -1/,
  },
  {
    op: 'randomNormal',
    name: 'NaN mean in the options object',
    run: () => lm.randomNormal([2], { mean: NaN }),
    type: lm.ValueError,
    message: /randomNormal: expected mean to be a finite number, got NaN/,
  },
  {
    op: 'truncatedNormal',
    name: 'unknown dtype',
    run: () => lm.truncatedNormal([2], 0, 1, 'float16' as 'float32'),
    type: lm.DTypeError,
    message: /truncatedNormal: expected dtype 'float32', 'int32', 'bool' or 'float64', got "float16"/,
  },
  {
    op: 'truncatedNormal',
    name: 'shape that is not an array',
    run: () => lm.truncatedNormal(3 as unknown as number[]),
    type: lm.ShapeError,
    message: /truncatedNormal: expected shape to be an array of non-negative integers, got 3/,
  },
];

/** Random ops have no gradient (they have no tensor inputs). */
export const gradients: GradCase[] = [];
