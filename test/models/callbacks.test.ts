import { afterEach, describe, expect, it } from 'vitest';
import { clone, memory, tidy, variable, type Tensor, type Variable } from '../../src/engine/index.js';
import {
  Callback,
  CallbackList,
  EarlyStopping,
  History,
  LearningRateScheduler,
  ProgressBar,
  ReduceLROnPlateau,
  TerminateOnNaN,
  callbacks,
  type CallbackModel,
  type Logs,
  type TrainingParams,
} from '../../src/models/callbacks/index.js';
import { monitorDirection } from '../../src/models/callbacks/early-stopping.js';
import { formatLogValue } from '../../src/models/callbacks/progress.js';

interface FakeOptimizer {
  name: string;
  learningRate: number | { className: string };
  currentLearningRate(): number;
  iterations: number;
}

interface Fake {
  model: CallbackModel;
  weights: Variable[];
  optimizer: FakeOptimizer;
  getWeightsCalls: () => number;
}

const live: Variable[] = [];
let counter = 0;

/** A model as callbacks see it: two real variables and a plain optimizer object. */
function fakeModel(lr: number | { className: string } | null = 0.01): Fake {
  const weights = [variable([1, 2], { name: `cb_w${counter}` }), variable([[3]], { name: `cb_b${counter}` })];
  counter++;
  live.push(...weights);
  const optimizer: FakeOptimizer = {
    name: 'fake_sgd',
    learningRate: lr ?? 0,
    currentLearningRate() {
      return typeof this.learningRate === 'number' ? this.learningRate : 0.5;
    },
    iterations: 0,
  };
  let calls = 0;
  const model: CallbackModel = {
    name: 'fake_model',
    stopTraining: false,
    getWeights: () => {
      calls++;
      return weights.map((w) => clone(w));
    },
    setWeights: (values: readonly Tensor[]) => values.forEach((v, i) => weights[i].assign(v)),
    optimizer: (lr === null ? undefined : optimizer) as unknown as CallbackModel['optimizer'],
  };
  return { model, weights, optimizer, getWeightsCalls: () => calls };
}

afterEach(() => {
  for (const v of live.splice(0)) v.dispose();
});

const params = (over: Partial<TrainingParams> = {}): TrainingParams => ({
  epochs: 10,
  steps: 250,
  samples: 8000,
  verbose: 1,
  metrics: ['loss'],
  initialEpoch: 0,
  doValidation: true,
  ...over,
});

function attach<C extends Callback>(cb: C, model: CallbackModel, p = params()): C {
  cb.setModel(model);
  cb.setParams(p);
  return cb;
}

/** Runs epoch ends with `key` taking each value; returns the epoch at which stopTraining was first set, or null. */
function runEpochs(cb: Callback, model: CallbackModel, key: string, values: number[]): number | null {
  cb.onTrainBegin({});
  for (let epoch = 0; epoch < values.length; epoch++) {
    cb.onEpochEnd(epoch, { [key]: values[epoch] });
    if (model.stopTraining) return epoch;
  }
  return null;
}

