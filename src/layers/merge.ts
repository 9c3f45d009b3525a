/**
 * Merge layers: combine a list of inputs into one, elementwise (Add,
 * Subtract, Multiply, Average, Maximum, Minimum) or by concatenation
 * (Concatenate). Elementwise merges broadcast as Keras 3 does: the batch
 * axes line up, and the sample axes broadcast numpy-style from the end
 * (a lower-rank input gets size-1 axes just after its batch axis).
 *
 * @module
 */
import { z } from 'zod';
import { ShapeError, ValueError, add, concat, div, maximum, minimum, mul, reshape, sub, type Tensor } from '../engine/index.js';
import type { ConfigDict } from './config.js';
import { Layer, baseLayerOptions, fmtLayerShape, parseLayerOptions, registerLayer, type BaseLayerArgs, type LayerShape } from './layer.js';

const mergeSchema = z.strictObject({ ...baseLayerOptions });

/**
 * Options of the elementwise merge layers ({@link Add}, {@link Subtract},
 * {@link Multiply}, {@link Average}, {@link Maximum}, {@link Minimum}): the
 * base layer options only.
 *
 * @example
 * ```ts
 * const opts: MergeArgs = { name: 'residual' };
 * ```
 */
export type MergeArgs = z.input<typeof mergeSchema> & BaseLayerArgs;

function isShapeList(s: LayerShape | LayerShape[]): s is LayerShape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

function fmtShapes(shapes: readonly LayerShape[]): string {
  return shapes.map(fmtLayerShape).join(', ');
}

/**
 * Base of the merge layers: checks that it is given a list of at least two
 * inputs (exactly `arity` when set) with compatible shapes, then combines
 * them with {@link Merge.merge}. Subclass it for a custom merge.
 *
 * @example
 * ```ts
 * class Hypot extends Merge {
 *   static override readonly className = 'Hypot';
 *   protected merge(xs: Tensor[]) { return sqrt(xs.map((x) => square(x)).reduce((a, b) => add(a, b))); }
 * }
 * ```
 */
export abstract class Merge extends Layer {
  /** The exact number of inputs, when the operation needs one (Subtract: 2). */
  protected readonly arity: number | undefined = undefined;

  /** Combines the inputs (already checked; sample axes aligned to the same rank). */
  protected abstract merge(inputs: Tensor[]): Tensor;

  /** Throws unless `shapes` is a list of enough inputs. */
  protected checkCount(shapes: LayerShape | LayerShape[]): LayerShape[] {
    if (!isShapeList(shapes)) {
      throw new ValueError(`${this.name}: expected a list of at least 2 inputs, got a single input of shape ${fmtLayerShape(shapes)}; pass an array, e.g. apply([a, b])`);
    }
    if (this.arity !== undefined && shapes.length !== this.arity) {
      throw new ValueError(`${this.name}: expected exactly ${this.arity} inputs, got ${shapes.length} (shapes ${fmtShapes(shapes)})`);
    }
    if (shapes.length < 2) throw new ValueError(`${this.name}: expected a list of at least 2 inputs, got ${shapes.length} (shape ${fmtShapes(shapes)})`);
    return shapes;
  }

  /** The broadcast shape of the inputs (batch axes line up, sample axes broadcast from the end), or a ShapeError. */
  protected broadcastShape(shapes: LayerShape[]): LayerShape {
    const rank = Math.max(...shapes.map((s) => s.length));
    const padded = shapes.map((s) => (s.length === 0 ? s : [s[0], ...new Array<number>(rank - s.length).fill(1), ...s.slice(1)]));
    const out: (number | null)[] = [];
    for (let a = 0; a < rank; a++) {
      let size: number | null = 1;
      let unknown = false;
      for (const s of padded) {
        const d = s[a];
        if (d === null || d === undefined) {
          unknown = true;
          continue;
        }
        if (d === 1) continue;
        if (size !== 1 && size !== d) {
          throw new ShapeError(`${this.name}: expected inputs of compatible shapes (equal, or 1, on each axis), got ${fmtShapes(shapes)}`);
        }
        size = d;
      }
      out.push(unknown && size === 1 ? null : size);
    }
    return out;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    this.broadcastShape(this.checkCount(inputShape));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const shapes = this.checkCount(Array.isArray(inputs) ? list.map((t) => t.shape) : inputs.shape);
    this.broadcastShape(shapes);
    const rank = Math.max(...shapes.map((s) => s.length));
    // Size-1 axes go right after the batch axis (Keras 3) so that sample axes line up from the end.
    const aligned = list.map((t) => (t.rank === rank || t.rank === 0 ? t : reshape(t, [t.shape[0], ...new Array<number>(rank - t.rank).fill(1), ...t.shape.slice(1)])));
    try {
      return this.merge(aligned);
    } finally {
      aligned.forEach((t, i) => t !== list[i] && t.dispose());
    }
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return this.broadcastShape(this.checkCount(inputShape));
  }
}

