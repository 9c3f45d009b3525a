import { describe, expect, it } from 'vitest';
import { DTypeError, ValueError, grad, memory, tensor, type Tensor } from '../../src/engine/index.js';
import {
  L1,
  L1L2,
  L2,
  Regularizer,
  getRegularizer,
  regularizerOption,
  regularizerRegistry,
  regularizers,
  serializeRegularizer,
} from '../../src/layers/regularizers.js';

const values = [
  [1, -2],
  [3, -0.5],
];
// sum|x| = 1 + 2 + 3 + 0.5 = 6.5; sum x² = 1 + 4 + 9 + 0.25 = 14.25

function penalty(r: Regularizer, dtype: 'float32' | 'float64' = 'float64'): { value: number; shape: number[]; dtype: string } {
  const x = tensor(values, undefined, dtype);
  const p = r.apply(x);
  const out = { value: p.dataSync()[0], shape: [...p.shape], dtype: p.dtype };
  p.dispose();
  x.dispose();
  return out;
}

describe('penalties', () => {
  it('match the Keras definition (no 1/2 on the L2 term)', () => {
    expect(penalty(regularizers.l1({ l1: 0.1 })).value).toBeCloseTo(0.65, 12); // 0.1·6.5
    expect(penalty(regularizers.l2({ l2: 0.01 })).value).toBeCloseTo(0.1425, 12); // 0.01·14.25
    expect(penalty(regularizers.l1l2({ l1: 0.1, l2: 0.01 })).value).toBeCloseTo(0.7925, 12); // 0.65 + 0.1425
  });

  it('default to 0.01 each, as TensorFlow.js', () => {
    expect(penalty(regularizers.l1()).value).toBeCloseTo(0.065, 12);
    expect(penalty(regularizers.l2()).value).toBeCloseTo(0.1425, 12);
    expect(penalty(regularizers.l1l2()).value).toBeCloseTo(0.2075, 12); // 0.065 + 0.1425
  });

  it('a zero factor drops its term', () => {
    expect(penalty(new L1L2({ l1: 0, l2: 0.5 })).value).toBeCloseTo(7.125, 12);
    expect(penalty(new L1L2({ l1: 0.5, l2: 0 })).value).toBeCloseTo(3.25, 12);
    expect(penalty(new L1L2({ l1: 0, l2: 0 }))).toEqual({ value: 0, shape: [], dtype: 'float64' });
  });

  it('is a scalar in the weight dtype and leaks nothing', () => {
    expect(penalty(new L2(), 'float32')).toMatchObject({ shape: [], dtype: 'float32' });
    expect(penalty(new L1(), 'float64')).toMatchObject({ shape: [], dtype: 'float64' });
    const x = tensor(values);
    const before = memory().numTensors;
    const p = regularizers.l1l2().apply(x);
    expect(memory().numTensors).toBe(before + 1);
    p.dispose();
    x.dispose();
  });

  it('has the expected gradients: l1·sign(x) + 2·l2·x', () => {
    const x = tensor([1, -2, 0.5], undefined, 'float64');
    const g = grad((w: Tensor) => new L1L2({ l1: 0.1, l2: 0.25 }).apply(w))(x);
    // 0.1·[1, -1, 1] + 0.5·[1, -2, 0.5]
    const got = Array.from(g.dataSync());
    [0.6, -1.1, 0.35].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
    g.dispose();
    x.dispose();
  });

  it('refuses integer weights', () => {
    const x = tensor([1, 2], undefined, 'int32');
    expect(() => regularizers.l2().apply(x)).toThrow(DTypeError);
    expect(() => regularizers.l2().apply(x)).toThrow('l2: expected a float32 or float64 weight, got int32');
    x.dispose();
  });
});