describe('EarlyStopping', () => {
  it('counts patience with minDelta: a change smaller than minDelta is no improvement', () => {
    const { model } = fakeModel();
    const es = attach(new EarlyStopping({ monitor: 'loss', patience: 2, minDelta: 0.1 }), model);
    // e0 1.0 best; e1 0.95 (needs < 0.9) wait 1; e2 0.85 best, wait 0; e3 0.80 wait 1; e4 0.79 wait 2 -> stop.
    expect(runEpochs(es, model, 'loss', [1.0, 0.95, 0.85, 0.8, 0.79, 0.7])).toBe(4);
    expect(es.stoppedEpoch).toBe(4);
    expect(es.best).toBe(0.85);
    expect(es.bestEpoch).toBe(2);
    // Without minDelta every one of these epochs improves.
    const other = fakeModel();
    const es0 = attach(new EarlyStopping({ monitor: 'loss', patience: 2 }), other.model);
    expect(runEpochs(es0, other.model, 'loss', [1.0, 0.95, 0.85, 0.8, 0.79, 0.7])).toBeNull();
    expect(es0.stoppedEpoch).toBe(0);
    expect(es0.best).toBe(0.7);
  });

  it('patience 0 stops at the first epoch without improvement, never at epoch 0', () => {
    const { model } = fakeModel();
    const es = attach(new EarlyStopping({ monitor: 'loss' }), model);
    expect(runEpochs(es, model, 'loss', [1, 0.5, 0.5])).toBe(2); // equal is not better
  });

  it('infers the direction in auto mode and obeys explicit modes', () => {
    expect(monitorDirection('val_accuracy', 'auto')).toBe('max');
    expect(monitorDirection('categorical_accuracy', 'auto')).toBe('max');
    expect(monitorDirection('val_auc_1', 'auto')).toBe('max');
    expect(monitorDirection('precision', 'auto')).toBe('max');
    expect(monitorDirection('val_loss', 'auto')).toBe('min');
    expect(monitorDirection('mean_squared_error', 'auto')).toBe('min');
    expect(monitorDirection('accuracy', 'min')).toBe('min');
    expect(monitorDirection('loss', 'max')).toBe('max');

    const a = fakeModel();
    const acc = attach(new EarlyStopping({ monitor: 'val_accuracy', patience: 1 }), a.model);
    expect(acc.mode).toBe('max');
    expect(runEpochs(acc, a.model, 'val_accuracy', [0.5, 0.6, 0.7, 0.8])).toBeNull();
    expect(runEpochs(acc, a.model, 'val_accuracy', [0.8, 0.7, 0.6])).toBe(1);

    const b = fakeModel();
    const maxLoss = attach(new EarlyStopping({ monitor: 'loss', mode: 'max', patience: 1 }), b.model);
    expect(runEpochs(maxLoss, b.model, 'loss', [1, 0.9, 0.8])).toBe(1);
  });

  it('with a baseline, improvements that do not beat it keep counting', () => {
    const a = fakeModel();
    const es = attach(new EarlyStopping({ monitor: 'val_loss', patience: 2, baseline: 0.5 }), a.model);
    // e0 0.9 best, wait 1 (not below 0.5); e1 0.8 best, wait 2; e2 0.85 wait 3 >= 2 -> stop.
    expect(runEpochs(es, a.model, 'val_loss', [0.9, 0.8, 0.85])).toBe(2);
    expect(es.bestEpoch).toBe(1);
    const b = fakeModel();
    const noBaseline = attach(new EarlyStopping({ monitor: 'val_loss', patience: 2 }), b.model);
    expect(runEpochs(noBaseline, b.model, 'val_loss', [0.9, 0.8, 0.85])).toBeNull();
    const c = fakeModel();
    const beaten = attach(new EarlyStopping({ monitor: 'val_loss', patience: 2, baseline: 0.5 }), c.model);
    expect(runEpochs(beaten, c.model, 'val_loss', [0.4, 0.45, 0.3, 0.35])).toBeNull();
  });

  it('ignores epochs before startFromEpoch', () => {
    const a = fakeModel();
    const es = attach(new EarlyStopping({ monitor: 'loss', startFromEpoch: 2 }), a.model);
    // e0, e1 ignored however bad; e2 first monitored (best 3); e3 worse -> stop.
    expect(runEpochs(es, a.model, 'loss', [1, 2, 3, 4])).toBe(3);
    expect(es.best).toBe(3);
    expect(es.bestEpoch).toBe(2);
    const b = fakeModel();
    expect(runEpochs(attach(new EarlyStopping({ monitor: 'loss' }), b.model), b.model, 'loss', [1, 2, 3, 4])).toBe(1);
  });

  it('restoreBestWeights restores the exact weights of the best epoch and frees its copies', () => {
    const { model, weights, getWeightsCalls } = fakeModel();
    const before = memory().numTensors;
    const messages: string[] = [];
    const es = attach(new EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true, verbose: 1, log: (m) => messages.push(m) }), model);
    es.onTrainBegin({});
    const losses = [0.5, 0.3, 0.4, 0.35];
    for (let epoch = 0; epoch < losses.length && !model.stopTraining; epoch++) {
      weights[0].assign([epoch * 10 + 1, epoch * 10 + 2]);
      weights[1].assign([[epoch * 10 + 3]]);
      // The loop may run hooks in a scope: the stored copies must survive it.
      tidy(() => es.onEpochEnd(epoch, { loss: 1, val_loss: losses[epoch] }));
    }
    expect(model.stopTraining).toBe(true);
    expect(es.stoppedEpoch).toBe(3);
    expect(weights[0].dataSync()).toEqual(new Float32Array([31, 32]));
    es.onTrainEnd({});
    // Epoch 1 (val_loss 0.3) was best: its weights were [11, 12] and [[13]].
    expect(weights[0].arraySync()).toEqual([11, 12]);
    expect(weights[1].arraySync()).toEqual([[13]]);
    expect(getWeightsCalls()).toBe(2); // epochs 0 and 1 improved
    expect(messages).toEqual(['Epoch 4: early stopping', 'Restoring model weights from the end of the best epoch: 2.']);
    expect(memory().numTensors).toBe(before);
  });

  it('restores the best weights at train end even without an early stop (Keras 3)', () => {
    const { model, weights } = fakeModel();
    const before = memory().numTensors;
    const es = attach(new EarlyStopping({ monitor: 'loss', patience: 5, restoreBestWeights: true }), model);
    es.onTrainBegin({});
    [0.5, 0.3, 0.4].forEach((loss, epoch) => {
      weights[0].assign([epoch, epoch]);
      es.onEpochEnd(epoch, { loss });
    });
    es.onTrainEnd({});
    expect(model.stopTraining).toBe(false);
    expect(weights[0].arraySync()).toEqual([1, 1]);
    expect(memory().numTensors).toBe(before);
  });

  it('does not copy weights without restoreBestWeights, and resets for another run', () => {
    const { model, getWeightsCalls } = fakeModel();
    const es = attach(new EarlyStopping({ monitor: 'loss' }), model);
    expect(runEpochs(es, model, 'loss', [1, 2])).toBe(1);
    es.onTrainEnd({});
    expect(getWeightsCalls()).toBe(0);
    model.stopTraining = false;
    expect(runEpochs(es, model, 'loss', [5, 4, 3])).toBeNull();
    expect(es.stoppedEpoch).toBe(0);
    expect(es.best).toBe(3);
  });

  it('warns once, listing the available keys, when the monitored value is missing', () => {
    const { model } = fakeModel();
    const messages: string[] = [];
    const es = attach(new EarlyStopping({ log: (m) => messages.push(m) }), model);
    expect(runEpochs(es, model, 'loss', [1, 2, 3])).toBeNull();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^earlyStopping: .*'val_loss' which is not available; available metrics are: loss$/);
  });

  it('validates options', () => {
    expect(() => new EarlyStopping({ patiense: 3 } as never)).toThrow(/earlyStopping: unknown option 'patiense' \(did you mean 'patience'\?\)/);
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/earlyStopping: option 'patience'.*got -1/);
    expect(() => new EarlyStopping({ mode: 'up' as never })).toThrow(/earlyStopping: option 'mode'/);
    expect(() => callbacks.earlyStopping({ log: 'stderr' as never })).toThrow(/earlyStopping: option 'log': expected a function/);
  });
});

