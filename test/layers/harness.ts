/**
 * A generic layer test, after Keras's `run_layer_test`: build and call a
 * layer on deterministic inputs and check the output shape and dtype, the
 * symbolic output shape, the weights' names and shapes, a config round trip
 * (same config, same outputs with the same weights), the gradients with
 * respect to the inputs and every trainable weight against central finite
 * differences in float64, and that a call leaks no tensors.
 */
import { expect } from 'vitest';
import { Tensor, memory, tensor, tidy, variableGrads, grads, type DType } from '../../src/engine/index.js';
import { deserializeLayer, type Layer } from '../../src/layers/layer.js';
import { input } from '../../src/layers/input-layer.js';
import type { SymbolicTensor } from '../../src/layers/symbolic.js';
import { signedValues } from '../helpers/rng.js';

export interface LayerTestSpec {
  /** Makes the layer; `dtype` is 'float64' for the gradient check. */
  make: (dtype: 'float32' | 'float64') => Layer;
  /** Concrete input shape(s), batch axis included. */
  inputShape: number[] | number[][];
  /** Expected output shape(s). */
  expectedOutputShape: number[] | number[][];
  /** Expected weights: short name (after `<layer>/`) and shape, in `weights` order. */
  expectedWeights?: Array<[string, number[]]>;
  /** Number of non-trainable weights (moving statistics). */
  expectedNonTrainable?: number;
  /** Input dtype: 'int32' inputs get values in [0, intRange). */
  inputDType?: DType;
  intRange?: number;
  /** Skip the finite-difference gradient check (e.g. piecewise-constant layers). */
  skipGradient?: boolean;
  /** Skip the input gradient (inputs are integer ids). */
  skipInputGradient?: boolean;
  /** Tolerance of the gradient check. Default 1e-6. */
  gradTol?: number;
  /** Run the gradient check in training mode. */
  training?: boolean;
}

function makeInputs(spec: LayerTestSpec, dtype: DType): Tensor[] {
  const shapes = (Array.isArray(spec.inputShape[0]) ? spec.inputShape : [spec.inputShape]) as number[][];
  return shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    if (spec.inputDType === 'int32') {
      const r = spec.intRange ?? 4;
      return tensor(signedValues(n, 100 + i).map((v) => Math.floor(((v + 1) / 2) * r)), s, 'int32');
    }
    return tensor(signedValues(n, 100 + i), s, dtype);
  });
}

const isMulti = (s: number[] | number[][]): s is number[][] => Array.isArray(s[0]);

function arg<T>(list: T[], multi: boolean): T | T[] {
  return multi ? list : list[0];
}

/** Runs every check; returns the float32 layer for further assertions. */
export function runLayerTest(spec: LayerTestSpec): Layer {
  const multiIn = isMulti(spec.inputShape);
  const multiOut = isMulti(spec.expectedOutputShape);
  const expectedOut = (multiOut ? spec.expectedOutputShape : [spec.expectedOutputShape]) as number[][];

  // Forward: shapes and dtype.
  const layer = spec.make('float32');
  const xs = makeInputs(spec, 'float32');
  const before = memory().numTensors;
  const weightsBefore = layer.weights.length;
  const outs = tidy(() => {
    const o = layer.applyMany(arg(xs, multiIn) as Tensor[]);
    return o;
  });
  expect(outs.map((o) => o.shape)).toEqual(expectedOut);
  for (const o of outs) expect(o.dtype).toBe('float32');
  // Weights: names and shapes.
  if (spec.expectedWeights) {
    expect(layer.weights.map((w) => [w.name.slice(layer.name.length + 1).replace(/_\d+$/, ''), w.shape])).toEqual(spec.expectedWeights);
    for (const w of layer.weights) expect(w.name.startsWith(`${layer.name}/`)).toBe(true);
  }
  expect(layer.nonTrainableWeights.length).toBe(spec.expectedNonTrainable ?? 0);
  // A second call leaks nothing.
  const created = memory().numTensors - before;
  const mid = memory().numTensors;
  tidy(() => void layer.applyMany(arg(xs, multiIn) as Tensor[]));
  expect(memory().numTensors).toBe(mid);
  expect(created).toBe(outs.length + layer.weights.length - weightsBefore);

  // Symbolic: computeOutputShape agrees with the concrete output, batch axis unknown.
  const symIn = (multiIn ? (spec.inputShape as number[][]) : [spec.inputShape as number[]]).map((s) =>
    input({ shape: s.slice(1), dtype: spec.inputDType === 'int32' ? 'int32' : 'float32' }),
  );
  const symOut = layer.applyMany(arg(symIn, multiIn) as SymbolicTensor[]);
  expect(symOut.map((s) => s.shape)).toEqual(expectedOut.map((s) => [null, ...s.slice(1)]));

  // Config round trip: same config; with the same weights, the same outputs.
  const config = layer.getConfig();
  const copy = deserializeLayer({ className: layer.className, config: JSON.parse(JSON.stringify(config)) });
  expect({ ...copy.getConfig(), name: null }).toEqual({ ...config, name: null });
  const copyOut = tidy(() => copy.applyMany(arg(xs, multiIn) as Tensor[]));
  const ws = layer.getWeights();
  copy.setWeights(ws);
  ws.forEach((w) => w.dispose());
  const copyOut2 = tidy(() => copy.applyMany(arg(xs, multiIn) as Tensor[]));
  copyOut2.forEach((o, i) => expect(Array.from(o.dataSync())).toEqual(Array.from(outs[i].dataSync())));
  [...copyOut, ...copyOut2].forEach((t) => t.dispose());
  copy.dispose();
  outs.forEach((o) => o.dispose());
  xs.forEach((x) => x.dispose());

  if (!spec.skipGradient) checkLayerGradients(spec);
  return layer;
}

