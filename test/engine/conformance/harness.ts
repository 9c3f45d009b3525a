/**
 * The conformance table's types and checkers. Every op has rows in
 * `cases/*.ts`; `conformance.test.ts` runs every row on every available
 * backend, and every gradient row on the CPU in float64 against central
 * finite differences.
 */
import { expect } from 'vitest';
import { signedValues } from '../../helpers/rng.js';
import { DTypeError, Tensor, getBackend, grads, tensor, withDevice, tidy, type DType, type NestedArray } from '../../../src/index.js';

/** The expected result of one output. */
export interface Expected {
  /** Values: nested arrays or flat (then `shape` says the shape). */
  values: NestedArray;
  shape: readonly number[];
  dtype: DType;
}

/** A forward row: build inputs, run the op, compare to exact expected values. */
export interface ForwardCase {
  /** The op under test (counted for coverage). */
  op: string;
  /** What the row checks. */
  name: string;
  /** Runs the op on the current default device. Create inputs inside. */
  run: () => Tensor | Tensor[];
  /** One entry per output. */
  expected: Expected | Expected[];
  /** Absolute+relative tolerance for float outputs (default 1e-5; 0 means exact). */
  tol?: number;
  /** Skip on devices listed here (with the reason in the name). */
  skipOn?: readonly string[];
  /** A different tolerance on some devices (the closing notes say why). */
  tolOn?: Readonly<Record<string, number>>;
}

/** An error row: the call must throw `type` with a message matching `message`. */
export interface ErrorCase {
  op: string;
  name: string;
  run: () => unknown;
  type: new (...args: never[]) => Error;
  message: RegExp;
  /**
   * Devices where the check needs the data and runs on the device: the call
   * returns, and the next read rejects with the same error.
   */
  deferredOn?: readonly string[];
}

/** A gradient row: f's gradient w.r.t. every input vs central finite differences in float64. */
export interface GradCase {
  op: string;
  name: string;
  /** The function of the inputs; may return any shape (it is contracted with fixed random weights). */
  f: (...xs: Tensor[]) => Tensor;
  /** Input values (made float64). Keep them away from kinks (0 for relu/abs, ties for max). */
  inputs: NestedArray[];
  /** Tolerance on |analytic - numeric| / max(1, |numeric|) (default 1e-6). */
  tol?: number;
  /** Tolerance of the float32 gradient on other devices against the float64 CPU one (default 2e-3). */
  tolOn?: Readonly<Record<string, number>>;
}

export function flatten(v: NestedArray): number[] {
  if (Array.isArray(v)) return (v as NestedArray[]).flatMap(flatten);
  return [typeof v === 'boolean' ? (v ? 1 : 0) : (v as number)];
}

/** Compares a tensor with expected values, shape and dtype. */
export async function expectTensor(actual: Tensor, expected: Expected, tol = 1e-5, label = ''): Promise<void> {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  expect(actual.dtype, `${label} dtype`).toBe(expected.dtype);
  const got = Array.from(await actual.data());
  const want = flatten(expected.values);
  expect(got.length, `${label} size`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i];
    const b = want[i];
    if (Number.isNaN(b)) {
      expect(Number.isNaN(a), `${label} [${i}] expected NaN, got ${a}`).toBe(true);
    } else if (!Number.isFinite(b) || tol === 0 || expected.dtype === 'int32' || expected.dtype === 'bool') {
      expect(a, `${label} [${i}]`).toBe(b);
    } else {
      const err = Math.abs(a - b) / Math.max(1, Math.abs(b));
      expect(err, `${label} [${i}]: got ${a}, expected ${b}`).toBeLessThanOrEqual(tol);
    }
  }
}

/**
 * Checks the gradient of sum(f(xs) * w) against central differences with
 * step 1e-6 in float64. Returns the worst relative error.
 */