describe('ReduceLROnPlateau', () => {
  it('reduces after patience, skips cooldown - 1 epochs after, and stops at minLr', () => {
    const { model, optimizer } = fakeModel(1.0);
    const messages: string[] = [];
    const rl = attach(new ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 2, cooldown: 2, minLr: 0.2, verbose: 1, log: (m) => messages.push(m) }), model);
    rl.onTrainBegin({});
    const logged: number[] = [];
    for (let epoch = 0; epoch < 13; epoch++) {
      const logs: Logs = { loss: 1.0 };
      rl.onEpochEnd(epoch, logs);
      logged.push(logs.learning_rate);
    }
    // e0 best; e1 wait 1; e2 wait 2 -> 0.5, cooldown 2; e3 cooldown 2->1 (skipped); e4 1->0, wait 1; e5 wait 2 -> 0.25;
    // e6 skipped; e7 wait 1; e8 wait 2 -> max(0.125, 0.2) = 0.2; e9 skipped; e10 wait 1; e11 wait 2 but 0.2 is not > minLr.
    expect(logged).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]);
    expect(optimizer.learningRate).toBe(0.2);
    expect(messages).toEqual([
      'Epoch 3: ReduceLROnPlateau reducing learning rate to 0.5.',
      'Epoch 6: ReduceLROnPlateau reducing learning rate to 0.25.',
      'Epoch 9: ReduceLROnPlateau reducing learning rate to 0.2.',
    ]);
  });

  it('needs an improvement larger than minDelta and resets the wait on one', () => {
    const { model, optimizer } = fakeModel(1.0);
    const rl = attach(new ReduceLROnPlateau({ monitor: 'loss', patience: 2 }), model);
    rl.onTrainBegin({});
    const seq = [1.0, 0.99995, 0.5, 0.6, 0.6, 0.7, 0.7];
    const logged = seq.map((loss, epoch) => {
      const logs: Logs = { loss };
      rl.onEpochEnd(epoch, logs);
      return logs.learning_rate;
    });
    // e1 0.99995 is not < 1 - 1e-4: wait 1; e2 0.5 best, wait 0; e3 wait 1; e4 wait 2 -> 1.0 * 0.1; e5 wait 1; e6 wait 2 -> 0.1 * 0.1.
    expect(logged).toEqual([1, 1, 1, 1, 1, 0.1, 0.1]);
    expect(optimizer.learningRate).toBe(0.1 * 0.1);
  });

  it('maximizes accuracy-like monitors in auto mode', () => {
    const { model, optimizer } = fakeModel(0.4);
    const rl = attach(new ReduceLROnPlateau({ monitor: 'val_accuracy', factor: 0.25, patience: 1 }), model);
    rl.onTrainBegin({});
    [0.5, 0.6, 0.7].forEach((a, epoch) => rl.onEpochEnd(epoch, { val_accuracy: a }));
    expect(optimizer.learningRate).toBe(0.4);
    rl.onEpochEnd(3, { val_accuracy: 0.65 }); // worse -> 0.4 * 0.25
    expect(optimizer.learningRate).toBe(0.1);
  });

  it('logs learning_rate for the History after it and warns once about a missing monitor', () => {
    const { model } = fakeModel(0.01);
    const messages: string[] = [];
    const history = new History();
    const list = new CallbackList([new ReduceLROnPlateau({ log: (m) => messages.push(m) }), history]);
    list.configure(model, params());
    return (async () => {
      await list.call('onTrainBegin', {});
      await list.call('onEpochEnd', 0, { loss: 1 });
      await list.call('onEpochEnd', 1, { loss: 1 });
      expect(history.history).toEqual({ loss: [1, 1], learning_rate: [0.01, 0.01] });
      expect(messages).toEqual(["reduceLROnPlateau: conditioned on metric 'val_loss' which is not available; available metrics are: loss, learning_rate"]);
    })();
  });

  it('validates factor and the optimizer', () => {
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(/reduceLROnPlateau: option 'factor': .*< ?1.*got 1$/);
    expect(() => callbacks.reduceLROnPlateau({ factor: 1.5 })).toThrow(/reduceLROnPlateau: option 'factor'/);
    expect(() => new ReduceLROnPlateau({ minLr: -1 })).toThrow(/reduceLROnPlateau: option 'minLr'/);
    const none = fakeModel(null);
    expect(() => attach(new ReduceLROnPlateau(), none.model).onTrainBegin({})).toThrow(/reduceLROnPlateau: the model 'fake_model' has no optimizer/);
    const sched = fakeModel({ className: 'CosineDecay' });
    const rl = attach(new ReduceLROnPlateau({ monitor: 'loss' }), sched.model);
    expect(() => rl.onTrainBegin({})).toThrow(/reduceLROnPlateau: the optimizer 'fake_sgd' uses the learning rate schedule 'CosineDecay'/);
    const logs: Logs = { loss: 1 };
    expect(() => rl.onEpochEnd(0, logs)).toThrow(/learning rate schedule/);
    expect(logs).toEqual({ loss: 1 }); // nothing changed
  });
});