/** Combines a list of tensors left to right with a binary op, freeing the intermediates. */
function foldAll(xs: Tensor[], op: (a: Tensor, b: Tensor) => Tensor): Tensor {
  let acc = op(xs[0], xs[1]);
  for (let i = 2; i < xs.length; i++) {
    const next = op(acc, xs[i]);
    acc.dispose();
    acc = next;
  }
  return acc;
}

/**
 * Options of {@link Add}.
 *
 * @example
 * ```ts
 * const opts: AddArgs = { name: 'residual' };
 * ```
 */
export type AddArgs = MergeArgs;

/**
 * Adds its inputs elementwise (with broadcasting).
 *
 * @example
 * ```ts
 * layers.add().apply([ones([2, 3]), ones([2, 3])]); // twos, shape [2, 3]
 * ```
 */
export class Add extends Merge {
  static override readonly className: string = 'Add';
  /** @param args Options; see {@link AddArgs}. */
  constructor(args: AddArgs = {}) {
    super(parseLayerOptions(mergeSchema, args, 'Add'));
  }
  protected merge(xs: Tensor[]): Tensor {
    return foldAll(xs, add);
  }
}
registerLayer(Add);

/**
 * Options of {@link Subtract}.
 *
 * @example
 * ```ts
 * const opts: SubtractArgs = { name: 'difference' };
 * ```
 */
export type SubtractArgs = MergeArgs;

/**
 * Subtracts its second input from its first (exactly two inputs).
 *
 * @example
 * ```ts
 * layers.subtract().apply([tensor([5, 7], [1, 2]), tensor([1, 2], [1, 2])]); // [[4, 5]]
 * ```
 */
export class Subtract extends Merge {
  static override readonly className: string = 'Subtract';
  protected override readonly arity = 2;
  /** @param args Options; see {@link SubtractArgs}. */
  constructor(args: SubtractArgs = {}) {
    super(parseLayerOptions(mergeSchema, args, 'Subtract'));
  }
  protected merge(xs: Tensor[]): Tensor {
    return sub(xs[0], xs[1]);
  }
}
registerLayer(Subtract);

/**
 * Options of {@link Multiply}.
 *
 * @example
 * ```ts
 * const opts: MultiplyArgs = { name: 'gate' };
 * ```
 */
export type MultiplyArgs = MergeArgs;

/**
 * Multiplies its inputs elementwise (with broadcasting).
 *
 * @example
 * ```ts
 * layers.multiply().apply([tensor([2, 3], [1, 2]), tensor([4, 5], [1, 2])]); // [[8, 15]]
 * ```
 */
export class Multiply extends Merge {
  static override readonly className: string = 'Multiply';
  /** @param args Options; see {@link MultiplyArgs}. */
  constructor(args: MultiplyArgs = {}) {
    super(parseLayerOptions(mergeSchema, args, 'Multiply'));
  }
  protected merge(xs: Tensor[]): Tensor {
    return foldAll(xs, mul);
  }
}
registerLayer(Multiply);

/**
 * Options of {@link Average}.
 *
 * @example
 * ```ts
 * const opts: AverageArgs = { name: 'ensemble' };
 * ```
 */
export type AverageArgs = MergeArgs;

/**
 * Averages its inputs elementwise (with broadcasting).
 *
 * @example
 * ```ts
 * layers.average().apply([tensor([1, 3], [1, 2]), tensor([3, 7], [1, 2])]); // [[2, 5]]
 * ```
 */
export class Average extends Merge {
  static override readonly className: string = 'Average';
  /** @param args Options; see {@link AverageArgs}. */
  constructor(args: AverageArgs = {}) {
    super(parseLayerOptions(mergeSchema, args, 'Average'));
  }
  protected merge(xs: Tensor[]): Tensor {
    const total = foldAll(xs, add);
    try {
      return div(total, xs.length);
    } finally {
      total.dispose();
    }
  }
}
registerLayer(Average);

/**
 * Options of {@link Maximum}.
 *
 * @example
 * ```ts
 * const opts: MaximumArgs = { name: 'max_pool_branches' };
 * ```
 */
export type MaximumArgs = MergeArgs;

