/**
 * Reverse-mode automatic differentiation with TensorFlow.js's calling
 * conventions: `grad`, `grads`, `valueAndGrad`, `valueAndGrads`,
 * `variableGrads`, `customGrad`, `noGrad`.
 *
 * Gradients are computed with ops, so they run on every device, and a
 * gradient computed inside another gradient function is itself recorded:
 * gradients of gradients work.
 *
 * @module
 */
import { isFloat } from '../dtype.js';
import { DTypeError, GradientError, ValueError, fmtShape } from '../errors.js';
import { runInScope } from '../memory/scope.js';
import { shapesEqual } from '../shape.js';
import { Tensor, Variable, type NestedArray, type TensorLike } from '../tensor.js';
import { activeTapes, recordOp, Tape, withRecordingPaused } from './tape.js';
import { defineOp, type OpDef } from '../ops/define-op.js';
import { add } from '../ops/elementwise.js';
import { runOp1 } from '../ops/dispatch.js';
import { onesLike, tensor, zerosLike } from '../ops/creation.js';

function toSource(op: string, x: TensorLike, i: number): Tensor {
  const t = x instanceof Tensor ? x : tensor(x as NestedArray);
  t.assertAlive(op);
  if (!isFloat(t.dtype)) {
    throw new DTypeError(`${op}: can only differentiate with respect to float tensors, got ${t.dtype} for argument ${i}; cast it with x.cast('float32')`);
  }
  return t;
}

function runTape(op: string, tape: Tape, f: () => unknown): Tensor {
  activeTapes.push(tape);
  let y: unknown;
  try {
    y = f();
  } finally {
    activeTapes.splice(activeTapes.lastIndexOf(tape), 1);
  }
  if (y instanceof Promise) throw new ValueError(`${op}: f must be synchronous; it returned a Promise`);
  if (!(y instanceof Tensor)) throw new ValueError(`${op}: f must return a Tensor, got ${y === null ? 'null' : typeof y}`);
  return y;
}

/** Back-propagates `dy` from `y` through the tape; returns gradients by tensor id. */
function backprop(tape: Tape, y: Tensor, dy: Tensor): Map<number, Tensor> {
  const grads = new Map<number, Tensor>([[y.id, dy]]);
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n];
    let any = false;
    for (const o of node.outputs) if (grads.has(o.id)) any = true;
    if (!any) continue;
    const dys = node.outputs.map((o) => grads.get(o.id) ?? zerosLike(o));
    const inputGrads = node.def.grad!(dys, { inputs: node.inputs, outputs: node.outputs, params: node.params });
    for (let i = 0; i < node.inputs.length; i++) {
      const g = inputGrads[i];
      const x = node.inputs[i];
      if (!g || !isFloat(x.dtype)) continue;
      if (!shapesEqual(g.shape, x.shape)) {
        throw new GradientError(`${node.def.name}: gradient rule returned shape ${fmtShape(g.shape)} for input ${i} of shape ${fmtShape(x.shape)} (a bug in laminar)`);
      }
      const prev = grads.get(x.id);
      grads.set(x.id, prev ? add(prev, g) : g.dtype === x.dtype ? g : g.cast(x.dtype));
    }
  }
  return grads;
}

function resolveDy(op: string, y: Tensor, dy: TensorLike | undefined): Tensor {
  if (dy === undefined) return onesLike(y);
  const t = dy instanceof Tensor ? dy : tensor(dy as NestedArray, undefined, y.dtype);
  if (!shapesEqual(t.shape, y.shape)) {
    throw new ValueError(`${op}: dy must have the shape of f(x), ${fmtShape(y.shape)}; got ${fmtShape(t.shape)}`);
  }
  return t;
}

/**
 * What {@link valueAndGrad} returns.
 *
 * @example
 * ```ts
 * const { value, grad: g }: ValueAndGradResult = valueAndGrad((x) => x.square().sum())(tensor([3]));
 * ```
 */
export interface ValueAndGradResult {
  /** f(x). */
  value: Tensor;
  /** df/dx, shaped like x. */
  grad: Tensor;
}

/**
 * What {@link valueAndGrads} returns.
 *
 * @example
 * ```ts
 * const { value, grads: [da, db] }: ValueAndGradsResult = valueAndGrads((a, b) => a.mul(b).sum())([tensor([1]), tensor([2])]);
 * ```
 */
export interface ValueAndGradsResult {
  /** f(...args). */
  value: Tensor;
  /** The gradient for each argument, in order. */
  grads: Tensor[];
}

/**
 * What {@link variableGrads} returns.
 *
 * @example
 * ```ts
 * const { value, grads }: VariableGradsResult = variableGrads(() => w.square().sum());
 * ```
 */
export interface VariableGradsResult {
  /** The scalar loss. */
  value: Tensor;
  /** The gradient of each variable, keyed by variable name. */
  grads: Record<string, Tensor>;
}