describe('LearningRateScheduler', () => {
  it('sets the rate at each epoch begin from (epoch, lr) and logs it at epoch end', () => {
    const { model, optimizer } = fakeModel(0.8);
    const seen: Array<[number, number]> = [];
    const messages: string[] = [];
    const s = attach(
      callbacks.learningRateScheduler(
        (epoch, lr) => {
          seen.push([epoch, lr]);
          return epoch < 2 ? lr : lr * 0.5;
        },
        1,
        (m) => messages.push(m),
      ),
      model,
    );
    s.onTrainBegin({});
    const logged: number[] = [];
    for (let epoch = 0; epoch < 4; epoch++) {
      s.onEpochBegin(epoch, {});
      const logs: Logs = { loss: 1 };
      s.onEpochEnd(epoch, logs);
      logged.push(logs.learning_rate);
    }
    expect(seen).toEqual([[0, 0.8], [1, 0.8], [2, 0.8], [3, 0.4]]);
    expect(logged).toEqual([0.8, 0.8, 0.4, 0.2]);
    expect(optimizer.learningRate).toBe(0.2);
    expect(messages[2]).toBe('Epoch 3: LearningRateScheduler setting learning rate to 0.4.');
  });

  it('rejects a bad schedule output naming the epoch, changing nothing', () => {
    const { model, optimizer } = fakeModel(0.1);
    const outputs: unknown[] = [0.05, NaN, -1, '0.1', Infinity];
    const s = attach(new LearningRateScheduler((epoch) => outputs[epoch] as number), model);
    s.onTrainBegin({});
    s.onEpochBegin(0, {});
    expect(optimizer.learningRate).toBe(0.05);
    expect(() => s.onEpochBegin(1, {})).toThrow(/learningRateScheduler: the schedule returned NaN for epoch 1; expected a finite number >= 0/);
    expect(() => s.onEpochBegin(2, {})).toThrow(/returned -1 for epoch 2/);
    expect(() => s.onEpochBegin(3, {})).toThrow(/returned string 0.1 for epoch 3/);
    expect(() => s.onEpochBegin(4, {})).toThrow(/returned Infinity for epoch 4/);
    expect(optimizer.learningRate).toBe(0.05);
  });

  it('validates its arguments and the optimizer', () => {
    expect(() => new LearningRateScheduler(0.1 as never)).toThrow(/learningRateScheduler: expected a schedule function/);
    expect(() => new LearningRateScheduler((e, lr) => lr, 2 as never)).toThrow(/learningRateScheduler: verbose must be 0 or 1, got 2/);
    const none = fakeModel(null);
    expect(() => attach(new LearningRateScheduler((e, lr) => lr), none.model).onTrainBegin({})).toThrow(/learningRateScheduler: the model 'fake_model' has no optimizer/);
    const sched = fakeModel({ className: 'ExponentialDecay' });
    expect(() => attach(new LearningRateScheduler((e, lr) => lr), sched.model).onTrainBegin({})).toThrow(/schedule 'ExponentialDecay'/);
  });
});