/**
 * The elementwise maximum of its inputs (with broadcasting).
 *
 * @example
 * ```ts
 * layers.maximum().apply([tensor([1, 8], [1, 2]), tensor([3, 2], [1, 2])]); // [[3, 8]]
 * ```
 */
export class Maximum extends Merge {
  static override readonly className: string = 'Maximum';
  /** @param args Options; see {@link MaximumArgs}. */
  constructor(args: MaximumArgs = {}) {
    super(parseLayerOptions(mergeSchema, args, 'Maximum'));
  }
  protected merge(xs: Tensor[]): Tensor {
    return foldAll(xs, maximum);
  }
}
registerLayer(Maximum);

/**
 * Options of {@link Minimum}.
 *
 * @example
 * ```ts
 * const opts: MinimumArgs = { name: 'min_branches' };
 * ```
 */
export type MinimumArgs = MergeArgs;

/**
 * The elementwise minimum of its inputs (with broadcasting).
 *
 * @example
 * ```ts
 * layers.minimum().apply([tensor([1, 8], [1, 2]), tensor([3, 2], [1, 2])]); // [[1, 2]]
 * ```
 */
export class Minimum extends Merge {
  static override readonly className: string = 'Minimum';
  /** @param args Options; see {@link MinimumArgs}. */
  constructor(args: MinimumArgs = {}) {
    super(parseLayerOptions(mergeSchema, args, 'Minimum'));
  }
  protected merge(xs: Tensor[]): Tensor {
    return foldAll(xs, minimum);
  }
}
registerLayer(Minimum);

const concatenateSchema = z.strictObject({ ...baseLayerOptions, axis: z.number().int().optional() });

/**
 * Options of {@link Concatenate}: `axis` (default -1, the last; counted
 * with the batch axis, negative from the end).
 *
 * @example
 * ```ts
 * const opts: ConcatenateArgs = { axis: 1 };
 * ```
 */
export type ConcatenateArgs = z.input<typeof concatenateSchema> & BaseLayerArgs;

/**
 * Concatenates its inputs along `axis`; they must have the same rank and
 * the same sizes on every other axis.
 *
 * @example
 * ```ts
 * layers.concatenate().apply([ones([2, 3]), zeros([2, 5])]).shape;        // [2, 8]
 * layers.concatenate({ axis: 1 }).apply([ones([2, 3, 4]), ones([2, 1, 4])]).shape; // [2, 4, 4]
 * ```
 */
export class Concatenate extends Merge {
  static override readonly className: string = 'Concatenate';
  /** The axis joined along (as given: may be negative). */
  readonly axis: number;

  /** @param args Options; see {@link ConcatenateArgs}. */
  constructor(args: ConcatenateArgs = {}) {
    const o = parseLayerOptions(concatenateSchema, args, 'Concatenate');
    const { axis, ...base } = o;
    super(base);
    this.axis = axis ?? -1;
  }

  /** The output shape, or a ShapeError naming the layer and the shapes. */
  private concatShape(shapes: LayerShape[]): LayerShape {
    const rank = shapes[0].length;
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (shapes.some((s) => s.length !== rank)) {
      throw new ShapeError(`${this.name}: expected inputs of the same rank, got shapes ${fmtShapes(shapes)}`);
    }
    if (a < 0 || a >= rank) throw new ShapeError(`${this.name}: axis ${this.axis} is out of range for inputs of rank ${rank} (shapes ${fmtShapes(shapes)})`);
    const out: (number | null)[] = [];
    for (let k = 0; k < rank; k++) {
      const sizes = shapes.map((s) => s[k]);
      if (k === a) {
        out.push(sizes.some((d) => d === null) ? null : (sizes as number[]).reduce((x, y) => x + y, 0));
        continue;
      }
      const known = sizes.filter((d): d is number => d !== null);
      if (known.some((d) => d !== known[0])) {
        throw new ShapeError(
          `${this.name}: expected inputs with matching shapes except on the concatenation axis ${this.axis}, got shapes ${fmtShapes(shapes)}`,
        );
      }
      out.push(known.length > 0 ? known[0] : null);
    }
    return out;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    this.concatShape(this.checkCount(inputShape));
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const shapes = this.checkCount(Array.isArray(inputs) ? list.map((t) => t.shape) : inputs.shape);
    this.concatShape(shapes);
    return concat(list, this.axis < 0 ? this.axis + shapes[0].length : this.axis);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return this.concatShape(this.checkCount(inputShape));
  }

  protected merge(xs: Tensor[]): Tensor {
    return concat(xs, this.axis < 0 ? this.axis + xs[0].rank : this.axis);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), axis: this.axis };
  }
}
registerLayer(Concatenate);
