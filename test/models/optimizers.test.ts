/**
 * Optimizers: every update rule against an independent float64 reference
 * written from the published rule (Keras 3 `update_step`), clipping, weight
 * decay, atomic and validated `applyGradients`, state variables, configs,
 * the factory/registry, and memory.
 */
import { describe, expect, it } from 'vitest';
import { DTypeError, DisposedError, ShapeError, Tensor, ValueError, memory, scalar, tensor, variable, type Variable } from '../../src/engine/index.js';
import {
  Adam,
  AdamW,
  Optimizer,
  SGD,
  getOptimizer,
  optimizerRegistry,
  optimizers,
  schedules,
  type SlotSpec,
  type UpdateInput,
  type UpdateResult,
} from '../../src/models/optimizers/index.js';
import type { ConfigDict } from '../../src/layers/config.js';

let nameCounter = 0;
const fresh = (prefix = 'w'): string => `${prefix}_opt_test_${++nameCounter}`;

const W0 = [1, -2];
const GRADS = [
  [0.5, 0.25],
  [-1, 0.5],
];

/** Runs `opt` on one variable through `grads`; returns the value after each step. */
function run(opt: Optimizer, grads: number[][] = GRADS, init: number[] = W0, dtype: 'float32' | 'float64' = 'float32'): number[][] {
  const w = variable(tensor(init, undefined, dtype), { name: fresh() });
  const out = grads.map((g) => {
    const gt = tensor(g, undefined, dtype);
    opt.applyGradients([[gt, w]]);
    gt.dispose();
    return Array.from(w.dataSync());
  });
  opt.dispose();
  w.dispose();
  return out;
}

type State = Record<string, number>;
/** One scalar's update: new w from (w, g, 1-based step t, per-element state). */
type Rule = (w: number, g: number, t: number, s: State) => number;

/** Applies a scalar rule elementwise in float64; returns the value after each step. */
function reference(rule: Rule, init: State = {}, grads: number[][] = GRADS, w0: number[] = W0): number[][] {
  const states = w0.map(() => ({ ...init }));
  let w = [...w0];
  return grads.map((g, k) => (w = w.map((wi, i) => rule(wi, g[i], k + 1, states[i]))));
}

function expectClose(actual: number[][], expected: number[][], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, k) =>
    row.forEach((a, i) => {
      const e = expected[k][i];
      if (Math.abs(a - e) > tol * Math.max(1, Math.abs(e))) {
        throw new Error(`step ${k + 1}, element ${i}: got ${a}, expected ${e} (tolerance ${tol})`);
      }
    }),
  );
}

// Keras 3 SGD.update_step: m = mu*m - lr*g; w += m (Nesterov: w += mu*m - lr*g); no momentum: w -= lr*g.
const sgdRule =
  (lr: number, mu = 0, nesterov = false): Rule =>
  (w, g, _t, s) => {
    if (mu === 0) return w - lr * g;
    s.m = mu * s.m - lr * g;
    return nesterov ? w + mu * s.m - lr * g : w + s.m;
  };

// Keras 3 Adam.update_step (Kingma & Ba with epsilon-hat placement): m += (g-m)(1-b1); v += (g^2-v)(1-b2);
// vhat = max(vhat, v) if amsgrad; w -= m * lr*sqrt(1-b2^t)/(1-b1^t) / (sqrt(vhat or v) + eps).
// wd: decoupled weight decay of the Keras 3 base optimizer, w -= w*wd*lr before the step.
const adamRule =
  (lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-7, amsgrad = false, wd = 0): Rule =>
  (w, g, t, s) => {
    w -= w * wd * lr;
    s.m += (g - s.m) * (1 - b1);
    s.v += (g * g - s.v) * (1 - b2);
    s.vh = Math.max(s.vh, s.v);
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    return w - (s.m * alpha) / (Math.sqrt(amsgrad ? s.vh : s.v) + eps);
  };
const adamState = { m: 0, v: 0, vh: 0 };

