/**
 * `defineOp`: the one place an op is declared, with everything that is true
 * of it on every backend: its name, the rule that checks its inputs and
 * infers its outputs (used eagerly and, later, by tracing), and its gradient
 * written with other ops.
 *
 * @module
 */
import type { TensorMeta } from '../backend/backend.js';
import type { ElementwiseProgram } from '../backend/kernel-ir.js';
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';

/**
 * The params type of every op that has backend kernels, keyed by op name.
 * Op files add themselves by module augmentation:
 *
 * @example
 * ```ts
 * declare module './define-op.js' {
 *   interface OpRegistry { matMul: { transposeA: boolean; transposeB: boolean } }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface OpRegistry {}

/**
 * What a gradient rule sees: the op's inputs, outputs and params.
 *
 * @example
 * ```ts
 * const rule: GradFn<{}> = ([dy], { outputs: [y] }) => [mul(dy, y)];
 * ```
 */
export interface GradContext<P> {
  /** The op's inputs, in order. */
  readonly inputs: readonly Tensor[];
  /** The op's outputs, in order. */
  readonly outputs: readonly Tensor[];
  /** The params the op ran with. */
  readonly params: P;
}

/**
 * A gradient rule: given the gradient of each output (zeros where an output
 * did not contribute), return the gradient of each input (`null` where an
 * input has none, such as integer indices). Written with ops, so it runs on
 * every backend and can be differentiated again.
 *
 * @example
 * ```ts
 * const expGrad: GradFn<{}> = ([dy], { outputs: [y] }) => [mul(dy, y)];
 * ```
 */
export type GradFn<P> = (dys: readonly Tensor[], ctx: GradContext<P>) => (Tensor | null)[];

/**
 * An op declaration.
 *
 * @example
 * ```ts
 * const negOp = defineOp<{}>({
 *   name: 'neg', inputNames: ['x'],
 *   infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
 *   grad: ([dy]) => [neg(dy)],
 * });
 * ```
 */
export interface OpDef<P, Raw = P> {
  /** The op name; also the key of its kernels in each backend's table. */
  readonly name: string;
  /** Names of the inputs, for error messages (`add: argument b ...`). */
  readonly inputNames: readonly string[];
  /**
   * Resolves the params a caller gave (`axis: -1`) against the inputs'
   * metadata into the params kernels and gradients see (`axes: [1]`).
   * Throws typed errors on bad params. Absent when the two are the same.
   */
  readonly prepare?: (inputs: readonly TensorMeta[], raw: Raw) => P;
  /** Checks inputs and params and returns the output shapes and dtypes; throws typed errors. */
  infer(inputs: readonly TensorMeta[], params: P): TensorMeta[];
  /** The gradient rule; absent for ops with no gradient (comparisons, argMax, ...). */
  readonly grad?: GradFn<P>;
  /** Elementwise ops: the scalar program backends generate kernels from. */
  readonly program?: ElementwiseProgram;
  /** A composition of other ops, used when a backend has no kernel. */
  readonly decompose?: (inputs: readonly Tensor[], params: P) => Tensor[];
  /**
   * When true, JS numbers and arrays given as inputs keep their own dtype
   * instead of adopting the dtype of the tensor inputs.
   */
  readonly strictInputDTypes?: boolean;
  /**
   * The dtype a JS value (number, array) given for input i becomes, when it
   * must not follow the other inputs: gather's indices are int32 whatever
   * `x` is.
   */
  readonly inputDTypes?: readonly (DType | undefined)[];
  /**
   * When true the op is a view: its single output shares input 0's storage
   * (reshape). No kernel runs.
   */
  readonly view?: boolean;
}

/**
 * Declares an op. The returned definition is passed to `runOp` by the op's
 * public function.
 *
 * @example
 * ```ts
 * const squareOp = defineOp<{}>({ name: 'square', inputNames: ['x'], infer: ([x]) => [x], grad: ([dy], { inputs: [x] }) => [mul(dy, mul(x, 2))] });
 * ```
 */
export function defineOp<P, Raw = P>(def: OpDef<P, Raw>): OpDef<P, Raw> {
  return Object.freeze(def);
}
