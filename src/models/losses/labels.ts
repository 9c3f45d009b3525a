/**
 * Label shape rules shared by losses and metrics: what `yTrue` must look
 * like next to `yPred`, checked on concrete shapes (a batch) and on shapes
 * with unknown (`null`) dimensions (before training starts), and the
 * broadcasting of sample weights onto per-sample values.
 *
 * @module
 */
import { ShapeError, Tensor, ValueError, cast, expandDims, reshape, squeeze } from '../../engine/index.js';

/**
 * How a loss or metric reads its labels:
 * - `'same'`: `yTrue` has the shape of `yPred` (regression, binary
 *   classification); when `yPred`'s last axis is 1, `yTrue` may omit it.
 * - `'oneHot'`: `yTrue` has the shape of `yPred`, one-hot (or soft) over the last axis.
 * - `'sparse'`: `yTrue` holds class indices: `yPred`'s shape without its
 *   last axis, or with a last axis of 1.
 * - `'any'`: no check (custom functions).
 *
 * @example
 * ```ts
 * const f: LabelFormat = new CategoricalCrossentropy().labelFormat; // 'oneHot'
 * ```
 */
export type LabelFormat = 'same' | 'oneHot' | 'sparse' | 'any';

/** A shape whose dimensions may be unknown (`null`). @internal */
export type PartialShape = readonly (number | null)[];

