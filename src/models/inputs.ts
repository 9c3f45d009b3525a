/**
 * Turning what users pass to `fit`, `evaluate` and `predict` (a tensor, a
 * list, or a record keyed by input/output names) into one tensor per model
 * input or output, with errors that name the argument.
 *
 * @module
 */
import { Tensor, ShapeError, ValueError, gather, slice, tensor, type NestedArray } from '../engine/index.js';
import { fmtLayerShape, type LayerShape } from '../layers/layer.js';

/**
 * What `fit`, `evaluate` and `predict` accept for inputs or targets: one
 * tensor, a list (one per model input/output, in order), or a record keyed
 * by input/output name. Nested arrays of numbers are converted to float32
 * tensors.
 *
 * @example
 * ```ts
 * const x: ModelData = tensor([[0, 1], [1, 0]]);
 * const multi: ModelData = { image: images, meta: features };
 * ```
 */
export type ModelData = Tensor | NestedArray | readonly Tensor[] | Readonly<Record<string, Tensor>>;

/**
 * Normalizes `data` to one tensor per name (in `names` order), checking
 * there is exactly one per name and that every tensor has `n` samples. The
 * second result lists the tensors it created (the caller disposes them).
 *
 * @internal
 */
export function toTensorList(data: unknown, names: readonly string[], arg: string, owner: string): { tensors: Tensor[]; created: Tensor[] } {
  const created: Tensor[] = [];
  let list: Tensor[];
  if (data instanceof Tensor) list = [data];
  else if (Array.isArray(data) && data.length > 0 && data.every((d) => d instanceof Tensor)) list = data as Tensor[];
  else if (Array.isArray(data)) {
    try {
      const t = tensor(data as NestedArray, undefined, 'float32');
      created.push(t);
      list = [t];
    } catch (e) {
      throw new ValueError(`${owner}: expected ${arg} to be a Tensor, a list of Tensors or a record of Tensors, got an array that is not a tensor: ${(e as Error).message}`);
    }
  } else if (data !== null && typeof data === 'object') {
    const rec = data as Record<string, unknown>;
    const keys = Object.keys(rec);
    const missing = names.filter((n) => !(n in rec));
    const extra = keys.filter((k) => !names.includes(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new ValueError(`${owner}: expected ${arg} keyed by [${names.join(', ')}], got keys [${keys.join(', ')}]`);
    }
    list = names.map((n) => {
      const v = rec[n];
      if (!(v instanceof Tensor)) throw new ValueError(`${owner}: expected ${arg}['${n}'] to be a Tensor, got ${typeof v}`);
      return v;
    });
  } else {
    throw new ValueError(`${owner}: expected ${arg} to be a Tensor, a list of Tensors or a record of Tensors, got ${data === null ? 'null' : typeof data}`);
  }
  if (list.length !== names.length) {
    created.forEach((t) => t.dispose());
    throw new ValueError(`${owner}: the model has ${names.length} ${arg === 'y' ? 'output' : 'input'}${names.length === 1 ? '' : 's'} (${names.join(', ')}), got ${list.length} tensors for ${arg}`);
  }
  list.forEach((t, i) => {
    t.assertAlive(`${owner} (${arg})`);
    if (t.rank === 0) {
      created.forEach((c) => c.dispose());
      throw new ShapeError(`${owner}: expected ${arg}${names.length > 1 ? ` '${names[i]}'` : ''} to have a batch axis (rank >= 1), got a scalar`);
    }
  });
  return { tensors: list, created };
}

/** Checks every tensor has the same number of samples. @internal */
export function checkSampleCounts(groups: Array<{ arg: string; tensors: Tensor[]; names: readonly string[] }>, owner: string): number {
  let n: number | undefined;
  let first = '';
  for (const g of groups) {
    g.tensors.forEach((t, i) => {
      const label = g.tensors.length > 1 ? `${g.arg} '${g.names[i]}'` : g.arg;
      if (n === undefined) {
        n = t.shape[0];
        first = label;
      } else if (t.shape[0] !== n) {
        throw new ValueError(`${owner}: ${first} has ${n} samples but ${label} has ${t.shape[0]}; every input and target needs the same number of samples (the first axis)`);
      }
    });
  }
  return n ?? 0;
}

/** Checks tensors against known shapes (null = any), naming the argument. @internal */
export function checkShapes(tensors: Tensor[], shapes: readonly (LayerShape | undefined)[], names: readonly string[], arg: string, owner: string): void {
  tensors.forEach((t, i) => {
    const s = shapes[i];
    if (!s) return;
    const ok = s.length === t.rank && s.every((d, j) => j === 0 || d === null || d === t.shape[j]);
    if (!ok) {
      const which = names.length > 1 ? `${arg} '${names[i]}'` : arg;
      throw new ShapeError(`${owner}: expected ${which} of shape ${fmtLayerShape(s)} (the model's input '${names[i]}'), got ${fmtLayerShape(t.shape)}`);
    }
  });
}

/** Rows `indices` (or the range [start, end)) of every tensor. @internal */
export function takeRows(tensors: Tensor[], start: number, end: number, indices?: Tensor): Tensor[] {
  if (indices) return tensors.map((t) => gather(t, indices, 0));
  return tensors.map((t) => slice(t, [start, ...t.shape.slice(1).map(() => 0)], [end - start, ...t.shape.slice(1)]));
}