function gradients(op: string, f: (...xs: Tensor[]) => Tensor, args: readonly TensorLike[], dy: TensorLike | undefined): ValueAndGradsResult {
  return runInScope(() => {
    const xs = args.map((a, i) => toSource(op, a, i));
    const tape = new Tape();
    for (const x of xs) tape.watch(x);
    try {
      const value = runTape(op, tape, () => f(...xs));
      const grads = backprop(tape, value, resolveDy(op, value, dy));
      const out = xs.map((x) => grads.get(x.id) ?? zerosLike(x));
      return { value, grads: out };
    } finally {
      tape.release();
    }
  });
}

/**
 * The gradient function of `f`: `grad(f)(x, dy?)` is d(f(x))/dx, weighted
 * by `dy` (ones by default, i.e. the gradient of the sum of f(x)).
 *
 * @example
 * ```ts
 * const df = grad((x) => x.square().sum());
 * await df(tensor([1, 2, 3])).array(); // [2, 4, 6]
 * const d2f = grad((x) => grad((y) => y.mul(y).mul(y))(x)); // second order: 6x
 * ```
 */
export function grad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => Tensor {
  if (typeof f !== 'function') throw new ValueError(`grad: expected a function, got ${typeof f}`);
  return (x, dy) => {
    const { value, grads } = gradients('grad', (t) => f(t), [x], dy);
    value.dispose();
    return grads[0];
  };
}

/**
 * The gradients of `f` with respect to each of its arguments:
 * `grads(f)([a, b], dy?)` returns `[df/da, df/db]`.
 *
 * @example
 * ```ts
 * const g = grads((a, b) => a.mul(b).sum());
 * const [da, db] = g([tensor([1, 2]), tensor([3, 4])]); // [3, 4], [1, 2]
 * ```
 */
export function grads(f: (...args: Tensor[]) => Tensor): (args: readonly TensorLike[], dy?: TensorLike) => Tensor[] {
  if (typeof f !== 'function') throw new ValueError(`grads: expected a function, got ${typeof f}`);
  return (args, dy) => {
    if (!Array.isArray(args)) throw new ValueError(`grads: expected an array of arguments, got ${typeof args}`);
    const { value, grads: gs } = gradients('grads', f, args, dy);
    value.dispose();
    return gs;
  };
}

/**
 * Like {@link grad}, returning f(x) as well.
 *
 * @example
 * ```ts
 * const { value, grad: g } = valueAndGrad((x) => x.square().sum())(tensor([3])); // 9, [6]
 * ```
 */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: TensorLike) => ValueAndGradResult {
  if (typeof f !== 'function') throw new ValueError(`valueAndGrad: expected a function, got ${typeof f}`);
  return (x, dy) => {
    const { value, grads: gs } = gradients('valueAndGrad', (t) => f(t), [x], dy);
    return { value, grad: gs[0] };
  };
}

/**
 * Like {@link grads}, returning f(...args) as well.
 *
 * @example
 * ```ts
 * const { value, grads: [da, db] } = valueAndGrads((a, b) => a.mul(b).sum())([tensor([1]), tensor([2])]);
 * ```
 */
export function valueAndGrads(f: (...args: Tensor[]) => Tensor): (args: readonly TensorLike[], dy?: TensorLike) => ValueAndGradsResult {
  if (typeof f !== 'function') throw new ValueError(`valueAndGrads: expected a function, got ${typeof f}`);
  return (args, dy) => {
    if (!Array.isArray(args)) throw new ValueError(`valueAndGrads: expected an array of arguments, got ${typeof args}`);
    return gradients('valueAndGrads', f, args, dy);
  };
}

/**
 * The value of `f()` (a scalar loss) and its gradient with respect to
 * `varList` (by default every trainable variable `f` reads), keyed by
 * variable name.
 *
 * @example
 * ```ts
 * const w = variable(tensor([1, 2]), { name: 'w' });
 * const { value, grads } = variableGrads(() => w.square().sum());
 * await grads['w'].array(); // [2, 4]
 * ```
 */
export function variableGrads(f: () => Tensor, varList?: readonly Variable[]): VariableGradsResult {
  if (typeof f !== 'function') throw new ValueError(`variableGrads: expected a function, got ${typeof f}`);
  if (varList !== undefined) {
    if (!Array.isArray(varList)) throw new ValueError(`variableGrads: expected varList to be an array of variables, got ${typeof varList}`);
    varList.forEach((v, i) => {
      if (!(v instanceof Variable)) throw new ValueError(`variableGrads: varList[${i}] is not a Variable`);
      toSource('variableGrads', v, i);
    });
  }
  return runInScope(() => {
    const tape = new Tape();
    if (varList) for (const v of varList) tape.watch(v);
    else tape.watchTrainable = true;
    try {
      const value = runTape('variableGrads', tape, f);
      if (value.rank !== 0) {
        throw new ValueError(`variableGrads: f must return a scalar loss, got shape ${fmtShape(value.shape)}; reduce it, e.g. with mean()`);
      }
      const gradMap = backprop(tape, value, onesLike(value));
      const vars = varList ?? [...tape.variables.values()];
      const out: Record<string, Tensor> = {};
      for (const v of vars) out[v.name] = gradMap.get(v.id) ?? zerosLike(v);
      return { value, grads: out };
    } finally {
      tape.release();
    }
  });
}