/** Formats a shape for messages: `[8,10]`, `[null,10]`. @internal */
export function fmtPartialShape(shape: PartialShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

function dimsMatch(a: PartialShape, b: PartialShape): boolean {
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

/** Whether `yTrue` is in the sparse (class index) form for `yPred`. */
function isSparseForm(yTrue: PartialShape, yPred: PartialShape): boolean {
  if (yPred.length === 0) return false;
  const classless = yPred.slice(0, -1);
  return dimsMatch(yTrue, classless) || dimsMatch(yTrue, [...classless, 1]);
}

/** What to suggest when labels look like the other encoding (class indices vs one-hot). */
const ALTERNATIVES: Readonly<Record<string, string>> = {
  categoricalCrossentropy: 'sparseCategoricalCrossentropy',
  sparseCategoricalCrossentropy: 'categoricalCrossentropy',
  categoricalAccuracy: 'sparseCategoricalAccuracy',
  sparseCategoricalAccuracy: 'categoricalAccuracy',
};

/**
 * Throws a `ShapeError` naming `owner` when `yTrue` does not fit `yPred`
 * under `format`; for the crossentropies and accuracies the message points
 * to the sparse or one-hot counterpart when the labels look like its encoding.
 *
 * @internal
 */
export function assertLabelShapes(owner: string, format: LabelFormat, yTrue: PartialShape, yPred: PartialShape): void {
  if (format === 'any') return;
  const alternative = Object.hasOwn(ALTERNATIVES, owner) ? ALTERNATIVES[owner] : undefined;
  const got = fmtPartialShape(yTrue);
  if (format === 'same') {
    if (dimsMatch(yTrue, yPred)) return;
    const last = yPred.length > 0 ? yPred[yPred.length - 1] : undefined;
    const canOmitLast = last === 1 || last === null;
    if (canOmitLast && dimsMatch(yTrue, yPred.slice(0, -1))) return;
    const also = last === 1 ? ` or ${fmtPartialShape(yPred.slice(0, -1))}` : '';
    throw new ShapeError(`${owner}: expected yTrue of shape ${fmtPartialShape(yPred)}${also} (the shape of yPred), got ${got}`);
  }
  if (yPred.length === 0) {
    throw new ShapeError(`${owner}: expected yPred of rank >= 1 (classes on the last axis), got shape []`);
  }
  if (format === 'oneHot') {
    if (dimsMatch(yTrue, yPred)) return;
    const hint = alternative && isSparseForm(yTrue, yPred) ? `; for integer class labels use ${alternative}` : '';
    throw new ShapeError(`${owner}: expected yTrue of shape ${fmtPartialShape(yPred)} (one-hot, the shape of yPred), got ${got}${hint}`);
  }
  if (isSparseForm(yTrue, yPred)) return;
  const classless = yPred.slice(0, -1);
  const hint = alternative && dimsMatch(yTrue, yPred) ? `; for one-hot labels use ${alternative}` : '';
  throw new ShapeError(
    `${owner}: expected yTrue of shape ${fmtPartialShape(classless)} or ${fmtPartialShape([...classless, 1])} (class indices), got ${got}${hint}`,
  );
}

function assertTensor(owner: string, what: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new ValueError(`${owner}: expected ${what} to be a Tensor, got ${t === null ? 'null' : typeof t}`);
  }
}

/** `yPred` as a float tensor (int and bool predictions become float32). @internal */
export function asFloat(t: Tensor): Tensor {
  return t.dtype === 'float32' || t.dtype === 'float64' ? t : cast(t, 'float32');
}

/**
 * Checks and aligns labels and predictions for `format` (not `'sparse'`):
 * both become floats of `yPred`'s dtype, and a `yTrue` that omits `yPred`'s
 * last axis of 1 gets it back. Call inside a `tidy`.
 *
 * @internal
 */
export function alignLabels(owner: string, format: LabelFormat, yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  assertTensor(owner, 'yTrue', yTrue);
  assertTensor(owner, 'yPred', yPred);
  assertLabelShapes(owner, format, yTrue.shape, yPred.shape);
  const p = asFloat(yPred);
  let t = yTrue.dtype === p.dtype ? yTrue : cast(yTrue, p.dtype);
  if (t.rank === p.rank - 1) t = expandDims(t, -1);
  return [t, p];
}

/**
 * Checks sparse labels against `yPred` and returns them without a trailing
 * axis of 1 (any numeric dtype), with `yPred` as a float tensor. Call inside a `tidy`.
 *
 * @internal
 */
export function alignSparseLabels(owner: string, yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  assertTensor(owner, 'yTrue', yTrue);
  assertTensor(owner, 'yPred', yPred);
  assertLabelShapes(owner, 'sparse', yTrue.shape, yPred.shape);
  const t = yTrue.rank === yPred.rank ? squeeze(yTrue, -1) : yTrue;
  return [t, asFloat(yPred)];
}

/**
 * Reshapes sample weights so they broadcast against per-sample `values`
 * (Keras rules): a trailing axis of 1 beyond `values`' rank is dropped, and
 * weights of lower rank (one per sample, shape `[batch]`) get trailing axes
 * of 1. Throws a `ShapeError` naming `owner` when they cannot broadcast.
 * Call inside a `tidy`.
 *
 * @internal
 */
export function alignWeights(owner: string, sampleWeight: Tensor, values: Tensor): Tensor {
  assertTensor(owner, 'sampleWeight', sampleWeight);
  let w = sampleWeight.dtype === values.dtype ? sampleWeight : cast(sampleWeight, values.dtype);
  if (w.rank === values.rank + 1 && w.shape[w.rank - 1] === 1) w = squeeze(w, -1);
  if (w.rank < values.rank && w.rank > 0) w = reshape(w, [...w.shape, ...new Array<number>(values.rank - w.rank).fill(1)]);
  const fits = w.rank === 0 || (w.rank === values.rank && w.shape.every((d, i) => d === 1 || d === values.shape[i]));
  if (!fits) {
    const perSample = values.rank > 0 ? `[${values.shape[0]}] (one weight per sample) or ` : '';
    throw new ShapeError(
      `${owner}: expected sampleWeight of shape ${perSample}${fmtPartialShape(values.shape)} (the shape of the per-sample values), got ${fmtPartialShape(sampleWeight.shape)}`,
    );
  }
  return w;
}