describe('TerminateOnNaN', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    it(`stops training at the first batch whose loss is ${bad}`, () => {
      const { model } = fakeModel();
      const messages: string[] = [];
      const t = attach(callbacks.terminateOnNaN({ log: (m) => messages.push(m) }), model);
      t.onTrainBegin({});
      t.onEpochBegin(3, {});
      t.onBatchEnd(0, { loss: 0.5 });
      t.onBatchEnd(1, { accuracy: NaN }); // no loss logged: nothing to check
      expect(model.stopTraining).toBe(false);
      t.onBatchEnd(2, { loss: bad });
      expect(model.stopTraining).toBe(true);
      expect(t.terminatedEpoch).toBe(3);
      expect(t.terminatedBatch).toBe(2);
      expect(t.message).toBe('Batch 2: Invalid loss, terminating training');
      expect(messages).toEqual(['Batch 2: Invalid loss, terminating training']);
      t.onTrainBegin({});
      expect(t.terminatedBatch).toBeNull();
    });
  }

  it('rejects unknown options', () => {
    expect(() => new TerminateOnNaN({ verbose: 1 } as never)).toThrow(/terminateOnNaN: unknown option 'verbose'/);
  });
});

describe('ProgressBar', () => {
  /** A bar with captured output and a settable clock. */
  function harness(isTTY: boolean, p: Partial<TrainingParams>) {
    const writes: string[] = [];
    const clock = { t: 0 };
    const bar = new ProgressBar({ write: (s) => writes.push(s), isTTY, now: () => clock.t });
    bar.setParams(params(p));
    bar.setModel(fakeModel().model);
    return { bar, writes, clock };
  }

  /** Epoch 3 of 10: starts at t=1000, first step ends at 1100, then one step every 16 ms, validation ends at 5400. */
  function runEpoch(bar: ProgressBar, clock: { t: number }, steps: number, endLogs: Logs): void {
    clock.t = 1000;
    bar.onEpochBegin(2, {});
    for (let k = 0; k < steps; k++) {
      clock.t = 1100 + 16 * k;
      bar.onBatchEnd(k, { batch: k, size: 32, loss: 0.35, accuracy: 0.9 });
    }
    clock.t = 5400;
    bar.onEpochEnd(2, endLogs);
  }

  const endLogs: Logs = { loss: 0.312, accuracy: 0.91049, val_loss: 1.234567e-5, val_accuracy: 1 };
  // 4.4 s elapsed -> 4s; (1100 + 16 * 249 - 1100) / 249 = 16 ms per step (the first step is left out).
  const metrics = ' - loss: 0.3120 - accuracy: 0.9105 - val_loss: 1.2346e-5 - val_accuracy: 1.0000';

  for (const [isTTY, verbose] of [[false, 1], [false, 2], [true, 2]] as const) {
    it(`prints one line per epoch (isTTY ${isTTY}, verbose ${verbose})`, () => {
      const { bar, writes, clock } = harness(isTTY, { verbose });
      runEpoch(bar, clock, 250, endLogs);
      expect(writes).toEqual([`Epoch 3/10 - 4s 16ms/step${metrics}\n`]);
    });
  }

  it('draws a live bar on a terminal with throttled \\r redraws and a final line', () => {
    const { bar, writes, clock } = harness(true, { verbose: 1 });
    runEpoch(bar, clock, 250, endLogs);
    expect(writes[0]).toBe('Epoch 3/10\n');
    const redraws = writes.slice(1);
    expect(redraws.every((w) => w.startsWith('\r'))).toBe(true);
    // Steps are 16 ms apart and redraws at least 50 ms: batches 0, 4, ..., 248 (63), the last batch, the final line.
    expect(redraws).toHaveLength(65);
    // Batch 120 (121 done, t = 3020): 16 ms/step * 129 left = 2.064 s; floor(30 * 121 / 250) = 14 cells.
    expect(redraws).toContain('\r121/250 [=============>................] - ETA: 2s - loss: 0.3500 - accuracy: 0.9000');
    expect(redraws.at(-2)).toBe('\r250/250 [==============================] - ETA: 0s - loss: 0.3500 - accuracy: 0.9000');
    expect(redraws.at(-1)).toBe(`\r250/250 [==============================] - 4s 16ms/step${metrics}\n`);
    // The first redraw: 100 ms for one step, 249 left -> 24.9 s.
    expect(redraws[0]).toBe('\r  1/250 [..............................] - ETA: 25s - loss: 0.3500 - accuracy: 0.9000');
    // A shorter line blanks out what is left of the longer one before it.
    expect(redraws[1]).toBe('\r  5/250 [..............................] - ETA: 4s - loss: 0.3500 - accuracy: 0.9000 ');
  });

  it('shows the count only when steps are unknown, and the seen count as target at the end', () => {
    const { bar, writes, clock } = harness(true, { verbose: 1, steps: null });
    clock.t = 0;
    bar.onEpochBegin(0, {});
    clock.t = 100;
    bar.onBatchEnd(0, { loss: 2 });
    clock.t = 200;
    bar.onBatchEnd(1, { loss: 1 }); // redrawn: 100 ms since the last redraw
    clock.t = 220;
    bar.onBatchEnd(2, { loss: 0.5 }); // throttled away
    clock.t = 1700;
    bar.onEpochEnd(0, { loss: 0.5 });
    expect(writes).toEqual([
      'Epoch 1/10\n',
      '\r      1/Unknown - 0s 100ms/step - loss: 2.0000',
      '\r      2/Unknown - 0s 100ms/step - loss: 1.0000',
      // (220 - 100) / 2 = 60 ms per step; 1.7 s elapsed -> 2s.
      '\r3/3 [==============================] - 2s 60ms/step - loss: 0.5000\n',
    ]);
  });

  it('formats long ETAs as m:ss and h:mm:ss', () => {
    const a = harness(true, { verbose: 1, steps: 100 });
    a.bar.onEpochBegin(0, {});
    a.clock.t = 1200;
    a.bar.onBatchEnd(0, { loss: 1 }); // 1.2 s * 99 = 118.8 s
    expect(a.writes[1]).toMatch(/ - ETA: 1:59 - loss/);
    const b = harness(true, { verbose: 1, steps: 5000 });
    b.bar.onEpochBegin(0, {});
    b.clock.t = 2000;
    b.bar.onBatchEnd(0, { loss: 1 }); // 2 s * 4999 = 9998 s = 2 h 46 min 38 s
    expect(b.writes[1]).toMatch(/ - ETA: 2:46:38 - loss/);
  });

  it('prints nothing with verbose 0', () => {
    const { bar, writes, clock } = harness(true, { verbose: 0 });
    runEpoch(bar, clock, 10, endLogs);
    expect(writes).toEqual([]);
  });

  it('formats values like Keras', () => {
    expect(formatLogValue(0.31204)).toBe('0.3120');
    expect(formatLogValue(0)).toBe('0.0000');
    expect(formatLogValue(1e-3)).toBe('0.0010');
    expect(formatLogValue(-2e-4)).toBe('-2.0000e-4');
    expect(formatLogValue(12345.678)).toBe('12345.6780');
    expect(formatLogValue(NaN)).toBe('nan');
    expect(formatLogValue(-Infinity)).toBe('-inf');
  });

  it('validates options', () => {
    expect(() => callbacks.progressBar({ write: 5 as never })).toThrow(/progressBar: option 'write': expected a function/);
    expect(() => new ProgressBar({ tty: true } as never)).toThrow(/progressBar: unknown option 'tty' \(did you mean 'isTTY'\?\)/);
  });
});

describe('callbacks factories', () => {
  it('build the classes, lambda included', async () => {
    expect(callbacks.earlyStopping()).toBeInstanceOf(EarlyStopping);
    expect(callbacks.reduceLROnPlateau()).toBeInstanceOf(ReduceLROnPlateau);
    expect(callbacks.learningRateScheduler((e, lr) => lr)).toBeInstanceOf(LearningRateScheduler);
    expect(callbacks.terminateOnNaN()).toBeInstanceOf(TerminateOnNaN);
    expect(callbacks.progressBar({ write: () => {} })).toBeInstanceOf(ProgressBar);
    const ends: number[] = [];
    const cb = callbacks.lambda({ onEpochEnd: (epoch, logs) => void ends.push(epoch, logs?.loss ?? -1) });
    await new CallbackList([cb]).call('onEpochEnd', 4, { loss: 0.25 });
    expect(ends).toEqual([4, 0.25]);
  });
});