describe('SGD', () => {
  it('plain: w -= lr * g (hand-computed)', () => {
    // step 1: [1 - 0.1*0.5, -2 - 0.1*0.25] = [0.95, -2.025]; step 2: [0.95 + 0.1, -2.025 - 0.05] = [1.05, -2.075]
    expectClose(run(new SGD({ learningRate: 0.1 })), [
      [0.95, -2.025],
      [1.05, -2.075],
    ]);
  });

  it('momentum and nesterov follow the Keras rule', () => {
    expectClose(run(optimizers.sgd({ learningRate: 0.1, momentum: 0.9 })), reference(sgdRule(0.1, 0.9), { m: 0 }));
    expectClose(run(optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true })), reference(sgdRule(0.1, 0.9, true), { m: 0 }));
    // Step 2 with momentum, by hand for element 0: m1 = -0.05, m2 = 0.9*-0.05 + 0.1 = 0.055; w2 = 0.95 + 0.055
    expect(run(optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }))[1][0]).toBeCloseTo(1.005, 6);
  });

  it('defaults to learning rate 0.01 and no momentum slot', () => {
    const opt = optimizers.sgd();
    expect(opt.learningRate).toBe(0.01);
    const w = variable(tensor([1]), { name: fresh() });
    opt.applyGradients([[tensor([1]), w]]);
    expect(opt.variables.map((v) => v.name)).toEqual([`${opt.name}/iterations`]);
    expect(w.dataSync()[0]).toBeCloseTo(0.99, 6);
    opt.dispose();
    w.dispose();
  });
});

describe('Adam family', () => {
  it('Adam: plain, and float64 to 1e-12', () => {
    expectClose(run(new Adam({ learningRate: 0.1 })), reference(adamRule(0.1), adamState));
    expectClose(run(new Adam({ learningRate: 0.1 }), GRADS, W0, 'float64'), reference(adamRule(0.1), adamState), 1e-12);
  });

  it('Adam: amsgrad keeps the max second moment (differs from plain once v shrinks)', () => {
    // beta2 = 0.5 so v shrinks within a few small gradients and vHat = max(vHat, v) matters
    const grads = [...GRADS, [0.01, -0.02], [0.03, 0.01]];
    const ams = run(new Adam({ learningRate: 0.1, beta2: 0.5, amsgrad: true }), grads);
    expectClose(ams, reference(adamRule(0.1, 0.9, 0.5, 1e-7, true), adamState, grads));
    const plain = reference(adamRule(0.1, 0.9, 0.5), adamState, grads);
    expect(Math.abs(ams[3][0] - plain[3][0])).toBeGreaterThan(1e-3);
  });

  it('AdamW: decoupled weight decay (default 0.004) before the Adam step', () => {
    const opt = optimizers.adamw({ learningRate: 0.1 });
    expect(opt.getConfig().weightDecay).toBe(0.004);
    expectClose(run(opt), reference(adamRule(0.1, 0.9, 0.999, 1e-7, false, 0.004), adamState));
    expectClose(run(new AdamW({ learningRate: 0.1, weightDecay: 0.5 })), reference(adamRule(0.1, 0.9, 0.999, 1e-7, false, 0.5), adamState));
    expect(new AdamW()).toBeInstanceOf(Adam);
  });

  it('Adamax', () => {
    // Keras 3 Adamax: m += (g-m)(1-b1); u = max(b2*u, |g|); w -= lr*m / ((1-b1^t)(u+eps))
    const rule: Rule = (w, g, t, s) => {
      s.m += (g - s.m) * 0.1;
      s.u = Math.max(0.999 * s.u, Math.abs(g));
      return w - (0.1 * s.m) / ((1 - 0.9 ** t) * (s.u + 1e-7));
    };
    expectClose(run(optimizers.adamax({ learningRate: 0.1 })), reference(rule, { m: 0, u: 0 }));
  });

  it('Nadam (Keras 3 momentum schedule mu_t = b1(1 - 0.5*0.96^t))', () => {
    // Keras 3 Nadam: P_t = mu_1...mu_t; m += (g-m)(1-b1); v += (g^2-v)(1-b2);
    // mhat = mu_{t+1} m/(1-P_t*mu_{t+1}) + (1-mu_t) g/(1-P_t); w -= lr*mhat/(sqrt(v/(1-b2^t)) + eps)
    const b1 = 0.9;
    const b2 = 0.999;
    const mu = (t: number): number => b1 * (1 - 0.5 * 0.96 ** t);
    const rule: Rule = (w, g, t, s) => {
      let p = 1;
      for (let i = 1; i <= t; i++) p *= mu(i);
      s.m += (g - s.m) * (1 - b1);
      s.v += (g * g - s.v) * (1 - b2);
      const mHat = (mu(t + 1) * s.m) / (1 - p * mu(t + 1)) + ((1 - mu(t)) * g) / (1 - p);
      return w - (0.1 * mHat) / (Math.sqrt(s.v / (1 - b2 ** t)) + 1e-7);
    };
    const grads = [...GRADS, [0.2, -0.3]];
    expectClose(run(optimizers.nadam({ learningRate: 0.1 }), grads), reference(rule, { m: 0, v: 0 }, grads));
  });
});