describe('factors', () => {
  it('must be finite and >= 0, named by regularizer and option', () => {
    expect(() => regularizers.l2({ l2: -1 })).toThrow(ValueError);
    expect(() => regularizers.l2({ l2: -1 })).toThrow("l2: option 'l2': Too small: expected number to be >=0, got -1");
    expect(() => regularizers.l1({ l1: Number.NaN })).toThrow(/^l1: option 'l1': expected number, received NaN/);
    expect(() => regularizers.l1({ l1: Infinity })).toThrow(/^l1: option 'l1': expected number, received Infinity/);
    expect(() => regularizers.l1l2({ l1: 0.1, l2: '0.1' as unknown as number })).toThrow(/^l1l2: option 'l2': .*got "0.1"/);
    expect(() => regularizers.l1l2({ l3: 1 } as never)).toThrow(/^l1l2: unknown option 'l3' \(did you mean 'l[12]'\?\); known options: l1, l2/);
  });
});

describe('getRegularizer and serialization', () => {
  it('resolves names, instances, serialized forms and none', () => {
    expect(getRegularizer('l1', 'dense_1')).toBeInstanceOf(L1);
    expect(getRegularizer('l2', 'dense_1')).toBeInstanceOf(L2);
    expect(getRegularizer('l1l2', 'dense_1')).toBeInstanceOf(L1L2);
    expect(getRegularizer('l1_l2', 'dense_1')).toBeInstanceOf(L1L2);
    expect(getRegularizer('L2', 'dense_1')?.getConfig()).toEqual({ l2: 0.01 });
    expect(getRegularizer(null, 'dense_1')).toBeUndefined();
    expect(getRegularizer(undefined, 'dense_1')).toBeUndefined();
    const r = new L1({ l1: 0.3 });
    expect(getRegularizer(r, 'dense_1')).toBe(r);
    expect(getRegularizer({ className: 'L1', config: { l1: 0.2 } }, 'dense_1')?.getConfig()).toEqual({ l1: 0.2 });
  });

  it('names the owner for unknown names and bad configs', () => {
    expect(() => getRegularizer('l3', 'dense_1')).toThrow(/^dense_1: unknown regularizer 'l3' \(did you mean 'l[12]'\?\); known: l1, l2, l1l2$/);
    expect(() => getRegularizer({ className: 'L3', config: {} }, 'dense_1')).toThrow(/^dense_1: unknown regularizer class 'L3'/);
    expect(() => getRegularizer({ className: 'L2', config: { l2: -0.1 } }, 'dense_1')).toThrow(/^l2: option 'l2'/);
    expect(() => getRegularizer(4 as unknown as string, 'dense_1')).toThrow(/^dense_1: expected a regularizer name/);
  });

  it('round-trips configs through JSON', () => {
    for (const r of [regularizers.l1({ l1: 0.5 }), regularizers.l2({ l2: 1e-4 }), regularizers.l1l2({ l1: 0, l2: 0.3 })]) {
      const s = JSON.parse(JSON.stringify(serializeRegularizer(r)));
      const back = getRegularizer(s, 'dense_1');
      expect(back?.className).toBe(r.className);
      expect(back?.getConfig()).toEqual(r.getConfig());
    }
    expect(serializeRegularizer(regularizers.l1l2({ l1: 0.1 }))).toEqual({ className: 'L1L2', config: { l1: 0.1, l2: 0.01 } });
  });

  it('finds custom regularizers registered by class name', () => {
    class Zero extends Regularizer {
      readonly className = 'ZeroPenalty';
      apply(): Tensor {
        return tensor(0);
      }
      getConfig() {
        return {};
      }
    }
    regularizerRegistry.register('ZeroPenalty', () => new Zero());
    expect(getRegularizer('ZeroPenalty', 'dense_1')).toBeInstanceOf(Zero);
    expect(() => getRegularizer('ZeroPenalti', 'dense_1')).toThrow(/did you mean 'ZeroPenalty'\?\); known: l1, l2, l1l2, ZeroPenalty/);
  });

  it('regularizerOption accepts the documented forms only', () => {
    for (const ok of ['l2', null, new L2(), { className: 'L2', config: {} }]) expect(regularizerOption.safeParse(ok).success).toBe(true);
    for (const bad of [2, {}, { className: 'L2' }]) expect(regularizerOption.safeParse(bad).success).toBe(false);
  });
});
