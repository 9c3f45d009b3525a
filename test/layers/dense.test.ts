import { describe, expect, it } from 'vitest';
import { memory, ones, tensor, zeros, type Tensor } from '../../src/engine/index.js';
import { Dense, type DenseArgs } from '../../src/layers/core/dense.js';
import { input } from '../../src/layers/input-layer.js';
import { L1, L2 } from '../../src/layers/regularizers.js';
import { runLayerTest } from './harness.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());

/**
 * A Dense layer already built for samples of `features` values: the harness
 * counts the tensors the first call creates, and weights made by a lazy
 * build would be counted as if they were leaked outputs.
 */
function builtDense(args: DenseArgs, shape: number[]): Dense {
  const layer = new Dense(args);
  const x = zeros(shape, args.dtype ?? 'float32');
  layer.apply(x).dispose();
  x.dispose();
  return layer;
}

describe('Dense', () => {
  it('passes the harness with a bias', () => {
    runLayerTest({
      make: (dtype) => builtDense({ units: 3, dtype, biasInitializer: 'randomNormal' }, [1, 4]),
      inputShape: [2, 4],
      expectedOutputShape: [2, 3],
      expectedWeights: [
        ['kernel', [4, 3]],
        ['bias', [3]],
      ],
    });
  });

  it('passes the harness without a bias, with an activation', () => {
    runLayerTest({
      make: (dtype) => builtDense({ units: 2, useBias: false, activation: 'tanh', dtype }, [1, 5]),
      inputShape: [3, 5],
      expectedOutputShape: [3, 2],
      expectedWeights: [['kernel', [5, 2]]],
    });
  });

  it('passes the harness on rank-3 inputs (applied over the last axis)', () => {
    runLayerTest({
      make: (dtype) => builtDense({ units: 3, activation: 'sigmoid', biasInitializer: 'ones', dtype }, [1, 1, 4]),
      inputShape: [2, 5, 4],
      expectedOutputShape: [2, 5, 3],
      expectedWeights: [
        ['kernel', [4, 3]],
        ['bias', [3]],
      ],
    });
  });

  it('computes activation(x · kernel + bias)', () => {
    const layer = new Dense({ units: 2, activation: 'relu' });
    layer.apply(zeros([1, 3])).dispose();
    layer.setWeights([tensor([1, 2, 3, 4, 5, 6], [3, 2]), tensor([0.5, -30])]);
    // Row [1, 2, 3]: [1·1 + 2·3 + 3·5 + 0.5, 1·2 + 2·4 + 3·6 - 30] = [22.5, -2] → relu → [22.5, 0].
    // Row [-1, 0, 1]: [-1 + 5 + 0.5, -2 + 6 - 30] = [4.5, -26] → [4.5, 0].
    expect(values(layer.apply(tensor([1, 2, 3, -1, 0, 1], [2, 3])))).toEqual([22.5, 0, 4.5, 0]);
    // Rank 3: the same rows, arranged [1, 2, 3].
    const y = layer.apply(tensor([1, 2, 3, -1, 0, 1], [1, 2, 3]));
    expect(y.shape).toEqual([1, 2, 2]);
    expect(values(y)).toEqual([22.5, 0, 4.5, 0]);
  });

  it('reports the regularization losses of its weights', () => {
    const layer = new Dense({
      units: 2,
      kernelInitializer: 'ones',
      biasInitializer: { className: 'Constant', config: { value: 2 } },
      kernelRegularizer: new L2({ l2: 0.1 }),
      biasRegularizer: new L1({ l1: 0.5 }),
    });
    expect(layer.regularizationLosses()).toEqual([]);
    layer.apply(zeros([1, 3])).dispose();
    const losses = layer.regularizationLosses();
    // kernel: 0.1 · (6 ones²) = 0.6; bias: 0.5 · (|2| + |2|) = 2.
    expect(losses.map((l) => l.dataSync()[0])).toEqual([expect.closeTo(0.6, 6), 2]);
    losses.forEach((l) => l.dispose());
    layer.trainable = false;
    expect(layer.regularizationLosses()).toEqual([]);
  });

  it('builds from inputDim as from inputShape', () => {
    const layer = new Dense({ units: 4, inputDim: 3, name: 'in_dim' });
    expect(layer.batchInputShape).toEqual([null, 3]);
    expect(layer.getConfig().batchInputShape).toEqual([null, 3]);
    expect(layer.apply(input({ shape: [3] })).shape).toEqual([null, 4]);
    expect(layer.countParams()).toBe(3 * 4 + 4);
    expect(() => new Dense({ units: 4, inputDim: 0, name: 'bad' })).toThrow(/^bad: option 'inputDim'/);
  });

  it('names the unknown option and suggests the right one', () => {
    expect(() => new Dense({ units: 3, unit: 3 } as never)).toThrow(/^dense_\d+: unknown option 'unit' \(did you mean 'units'\?\); known options: .*units/);
    expect(() => new Dense({ units: 3, activaton: 'relu', name: 'd' } as never)).toThrow(/^d: unknown option 'activaton' \(did you mean 'activation'\?\)/);
  });

  it('names a misspelt required option as unknown, and a missing one as required', () => {
    expect(() => new Dense({ unit: 3 } as never)).toThrow(/^dense_\d+: unknown option 'unit' \(did you mean 'units'\?\)/);
    expect(() => new Dense({} as never)).toThrow(/^dense_\d+: option 'units' is required \(expected number\)$/);
  });

  it('rejects bad option values and inputs', () => {
    expect(() => new Dense({ units: -3, name: 'd' })).toThrow(/^d: option 'units': .*>0, got -3/);
    expect(() => new Dense({ units: 2, kernelInitializer: 'glorotUnifrom', name: 'd' })).toThrow(/^d: option 'kernelInitializer': unknown initializer 'glorotUnifrom' \(did you mean 'glorotUniform'\?\)/);
    expect(() => new Dense({ units: 2, name: 'd1' }).apply(ones([3]))).toThrow(/^d1: expected an input of rank >= 2 with a known last axis/);
    expect(() => new Dense({ units: 2, name: 'd2' }).apply(input({ shape: [null] }))).toThrow(/^d2: expected an input of rank >= 2 with a known last axis .* got \[null,null\]/);
  });

  it('rejects an input of the wrong size after it is built, and changes nothing', () => {
    const layer = new Dense({ units: 2, name: 'sized' });
    layer.apply(ones([2, 3])).dispose();
    const kernel = layer.kernel;
    const x = ones([2, 4]);
    const before = memory().numTensors;
    expect(() => layer.apply(x)).toThrow(/^sized: expected input with axis -1 of size 3 \(shape \[null,3\]\), got shape \[2,4\]/);
    expect(() => layer.apply(input({ shape: [5] }))).toThrow(/^sized: expected input with axis -1 of size 3 \(shape \[null,3\]\), got shape \[null,5\]/);
    expect(memory().numTensors).toBe(before);
    expect(layer.kernel).toBe(kernel);
    expect(layer.weights.length).toBe(2);
  });

  it('moves its weights to nonTrainableWeights when trainable is false', () => {
    const frozen = new Dense({ units: 2, trainable: false });
    frozen.apply(ones([1, 3])).dispose();
    expect(frozen.trainableWeights).toEqual([]);
    expect(frozen.nonTrainableWeights.map((w) => w.name)).toEqual([frozen.kernel.name, frozen.bias?.name]);
    expect(frozen.weights.every((w) => !w.trainable)).toBe(true);

    const layer = new Dense({ units: 2 });
    layer.apply(ones([1, 3])).dispose();
    expect(layer.trainableWeights.length).toBe(2);
    layer.trainable = false;
    expect(layer.trainableWeights).toEqual([]);
    expect(layer.nonTrainableWeights.length).toBe(2);
    expect(layer.kernel.trainable).toBe(false);
    layer.trainable = true;
    expect(layer.trainableWeights.map((w) => w.name)).toEqual([layer.kernel.name, layer.bias?.name]);
    expect(layer.kernel.trainable).toBe(true);
  });

  it('counts its parameters only once built', () => {
    const layer = new Dense({ units: 5, name: 'unbuilt' });
    expect(() => layer.countParams()).toThrow(/^unbuilt: the layer is not built yet/);
    layer.apply(ones([1, 7])).dispose();
    // kernel 7 · 5 + bias 5
    expect(layer.countParams()).toBe(40);
    const noBias = new Dense({ units: 5, useBias: false });
    noBias.apply(ones([1, 7])).dispose();
    expect(noBias.countParams()).toBe(35);
  });
});