describe('RMSprop', () => {
  // Keras 3 RMSprop: v = rho*v + (1-rho)g^2; centered: a = rho*a + (1-rho)g, den = v - a^2 + eps, else den = v + eps;
  // inc = lr*g/sqrt(den); momentum: mom = mu*mom + inc, w -= mom; else w -= inc.
  const rule =
    (lr: number, rho: number, mu: number, centered: boolean): Rule =>
    (w, g, _t, s) => {
      s.v = rho * s.v + (1 - rho) * g * g;
      s.a = rho * s.a + (1 - rho) * g;
      const inc = (lr * g) / Math.sqrt(centered ? s.v - s.a * s.a + 1e-7 : s.v + 1e-7);
      if (mu === 0) return w - inc;
      s.mom = mu * s.mom + inc;
      return w - s.mom;
    };
  const init = { v: 0, a: 0, mom: 0 };

  it('plain, momentum, centered, centered with momentum', () => {
    expectClose(run(optimizers.rmsprop({ learningRate: 0.01 })), reference(rule(0.01, 0.9, 0, false), init));
    expectClose(run(optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 })), reference(rule(0.01, 0.9, 0.5, false), init));
    expectClose(run(optimizers.rmsprop({ learningRate: 0.01, centered: true })), reference(rule(0.01, 0.9, 0, true), init));
    expectClose(run(optimizers.rmsprop({ learningRate: 0.01, rho: 0.8, momentum: 0.5, centered: true })), reference(rule(0.01, 0.8, 0.5, true), init));
  });

  it('creates only the slots it uses, in Keras order', () => {
    const opt = optimizers.rmsprop({ momentum: 0.5, centered: true });
    const w = variable(tensor([1]), { name: fresh() });
    opt.applyGradients([[tensor([1]), w]]);
    expect(opt.variables.map((v) => v.name.split('/').pop())).toEqual(['iterations', 'velocity', 'momentum', 'average_gradient']);
    opt.dispose();
    w.dispose();
  });
});

describe('Adagrad, Adadelta, Ftrl', () => {
  it('Adagrad', () => {
    // Keras 3 Adagrad: acc += g^2 (acc starts at initialAccumulatorValue); w -= lr*g/sqrt(acc + eps)
    const rule: Rule = (w, g, _t, s) => {
      s.acc += g * g;
      return w - (0.1 * g) / Math.sqrt(s.acc + 1e-7);
    };
    expectClose(run(optimizers.adagrad({ learningRate: 0.1 })), reference(rule, { acc: 0.1 }));
    const rule2: Rule = (w, g, _t, s) => {
      s.acc += g * g;
      return w - (0.1 * g) / Math.sqrt(s.acc + 1e-3);
    };
    expectClose(run(optimizers.adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.5, epsilon: 1e-3 })), reference(rule2, { acc: 0.5 }));
  });

  it('Adadelta (float64, and float32 with a large epsilon)', () => {
    // Keras 3 Adadelta (Zeiler 2012): Eg = rho*Eg + (1-rho)g^2; d = -sqrt(Ed + eps)*g/sqrt(Eg + eps);
    // Ed = rho*Ed + (1-rho)d^2; w += lr*d
    const rule =
      (lr: number, rho: number, eps: number): Rule =>
      (w, g, _t, s) => {
        s.eg = rho * s.eg + (1 - rho) * g * g;
        const d = (-Math.sqrt(s.ed + eps) * g) / Math.sqrt(s.eg + eps);
        s.ed = rho * s.ed + (1 - rho) * d * d;
        return w + lr * d;
      };
    expectClose(run(optimizers.adadelta({ learningRate: 1 }), GRADS, W0, 'float64'), reference(rule(1, 0.95, 1e-7), { eg: 0, ed: 0 }), 1e-12);
    expectClose(run(optimizers.adadelta({ learningRate: 1, rho: 0.9, epsilon: 0.01 })), reference(rule(1, 0.9, 0.01), { eg: 0, ed: 0 }));
  });

  it('Ftrl with l1, l2, shrinkage and beta', () => {
    // Keras 3 Ftrl (McMahan et al. 2013), p = -learningRatePower: n' = n + g^2; l2e = l2 + beta/(2 lr);
    // z += (g + 2*s2*w) - (n'^p - n^p)/lr * w; w = (clip(z, -l1, l1) - z) / (n'^p/lr + 2*l2e)
    const ftrlRule =
      (lr: number, power: number, l1: number, l2: number, shrink: number, beta: number): Rule =>
      (w, g, _t, s) => {
        const p = -power;
        const n1 = s.n + g * g;
        s.z += g + 2 * shrink * w - ((n1 ** p - s.n ** p) / lr) * w;
        const q = n1 ** p / lr + 2 * (l2 + beta / (2 * lr));
        s.n = n1;
        return (Math.min(Math.max(s.z, -l1), l1) - s.z) / q;
      };
    const grads = [...GRADS, [0.3, -0.6]];
    const args = { learningRate: 0.5, l1RegularizationStrength: 0.01, l2RegularizationStrength: 0.1, l2ShrinkageRegularizationStrength: 0.02, beta: 0.3 };
    expectClose(run(optimizers.ftrl(args), grads), reference(ftrlRule(0.5, -0.5, 0.01, 0.1, 0.02, 0.3), { n: 0.1, z: 0 }, grads));
    expectClose(
      run(optimizers.ftrl({ learningRate: 0.2, learningRatePower: -0.7, initialAccumulatorValue: 0.3 }), grads),
      reference(ftrlRule(0.2, -0.7, 0, 0, 0, 0), { n: 0.3, z: 0 }, grads),
    );
  });

  it('Ftrl: a strong l1 gives exact zeros', () => {
    // step 1, element 0: z = 0.5 - (sqrt(0.35) - sqrt(0.1))/0.5 * 1 = -0.0508; element 1: z = 0.5976; both within [-1, 1] → 0
    expect(run(optimizers.ftrl({ learningRate: 0.5, l1RegularizationStrength: 1 }), [GRADS[0]])[0]).toEqual([0, 0]);
  });
});

