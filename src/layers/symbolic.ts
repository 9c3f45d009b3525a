/**
 * Symbolic tensors: placeholders with a shape (batch axis `null`) and a
 * dtype that record which layer produced them, so `model({inputs, outputs})`
 * can find the graph between them (the functional API).
 *
 * @module
 */
import type { DType } from '../engine/index.js';
import type { CallArgs, Layer, LayerShape } from './layer.js';

let symbolicCounter = 0;

/**
 * One application of a layer in a functional graph: its symbolic inputs and
 * outputs and the extra call arguments.
 *
 * @example
 * ```ts
 * const x = input({ shape: [4] });
 * const y = layers.dense({ units: 2 }).apply(x);
 * y.node.layer.name; // 'dense_1'
 * ```
 */
export interface LayerNode {
  /** The layer applied. */
  readonly layer: Layer;
  /** Its symbolic inputs (empty for an input layer). */
  readonly inputs: readonly SymbolicTensor[];
  /** Its symbolic outputs. */
  readonly outputs: SymbolicTensor[];
  /** Extra call arguments (other than `training`). */
  readonly callArgs: Omit<CallArgs, 'training'>;
  /** Whether the inputs were passed as a list (multi-input layers) rather than one tensor. */
  readonly listInput: boolean;
}

/**
 * A placeholder for a tensor in a functional model: it has a shape (with
 * `null` for the batch axis and any unknown size) and a dtype, no values.
 * Create the first ones with `input()`; `layer.apply(symbolic)` makes more.
 *
 * @example
 * ```ts
 * const x = input({ shape: [28, 28, 1] });
 * x.shape; // [null, 28, 28, 1]
 * ```
 */
export class SymbolicTensor {
  /** A unique id. */
  readonly id = ++symbolicCounter;

  /**
   * @param shape The shape, `null` where unknown.
   * @param dtype The dtype.
   * @param node The layer application that produced it.
   * @param outputIndex Which output of that node it is.
   * @param name A readable name (`dense_1/output`).
   */
  constructor(
    readonly shape: LayerShape,
    readonly dtype: DType,
    readonly node: LayerNode,
    readonly outputIndex: number,
    readonly name: string,
  ) {}

  /** The rank. */
  get rank(): number {
    return this.shape.length;
  }

  /** `SymbolicTensor(name, shape, dtype)`. */
  toString(): string {
    return `SymbolicTensor(${this.name}, [${this.shape.map((d) => (d === null ? 'null' : d)).join(',')}], ${this.dtype})`;
  }
}