/**
 * What a {@link customGrad} function returns: the value, and a function
 * from dy (and the saved tensors) to the gradient of each input.
 *
 * @example
 * ```ts
 * const r: CustomGradResult = { value: x.square(), gradFunc: (dy, [x]) => [dy.mul(x).mul(2)] };
 * ```
 */
export interface CustomGradResult {
  /** The forward result. */
  value: Tensor;
  /** Gradient of each input given dy and the tensors passed to `save`. */
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
}

/**
 * The `save` callback {@link customGrad} passes to its function: tensors
 * given to it reach `gradFunc` as `saved`.
 *
 * @example
 * ```ts
 * const f = customGrad((x: Tensor, save: SaveFn) => { save([x]); return { value: x.square(), gradFunc: (dy, [x]) => [dy.mul(x).mul(2)] }; });
 * ```
 */
export type SaveFn = (tensors: Tensor[]) => void;

const customGradDef = defineOp<{ gradFunc: (dy: Tensor) => Tensor | Tensor[] }>({
  name: 'customGrad',
  inputNames: ['...inputs'],
  infer: () => [],
  grad: ([dy], { params: { gradFunc }, inputs }) => {
    const g = gradFunc(dy);
    const list = Array.isArray(g) ? g : [g];
    if (list.length !== inputs.length) {
      throw new GradientError(`customGrad: gradFunc returned ${list.length} gradients for ${inputs.length} inputs`);
    }
    return list;
  },
}) as OpDef<unknown>;

/**
 * Defines a function with a hand-written gradient (TensorFlow.js's
 * `customGrad`): `f(...inputs, save)` returns `{value, gradFunc}`; tensors
 * passed to `save` reach `gradFunc` as its second argument.
 *
 * @example
 * ```ts
 * const clippedIdentity = customGrad((x: Tensor, save: SaveFn) => {
 *   save([x]);
 *   return { value: x.clone(), gradFunc: (dy) => [clipByValue(dy, -1, 1)] };
 * });
 * ```
 */
export function customGrad<Args extends Tensor[]>(f: (...args: [...Args, SaveFn]) => CustomGradResult): (...inputs: Args) => Tensor {
  if (typeof f !== 'function') throw new ValueError(`customGrad: expected a function, got ${typeof f}`);
  return (...inputs: Args) => {
    inputs.forEach((x, i) => {
      if (!(x instanceof Tensor)) throw new ValueError(`customGrad: input ${i} is not a Tensor`);
      x.assertAlive('customGrad');
    });
    let saved: Tensor[] = [];
    const save = (ts: Tensor[]) => {
      saved = ts;
    };
    const { value, gradFunc } = withRecordingPaused(() => f(...inputs, save));
    if (!(value instanceof Tensor)) throw new ValueError('customGrad: f must return {value: Tensor, gradFunc}');
    if (typeof gradFunc !== 'function') throw new ValueError('customGrad: f must return {value, gradFunc: (dy, saved) => gradients}');
    // The recorded output must be a tensor distinct from the inputs for the tape to tell them apart.
    // Paused: a recorded reshape would add its own gradient path from the input to the output.
    const out = inputs.includes(value) ? withRecordingPaused(() => value.reshape(value.shape)) : value;
    recordOp(customGradDef, inputs, [out], {
      gradFunc: (dy: Tensor) => gradFunc(dy, saved),
    });
    return out;
  };
}

/**
 * Runs `fn` without recording gradients: tensors it computes are constants
 * to any enclosing gradient computation.
 *
 * @example
 * ```ts
 * const target = noGrad(() => teacher(x)); // no gradient flows into teacher
 * ```
 */
export function noGrad<R>(fn: () => R): R {
  if (typeof fn !== 'function') throw new ValueError(`noGrad: expected a function, got ${typeof fn}`);
  return withRecordingPaused(fn);
}

const stopGradientOp = defineOp<Record<string, never>>({
  name: 'stopGradient',
  inputNames: ['x'],
  view: true,
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
});

/**
 * The same values as `x`, seen by autograd as a constant: no gradient flows
 * through it.
 *
 * @example
 * ```ts
 * grad((x) => x.mul(stopGradient(x)).sum())(tensor([3])); // [3], not [6]
 * ```
 */
export function stopGradient(x: TensorLike): Tensor {
  return runOp1(stopGradientOp, [x], {});
}