describe('clipping and weight decay', () => {
  const sgdOnce = (opt: Optimizer, pairs: Array<[number[], number[]]>): number[][] => {
    const vars = pairs.map(([w]) => variable(tensor(w), { name: fresh() }));
    const grads = pairs.map(([, g]) => tensor(g));
    opt.applyGradients(grads.map((g, i) => [g, vars[i]] as const));
    const out = vars.map((v) => Array.from(v.dataSync()));
    [...vars, ...grads].forEach((t) => t.dispose());
    opt.dispose();
    return out;
  };

  it('clipNorm scales each gradient to the norm separately', () => {
    // g = [3, 4] has norm 5 → [0.6, 0.8]; g = [0.3, 0.4] (norm 0.5) is unchanged; lr 1
    expectClose(sgdOnce(optimizers.sgd({ learningRate: 1, clipNorm: 1 }), [[[0, 0], [3, 4]], [[0, 0], [0.3, 0.4]]]), [
      [-0.6, -0.8],
      [-0.3, -0.4],
    ]);
  });

  it('globalClipNorm scales all gradients by one factor', () => {
    // global norm of [3, 4] and [12] is 13; limit 6.5 → every gradient halves
    expectClose(sgdOnce(optimizers.sgd({ learningRate: 1, globalClipNorm: 6.5 }), [[[0, 0], [3, 4]], [[0], [12]]]), [[-1.5, -2], [-6]]);
    // within the limit: unchanged
    expectClose(sgdOnce(optimizers.sgd({ learningRate: 1, globalClipNorm: 20 }), [[[0, 0], [3, 4]], [[0], [12]]]), [[-3, -4], [-12]]);
  });

  it('clipValue clips elementwise', () => {
    expectClose(sgdOnce(optimizers.sgd({ learningRate: 1, clipValue: 1 }), [[[0, 0, 0], [0.5, -3, 2]]]), [[-0.5, 1, -1]]);
  });

  it('at most one clip option', () => {
    expect(() => optimizers.adam({ clipNorm: 1, clipValue: 1 })).toThrow(/^adam: only one of clipNorm, globalClipNorm and clipValue can be set, got clipNorm=1, clipValue=1$/);
  });

  it('weightDecay: w -= lr*wd*w, then the update (Keras 3 base optimizer)', () => {
    // w = [1, -2], lr 0.1, wd 0.5: decayed [0.95, -1.9]; minus 0.1*[0.5, 0.25] → [0.9, -1.925]
    expectClose(sgdOnce(optimizers.sgd({ learningRate: 0.1, weightDecay: 0.5 }), [[W0, GRADS[0]]]), [[0.9, -1.925]]);
  });
});

