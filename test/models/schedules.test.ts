/**
 * Learning-rate schedules: values against the Keras 3 formulas, option
 * errors, serialization, and optimizers that follow a schedule step by step.
 */
import { describe, expect, it } from 'vitest';
import { ValueError, tensor, variable } from '../../src/engine/index.js';
import {
  CosineDecay,
  ExponentialDecay,
  LearningRateSchedule,
  PiecewiseConstantDecay,
  getOptimizer,
  optimizers,
  scheduleRegistry,
  schedules,
  serializeSchedule,
} from '../../src/models/optimizers/index.js';
import type { ConfigDict } from '../../src/layers/config.js';

let nameCounter = 0;
const fresh = (): string => `w_schedule_test_${++nameCounter}`;

describe('ExponentialDecay', () => {
  it('initial * rate^(step / decaySteps), floored with staircase', () => {
    const s = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    // 0.1 * 0.5^0 = 0.1; 0.1 * 0.5^0.5 = 0.0707106...; 0.1 * 0.5^1 = 0.05; 0.1 * 0.5^2.5 = 0.0176776...
    expect(s.call(0)).toBe(0.1);
    expect(s.call(5)).toBeCloseTo(0.1 * Math.SQRT1_2, 15);
    expect(s.call(10)).toBeCloseTo(0.05, 15);
    expect(s.call(25)).toBeCloseTo(0.1 / (4 * Math.SQRT2), 15);
    const stairs = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expect([0, 9, 10, 19, 25].map((t) => stairs.call(t))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('validates its options', () => {
    expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 })).toThrow(
      /^exponentialDecay: option 'decaySteps': Too small: expected number to be >0, got 0$/,
    );
    expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5, stairCase: true } as never)).toThrow(
      /^exponentialDecay: unknown option 'stairCase' \(did you mean 'staircase'\?\)/,
    );
    expect(() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1 } as never)).toThrow(/^exponentialDecay: option 'decayRate'/);
  });
});

describe('PiecewiseConstantDecay', () => {
  it('values[0] up to and including boundaries[0] (as Keras), then each interval', () => {
    const s = schedules.piecewiseConstant({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect([0, 10, 11, 20, 21, 1000].map((t) => s.call(t))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });

  it('needs one more value than boundaries, and increasing boundaries', () => {
    expect(() => new PiecewiseConstantDecay({ boundaries: [10], values: [1] })).toThrow(/^piecewiseConstant: option 'values': expected 2 values \(one more than the 1 boundaries\)/);
    expect(() => new PiecewiseConstantDecay({ boundaries: [10, 5], values: [1, 2, 3] })).toThrow(/^piecewiseConstant: option 'boundaries': expected strictly increasing boundaries/);
  });
});

describe('CosineDecay', () => {
  it('without warmup: initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decaySteps) / decaySteps)) + alpha)', () => {
    const s = new CosineDecay({ initialLearningRate: 2, decaySteps: 100, alpha: 0.1 });
    const f = (t: number): number => 2 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, 100)) / 100)) + 0.1);
    for (const t of [0, 25, 50, 99, 100, 150]) expect(s.call(t)).toBeCloseTo(f(t), 14);
    // hand values: step 0 → 2; step 50 → 2 * (0.45 + 0.1) = 1.1; step >= 100 → 2 * 0.1 = 0.2
    expect(s.call(0)).toBeCloseTo(2, 14);
    expect(s.call(50)).toBeCloseTo(1.1, 14);
    expect(s.call(150)).toBeCloseTo(0.2, 14);
  });

  it('with warmup: linear from initial to warmupTarget, then cosine from warmupTarget', () => {
    const s = schedules.cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 1, warmupSteps: 4 });
    // warmup: (1 - 0) * step / 4 → 0, 0.25, 0.5, 0.75; then 0.5 * (1 + cos(pi * (step - 4) / 10))
    expect([0, 1, 2, 3].map((t) => s.call(t))).toEqual([0, 0.25, 0.5, 0.75]);
    expect(s.call(4)).toBeCloseTo(1, 14);
    expect(s.call(9)).toBeCloseTo(0.5, 14);
    expect(s.call(14)).toBeCloseTo(0, 14);
    expect(s.call(100)).toBeCloseTo(0, 14);
  });
});