export function checkGradient(c: GradCase): number {
  const xs = c.inputs.map((v) => tensor(v, undefined, 'float64'));
  const probe = c.f(...xs);
  const w = tensor(signedValues(probe.size, 12345), probe.shape, 'float64');
  probe.dispose();
  const objective = (...ts: Tensor[]) => c.f(...ts).mul(w).sum();
  const analytic = grads(objective)(xs).map((g) => Array.from(g.dataSync()));
  const h = 1e-6;
  let worst = 0;
  xs.forEach((x, k) => {
    const base = Array.from(x.dataSync());
    for (let i = 0; i < base.length; i++) {
      const eval1 = (delta: number) => {
        const v = base.slice();
        v[i] += delta;
        const args = xs.map((t, j) => (j === k ? tensor(v, x.shape, 'float64') : t));
        const r = objective(...args).dataSync()[0];
        args.forEach((t, j) => j === k && t.dispose());
        return r;
      };
      const numeric = (eval1(h) - eval1(-h)) / (2 * h);
      const err = Math.abs(analytic[k][i] - numeric) / Math.max(1, Math.abs(numeric));
      worst = Math.max(worst, err);
      expect(err, `${c.op} ${c.name}: d/dx${k}[${i}] analytic ${analytic[k][i]} vs numeric ${numeric}`).toBeLessThanOrEqual(c.tol ?? 1e-6);
    }
  });
  return worst;
}

/** Shorthand for an Expected. */
export function ex(values: NestedArray, shape: readonly number[], dtype: DType = 'float32'): Expected {
  return { values, shape, dtype };
}

/**
 * Whether `e` is the refusal a device without float64 must give a float64
 * row: a DTypeError that names float64 and the device.
 */
export function float64Refusal(device: string, e: unknown): boolean {
  if (getBackend(device).supportsDType('float64')) return false;
  if (!(e instanceof DTypeError) || !/float64/.test(e.message)) return false;
  expect(e.message).toContain(`'${device}'`);
  return true;
}

/**
 * The gradient of sum(f(xs) * w) on `device` in float32 against the same
 * gradient on the CPU in float64 (which the CPU rows check against finite
 * differences). Tolerance: 2e-3 of max(1, |g|), float32 through a chain of ops.
 */
export async function checkGradientOnDevice(c: GradCase, device: string): Promise<void> {
  const reference = tidy(() => {
    const xs = c.inputs.map((v) => tensor(v, undefined, 'float64'));
    const probe = c.f(...xs);
    const w = tensor(signedValues(probe.size, 12345), probe.shape, 'float64');
    const objective = (...ts: Tensor[]) => c.f(...ts).mul(w).sum();
    return grads(objective)(xs).map((g) => Array.from(g.dataSync()));
  });
  let onDevice: Tensor[];
  try {
    onDevice = withDevice(device, () =>
      tidy(() => {
        const xs = c.inputs.map((v) => tensor(v, undefined, 'float32'));
        const probe = c.f(...xs);
        const w = tensor(signedValues(probe.size, 12345), probe.shape, 'float32');
        const objective = (...ts: Tensor[]) => c.f(...ts).mul(w).sum();
        return grads(objective)(xs);
      }),
    );
  } catch (e) {
    // A row whose function itself uses float64 (a cast to it) is CPU only.
    if (float64Refusal(device, e)) return;
    throw e;
  }
  try {
    for (let k = 0; k < onDevice.length; k++) {
      expect(onDevice[k].device).toBe(device);
      const got = await onDevice[k].data();
      for (let i = 0; i < reference[k].length; i++) {
        const want = reference[k][i];
        const err = Math.abs(got[i] - want) / Math.max(1, Math.abs(want));
        expect(err, `${c.op} ${c.name}: d/dx${k}[${i}] on ${device} ${got[i]} vs float64 ${want}`).toBeLessThanOrEqual(c.tolOn?.[device] ?? 2e-3);
      }
    }
  } finally {
    for (const g of onDevice) g.dispose();
  }
}