describe('applyGradients validation and atomicity', () => {
  function setup(): { opt: Adam; a: Variable; b: Variable; snapshot: () => number[][]; done: () => void } {
    const opt = new Adam({ learningRate: 0.1 });
    const a = variable(tensor([1, 2]), { name: fresh('a') });
    const b = variable(tensor([3, 4, 5]), { name: fresh('b') });
    const snapshot = (): number[][] => [...opt.variables, a, b].map((v) => Array.from(v.dataSync()));
    return { opt, a, b, snapshot, done: () => [opt, a, b].forEach((x) => x.dispose()) };
  }

  it('a mismatched gradient shape throws ShapeError naming the variable; nothing changes', () => {
    const { opt, a, b, snapshot, done } = setup();
    opt.applyGradients([
      [tensor([0.1, 0.2]), a],
      [tensor([0.3, 0.4, 0.5]), b],
    ]);
    const before = snapshot();
    expect(opt.variables.length).toBe(5);
    expect(() =>
      opt.applyGradients([
        [tensor([0.1, 0.2]), a],
        [tensor([0.3, 0.4]), b],
      ]),
    ).toThrow(new RegExp(`^${opt.name}: applyGradients: the gradient for variable '${b.name}' has shape \\[2\\], expected \\[3\\] \\(the variable's shape\\)$`));
    expect(() => opt.applyGradients([[tensor([0.1, 0.2]), a], [tensor([0.3, 0.4]), b]])).toThrow(ShapeError);
    expect(snapshot()).toEqual(before);
    expect(opt.iterations).toBe(1);
    done();
  });

  it('a failure before any slot exists creates none', () => {
    const { opt, a, b, done } = setup();
    expect(() => opt.applyGradients([[tensor([0.1, 0.2]), a], [tensor([1, 2, 3], undefined, 'float64'), b]])).toThrow(DTypeError);
    expect(() => opt.applyGradients([[tensor([0.1, 0.2]), a], [tensor([1, 2, 3], undefined, 'float64'), b]])).toThrow(
      /the gradient for variable 'b_opt_test_\d+' has dtype float64, expected float32 \(the variable's dtype\); cast it first/,
    );
    expect(opt.variables.map((v) => v.name)).toEqual([`${opt.name}/iterations`]);
    expect(opt.iterations).toBe(0);
    expect(Array.from(a.dataSync())).toEqual([1, 2]);
    done();
  });

  it('an update that fails after slots were created removes them again (custom optimizer)', () => {
    class Buggy extends Optimizer {
      constructor() {
        super('buggy', { learningRate: 0.1, clipNorm: null, globalClipNorm: null, clipValue: null, weightDecay: null });
      }
      get className(): string {
        return 'Buggy';
      }
      protected slotSpecs(): SlotSpec[] {
        return [{ name: 'count', initialValue: 1 }];
      }
      protected updateStep({ grad, value, slots, lr }: UpdateInput): UpdateResult {
        // a bug for size-3 variables: returns a scalar
        if (value.size === 3) return { value: value.sum(), slots: [slots[0]] };
        return { value: value.sub(grad.mul(lr)), slots: [slots[0].add(1)] };
      }
      protected hyperConfig(): ConfigDict {
        return {};
      }
    }
    const opt = new Buggy();
    const a = variable(tensor([1, 2]), { name: fresh('a') });
    const b = variable(tensor([3, 4, 5]), { name: fresh('b') });
    const ga = tensor([1, 1]);
    const gb = tensor([1, 1, 1]);
    const before = memory().numTensors;
    expect(() => opt.applyGradients([[ga, a], [gb, b]])).toThrow(new RegExp(`^buggy(_\\d+)?: updateStep returned a bad value for variable '${b.name}' \\(expected dtype float32, shape \\[3\\]\\); a bug in the optimizer$`));
    expect(memory().numTensors).toBe(before);
    expect(opt.variables.map((v) => v.name)).toEqual([`${opt.name}/iterations`]);
    expect(Array.from(a.dataSync())).toEqual([1, 2]);
    expect(opt.iterations).toBe(0);
    opt.applyGradients([[ga, a]]);
    expect(Array.from(a.dataSync())[0]).toBeCloseTo(0.9, 6);
    expect(Array.from(opt.variables[1].dataSync())).toEqual([2, 2]);
    [opt, a, b, ga, gb].forEach((x) => x.dispose());
  });

  it('rejects int variables, duplicates, non-tensors, disposed variables', () => {
    const opt = optimizers.sgd();
    const n = variable(tensor([1, 2], undefined, 'int32'), { name: fresh('int') });
    const w = variable(tensor([1, 2]), { name: fresh() });
    expect(() => opt.applyGradients([[tensor([1, 1], undefined, 'int32'), n]])).toThrow(/variable 'int_opt_test_\d+' has dtype int32; optimizers update only float32 and float64 variables/);
    expect(() => opt.applyGradients([[tensor([1, 1]), w], [tensor([1, 1]), w]])).toThrow(/variable 'w_opt_test_\d+' appears twice/);
    expect(() => opt.applyGradients([[[1, 1] as unknown as Tensor, w]])).toThrow(/the gradient for variable 'w_opt_test_\d+' is not a Tensor/);
    expect(() => opt.applyGradients([[tensor([1, 1]), tensor([1, 2]) as unknown as Variable]])).toThrow(/item 0: expected a Variable, got a Tensor/);
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    w.dispose();
    expect(() => opt.applyGradients([[tensor([1, 1]), w]])).toThrow(DisposedError);
    n.dispose();
    opt.dispose();
  });

  it('skips variables without a gradient (record form); all missing is an error', () => {
    const opt = optimizers.sgd({ learningRate: 1 });
    const a = variable(tensor([1]), { name: fresh('a') });
    const b = variable(tensor([5]), { name: fresh('b') });
    opt.applyGradients({ [a.name]: tensor([1]) }, [a, b]);
    expect([a.dataSync()[0], b.dataSync()[0]]).toEqual([0, 5]);
    expect(() => opt.applyGradients({}, [a, b])).toThrow(new RegExp(`^${opt.name}: applyGradients: no gradients provided for any variable \\('${a.name}', '${b.name}'\\)$`));
    opt.applyGradients([]); // nothing to do: no step
    expect(opt.iterations).toBe(1);
    [opt, a, b].forEach((x) => x.dispose());
  });
});

describe('state variables', () => {
  it('are named optimizer/variable/slot, ordered iterations first then by creation, not trainable, in the variable dtype', () => {
    const opt = optimizers.adam({ amsgrad: true });
    const a = variable(tensor([1, 2], undefined, 'float64'), { name: fresh('a') });
    const b = variable(tensor([[1]]), { name: fresh('b') });
    opt.applyGradients([[tensor([1, 1], undefined, 'float64'), a]]);
    opt.applyGradients([[tensor([1, 1], undefined, 'float64'), a], [tensor([[1]]), b]]);
    const p = opt.name;
    expect(opt.variables.map((v) => v.name)).toEqual([
      `${p}/iterations`,
      `${p}/${a.name}/momentum`,
      `${p}/${a.name}/velocity`,
      `${p}/${a.name}/velocity_hat`,
      `${p}/${b.name}/momentum`,
      `${p}/${b.name}/velocity`,
      `${p}/${b.name}/velocity_hat`,
    ]);
    expect(opt.variables.map((v) => v.dtype)).toEqual(['int32', 'float64', 'float64', 'float64', 'float32', 'float32', 'float32']);
    expect(opt.variables[4].shape).toEqual([1, 1]);
    expect(opt.variables.every((v) => !v.trainable)).toBe(true);
    expect(opt.variables[0].shape).toEqual([]);
    expect(opt.iterations).toBe(2);
    [opt, a, b].forEach((x) => x.dispose());
  });

  it('restoring the state variables (as a checkpoint does) restores the step count and bias corrections', () => {
    const opt = optimizers.nadam({ learningRate: 0.1 });
    const w = variable(tensor(W0), { name: fresh() });
    const grads = GRADS.map((g) => tensor(g));
    opt.applyGradients([[grads[0], w]]);
    const saved = [...opt.variables, w].map((v) => v.clone());
    const afterOne = Array.from(w.dataSync());
    opt.applyGradients([[grads[1], w]]);
    opt.applyGradients([[grads[1], w]]);
    expect(opt.iterations).toBe(3);
    [...opt.variables, w].forEach((v, i) => v.assign(saved[i]));
    expect(opt.iterations).toBe(1);
    expect(Array.from(w.dataSync())).toEqual(afterOne);
    opt.applyGradients([[grads[1], w]]);
    const fresh2 = run(optimizers.nadam({ learningRate: 0.1 }));
    expectClose([Array.from(w.dataSync())], [fresh2[1]], 1e-7);
    [opt, w, ...grads, ...saved].forEach((x) => x.dispose());
  });

  it('instance names are unique per class', () => {
    const x = optimizers.adam();
    const y = optimizers.adam();
    const z = optimizers.rmsprop();
    expect(x.name).toMatch(/^adam(_\d+)?$/);
    expect(y.name).toMatch(/^adam_\d+$/);
    expect(y.name).not.toBe(x.name);
    expect(z.name).toMatch(/^rmsprop(_\d+)?$/);
    [x, y, z].forEach((o) => o.dispose());
  });

  it('a rebuilt variable with the same name gets fresh slots', () => {
    const opt = optimizers.sgd({ momentum: 0.9, learningRate: 1 });
    const name = fresh();
    const w1 = variable(tensor([1]), { name });
    opt.applyGradients([[tensor([1]), w1]]);
    w1.dispose();
    const w2 = variable(tensor([10]), { name });
    opt.applyGradients([[tensor([1]), w2]]);
    // fresh momentum: m = -1, w = 10 - 1
    expect(w2.dataSync()[0]).toBe(9);
    expect(opt.variables.map((v) => v.name)).toEqual([`${opt.name}/iterations`, `${opt.name}/${name}/momentum`]);
    opt.dispose();
    w2.dispose();
  });

  it('dispose frees the state and the optimizer refuses further use', () => {
    const before = memory().numTensors;
    const opt = optimizers.adam();
    const w = variable(tensor([1]), { name: fresh() });
    opt.applyGradients([[tensor([1]), w]]);
    expect(memory().numTensors).toBeGreaterThan(before);
    opt.dispose();
    w.dispose();
    expect(opt.variables).toEqual([]);
    expect(() => opt.iterations).toThrow(/^adam(_\d+)?: iterations: the optimizer was disposed$/);
    expect(() => opt.applyGradients([])).toThrow(DisposedError);
  });
});

describe('configs, factory and registry', () => {
  const cases: Array<[string, Optimizer]> = [
    ['SGD', optimizers.sgd({ learningRate: 0.2, momentum: 0.5, nesterov: true, clipNorm: 2 })],
    ['Adam', optimizers.adam({ beta1: 0.8, amsgrad: true, globalClipNorm: 3 })],
    ['AdamW', optimizers.adamw({ weightDecay: 0.1, epsilon: 1e-5 })],
    ['Adamax', optimizers.adamax({ beta2: 0.99, clipValue: 0.5 })],
    ['Nadam', optimizers.nadam({ learningRate: 0.01, weightDecay: 0.02 })],
    ['RMSprop', optimizers.rmsprop({ rho: 0.8, momentum: 0.1, centered: true })],
    ['Adagrad', optimizers.adagrad({ initialAccumulatorValue: 0.2 })],
    ['Adadelta', optimizers.adadelta({ rho: 0.9 })],
    ['Ftrl', optimizers.ftrl({ l1RegularizationStrength: 0.1, learningRatePower: -0.3, beta: 0.5 })],
    ['Adam', optimizers.adam({ learningRate: schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 100, alpha: 0.1 }) })],
  ];
  for (const [className, opt] of cases) {
    it(`${className} round-trips through getOptimizer({className, config})`, () => {
      expect(opt.className).toBe(className);
      const config = opt.getConfig();
      const copy = getOptimizer({ className: opt.className, config: JSON.parse(JSON.stringify(config)) });
      expect(copy.constructor).toBe(opt.constructor);
      expect(copy.getConfig()).toEqual(config);
      expect(copy.name).not.toBe(opt.name);
      copy.dispose();
    });
  }

  it('configs carry the Keras defaults', () => {
    const c = optimizers.adam().getConfig();
    expect(c).toEqual({ learningRate: 0.001, clipNorm: null, globalClipNorm: null, clipValue: null, weightDecay: null, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false });
    expect(optimizers.ftrl().getConfig()).toMatchObject({ learningRatePower: -0.5, initialAccumulatorValue: 0.1, l1RegularizationStrength: 0, beta: 0 });
    expect(optimizers.rmsprop().getConfig()).toMatchObject({ learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
    expect(optimizers.adadelta().getConfig()).toMatchObject({ learningRate: 0.001, rho: 0.95 });
  });

  it('getOptimizer resolves names case-insensitively and passes instances through', () => {
    const names = ['sgd', 'Adam', 'ADAMW', 'adamax', 'nadam', 'RMSprop', 'adagrad', 'adadelta', 'ftrl'];
    const classes = ['SGD', 'Adam', 'AdamW', 'Adamax', 'Nadam', 'RMSprop', 'Adagrad', 'Adadelta', 'Ftrl'];
    names.forEach((n, i) => {
      const o = optimizers.get(n);
      expect(o.className).toBe(classes[i]);
      o.dispose();
    });
    const opt = optimizers.sgd();
    expect(getOptimizer(opt)).toBe(opt);
    expect(optimizerRegistry.names()).toEqual(classes);
  });

  it('unknown names and classes are ValueErrors with a suggestion', () => {
    expect(() => getOptimizer('adma')).toThrow(/^compile: unknown optimizer 'adma' \(did you mean 'adam'\?\); known: sgd, adam, adamw, adamax, nadam, rmsprop, adagrad, adadelta, ftrl$/);
    expect(() => getOptimizer('adma')).toThrow(ValueError);
    expect(() => getOptimizer('rmsprob', 'model.compile')).toThrow(/^model\.compile: unknown optimizer 'rmsprob' \(did you mean 'rmsprop'\?\)/);
    expect(() => getOptimizer({ className: 'Adamm', config: {} })).toThrow(/^compile: unknown optimizer class 'Adamm' \(did you mean 'Adam'\?\)/);
    expect(() => getOptimizer(3 as unknown as string)).toThrow(/^compile: expected an optimizer name, an Optimizer or \{className, config\}, got number$/);
  });

  it('bad options name the optimizer and the option', () => {
    expect(() => optimizers.adam({ beta1: 1.5 })).toThrow(/^adam: option 'beta1': Too big: expected number to be <1, got 1\.5$/);
    expect(() => optimizers.adam({ beta_1: 0.9 } as never)).toThrow(/^adam: unknown option 'beta_1' \(did you mean 'beta1'\?\); known options: learningRate, /);
    expect(() => optimizers.sgd({ learningRate: -1 })).toThrow(/^sgd: option 'learningRate': expected a finite number >= 0 or a LearningRateSchedule, got -1$/);
    expect(() => optimizers.sgd({ momentum: 2 })).toThrow(/^sgd: option 'momentum'/);
    expect(() => optimizers.ftrl({ learningRatePower: 0.5 })).toThrow(/^ftrl: option 'learningRatePower'/);
    expect(() => optimizers.adagrad({ initialAccumulatorValue: -1 })).toThrow(/^adagrad: option 'initialAccumulatorValue'/);
    expect(() => optimizers.rmsprop({ centered: 'yes' } as never)).toThrow(/^rmsprop: option 'centered'/);
    expect(() => getOptimizer({ className: 'Adam', config: { learningRate: 'fast' } })).toThrow(/^adam: option 'learningRate'/);
  });
});

describe('memory and minimize', () => {
  it('no tensor leaks across 10 steps, for every optimizer', () => {
    const makers = [
      () => optimizers.sgd({ momentum: 0.9, clipNorm: 1 }),
      () => optimizers.adam({ amsgrad: true, globalClipNorm: 1 }),
      () => optimizers.adamw(),
      () => optimizers.adamax({ clipValue: 0.1 }),
      () => optimizers.nadam(),
      () => optimizers.rmsprop({ momentum: 0.5, centered: true }),
      () => optimizers.adagrad(),
      () => optimizers.adadelta(),
      () => optimizers.ftrl({ l1RegularizationStrength: 0.1 }),
    ];
    for (const make of makers) {
      const opt = make();
      const w = variable(tensor([1, 2, 3]), { name: fresh() });
      const g = tensor([0.1, -0.2, 0.3]);
      opt.applyGradients([[g, w]]);
      const after1 = memory().numTensors;
      for (let i = 0; i < 10; i++) opt.applyGradients([[g, w]]);
      expect(memory().numTensors, opt.className).toBe(after1);
      expect(opt.iterations).toBe(11);
      opt.dispose();
      w.dispose();
      g.dispose();
    }
  });

  it('minimize applies the gradient of f and returns the loss on request', () => {
    const opt = optimizers.sgd({ learningRate: 0.1 });
    const w = variable(tensor([1, 5]), { name: fresh() });
    const target = tensor([3, 3]);
    const f = (): Tensor => w.sub(target).square().sum();
    // d/dw sum((w-3)^2) = 2(w-3) = [-4, 4] → w = [1.4, 4.6]; loss before the step = 4 + 4
    const before = memory().numTensors;
    const loss = opt.minimize(f, true, [w]);
    expect(loss?.dataSync()[0]).toBe(8);
    loss?.dispose();
    expectClose([Array.from(w.dataSync())], [[1.4, 4.6]]);
    // the optimizer now knows w, so varList may be omitted; no cost requested → null
    expect(opt.minimize(f)).toBeNull();
    expectClose([Array.from(w.dataSync())], [[1.72, 4.28]]);
    expect(memory().numTensors).toBe(before);
    const one = scalar(1);
    const unseen = variable(one, { name: fresh('unseen') });
    one.dispose();
    expect(() => opt.minimize(() => unseen.square())).toThrow(/minimize: pass varList to update 'unseen_opt_test_\d+'/);
    expect(memory().numTensors).toBe(before + 1);
    [opt, w, target, unseen].forEach((x) => x.dispose());
  });
});