describe('serialization', () => {
  it('round-trips through scheduleRegistry', () => {
    const all: LearningRateSchedule[] = [
      schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 7, decayRate: 0.9, staircase: true }),
      schedules.piecewiseConstant({ boundaries: [3, 8], values: [0.3, 0.2, 0.1] }),
      schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 50, alpha: 0.2, warmupTarget: 0.1, warmupSteps: 5 }),
    ];
    for (const s of all) {
      const saved = JSON.parse(JSON.stringify(serializeSchedule(s)));
      const copy = scheduleRegistry.create(saved);
      expect(copy.className).toBe(s.className);
      expect(copy.getConfig()).toEqual(s.getConfig());
      for (const t of [0, 4, 9, 60]) expect(copy.call(t)).toBe(s.call(t));
    }
    expect(serializeSchedule(all[1])).toEqual({ className: 'PiecewiseConstantDecay', config: { boundaries: [3, 8], values: [0.3, 0.2, 0.1] } });
  });

  it('an optimizer config names an unknown schedule class: ValueError', () => {
    expect(() => getOptimizer({ className: 'SGD', config: { learningRate: { className: 'LinearDecay', config: {} } } })).toThrow(/^sgd: unknown learning rate schedule class 'LinearDecay'/);
  });
});

describe('optimizers with schedules', () => {
  it('each step uses rate(iterations), the count before the step', () => {
    const opt = optimizers.sgd({ learningRate: schedules.piecewiseConstant({ boundaries: [1], values: [1, 0.1] }) });
    const w = variable(tensor([0]), { name: fresh() });
    const g = tensor([1]);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push(opt.currentLearningRate());
      opt.applyGradients([[g, w]]);
    }
    // iterations 0, 1 → rate 1 (step <= boundary 1); 2, 3 → 0.1; w = -(1 + 1 + 0.1 + 0.1)
    expect(seen).toEqual([1, 1, 0.1, 0.1]);
    expect(w.dataSync()[0]).toBeCloseTo(-2.2, 6);
    [opt, w, g].forEach((x) => x.dispose());
  });

  it('Adam follows an exponential schedule (reference in float64)', () => {
    const lrAt = (t: number): number => 0.1 * 0.5 ** (t / 2);
    const opt = optimizers.adam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 }) });
    const w = variable(tensor([1], undefined, 'float64'), { name: fresh() });
    // Keras 3 Adam with lr = schedule(iterations) at each step (iterations = t - 1)
    let ref = 1;
    let m = 0;
    let v = 0;
    for (const [t, gv] of [[1, 0.5], [2, -1], [3, 0.25]]) {
      const g = tensor([gv], undefined, 'float64');
      opt.applyGradients([[g, w]]);
      g.dispose();
      m += (gv - m) * 0.1;
      v += (gv * gv - v) * 0.001;
      ref -= (m * lrAt(t - 1) * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t) / (Math.sqrt(v) + 1e-7);
      expect(w.dataSync()[0]).toBeCloseTo(ref, 12);
    }
    [opt, w].forEach((x) => x.dispose());
  });

  it('learningRate: getter returns what was given; setting a number replaces the schedule', () => {
    const s = schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 10 });
    const opt = optimizers.rmsprop({ learningRate: s });
    expect(opt.learningRate).toBe(s);
    expect(opt.currentLearningRate()).toBe(1);
    expect(opt.getConfig().learningRate).toEqual({ className: 'CosineDecay', config: s.getConfig() });
    opt.learningRate = 0.25;
    expect(opt.learningRate).toBe(0.25);
    expect(opt.currentLearningRate()).toBe(0.25);
    expect(opt.getConfig().learningRate).toBe(0.25);
    opt.learningRate = s;
    expect(opt.currentLearningRate()).toBe(1);
    expect(() => {
      opt.learningRate = Number.NaN;
    }).toThrow(/^rmsprop(_\d+)?: learningRate must be a finite number >= 0 or a LearningRateSchedule, got NaN$/);
    expect(() => {
      opt.learningRate = -1;
    }).toThrow(ValueError);
    expect(opt.learningRate).toBe(s);
    opt.dispose();
  });

  it('a custom schedule that returns a bad rate is reported by name, before anything changes', () => {
    class Broken extends LearningRateSchedule {
      readonly className = 'Broken';
      call(step: number): number {
        return step === 0 ? 0.5 : Number.NaN;
      }
      getConfig(): ConfigDict {
        return {};
      }
    }
    const opt = optimizers.sgd({ learningRate: new Broken() });
    const w = variable(tensor([1]), { name: fresh() });
    const g = tensor([1]);
    opt.applyGradients([[g, w]]);
    expect(w.dataSync()[0]).toBe(0.5);
    expect(() => opt.applyGradients([[g, w]])).toThrow(/^sgd(_\d+)?: learning rate schedule 'Broken' returned NaN at step 1; expected a finite number >= 0$/);
    expect(w.dataSync()[0]).toBe(0.5);
    expect(opt.iterations).toBe(1);
    [opt, w, g].forEach((x) => x.dispose());
  });
});