/** d(sum(out_k * w_k)) against central differences in float64, for inputs and trainable weights. */
function checkLayerGradients(spec: LayerTestSpec): void {
  const multiIn = isMulti(spec.inputShape);
  const layer = spec.make('float64');
  const xs = makeInputs(spec, 'float64');
  const training = spec.training ?? false;
  const probe = tidy(() => layer.applyMany(arg(xs, multiIn) as Tensor[], { training }));
  const ws = probe.map((p, i) => tensor(signedValues(p.size, 7 + i), p.shape, 'float64'));
  probe.forEach((p) => p.dispose());
  const objective = (inputs: Tensor[]): Tensor =>
    tidy(() => {
      const out = layer.applyMany(arg(inputs, multiIn) as Tensor[], { training });
      return out.map((o, i) => o.mul(ws[i]).sum()).reduce((a, b) => a.add(b));
    });
  const h = 1e-6;
  const tol = spec.gradTol ?? 1e-6;
  const evalAt = (inputs: Tensor[]): number => {
    const v = objective(inputs);
    const r = v.dataSync()[0];
    v.dispose();
    return r;
  };
  // Input gradients.
  if (!spec.skipInputGradient && spec.inputDType !== 'int32') {
    const analytic = grads((...ts: Tensor[]) => objective(ts))(xs).map((g) => Array.from(g.dataSync()));
    xs.forEach((x, k) => {
      const base = Array.from(x.dataSync());
      for (const i of sampleIndices(base.length)) {
        const at = (d: number) => {
          const v = base.slice();
          v[i] += d;
          const moved = tensor(v, x.shape, 'float64');
          const r = evalAt(xs.map((t, j) => (j === k ? moved : t)));
          moved.dispose();
          return r;
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        const err = Math.abs(analytic[k][i] - numeric) / Math.max(1, Math.abs(numeric));
        expect(err, `${layer.name}: d/dinput${k}[${i}] analytic ${analytic[k][i]} vs numeric ${numeric}`).toBeLessThanOrEqual(tol);
      }
    });
  }
  // Weight gradients.
  const vars = layer.trainableWeights;
  const { grads: g, value } = variableGrads(() => objective(xs), vars);
  value.dispose();
  for (const v of vars) {
    const analytic = Array.from(g[v.name].dataSync());
    const base = Array.from(v.dataSync());
    for (const i of sampleIndices(base.length)) {
      const at = (d: number) => {
        const vals = base.slice();
        vals[i] += d;
        v.assign(tensor(vals, v.shape, 'float64'));
        return evalAt(xs);
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      v.assign(tensor(base, v.shape, 'float64'));
      const err = Math.abs(analytic[i] - numeric) / Math.max(1, Math.abs(numeric));
      expect(err, `${layer.name}: d/d${v.name}[${i}] analytic ${analytic[i]} vs numeric ${numeric}`).toBeLessThanOrEqual(tol);
    }
  }
  Object.values(g).forEach((t) => t.dispose());
  [...xs, ...ws].forEach((t) => t.dispose());
  layer.dispose();
}

/** Up to 24 indices spread over [0, n). */
function sampleIndices(n: number): number[] {
  if (n <= 24) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: 24 }, (_, i) => Math.floor((i * (n - 1)) / 23));
}
