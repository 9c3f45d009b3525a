/**
 * The gradient tape. While a gradient function runs, `dispatch` reports every
 * differentiable op whose inputs the tape watches; the tape keeps those
 * tensors alive (scopes hand them on instead of disposing them) until the
 * gradient computation is over.
 *
 * @internal
 * @module
 */
import { isFloat } from '../dtype.js';
import type { OpDef } from '../ops/define-op.js';
import { Tensor, Variable } from '../tensor.js';

/** One recorded op. @internal */
export interface TapeNode {
  readonly def: OpDef<unknown>;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly params: unknown;
}

/** @internal */
export class Tape {
  readonly nodes: TapeNode[] = [];
  private readonly watched = new Set<number>();
  /** When set, every trainable variable is a source (variableGrads). */
  watchTrainable = false;
  /** Trainable variables the recorded ops read. */
  readonly variables = new Map<number, Variable>();
  private readonly held: Tensor[] = [];

  watch(t: Tensor): void {
    this.watched.add(t.id);
  }

  private isWatched(t: Tensor): boolean {
    if (this.watched.has(t.id)) return true;
    if (this.watchTrainable && t instanceof Variable && t.trainable) {
      this.variables.set(t.id, t);
      this.watched.add(t.id);
      return true;
    }
    return false;
  }

  record(node: TapeNode): void {
    let any = false;
    for (const x of node.inputs) if (this.isWatched(x)) any = true;
    if (!any) return;
    this.nodes.push(node);
    for (const o of node.outputs) if (isFloat(o.dtype)) this.watched.add(o.id);
    for (const t of node.inputs) this.hold(t);
    for (const t of node.outputs) this.hold(t);
  }

  private hold(t: Tensor): void {
    t.tapeHolds++;
    this.held.push(t);
  }

  /** Lets go of every tensor the tape held; disposes those whose dispose() was deferred. */
  release(): void {
    for (const t of this.held) {
      if (--t.tapeHolds === 0 && t.pendingDispose) {
        t.pendingDispose = false;
        t.dispose();
      }
    }
    this.held.length = 0;
    this.nodes.length = 0;
  }
}

/** Tapes of the gradient computations in progress, innermost last. @internal */
export const activeTapes: Tape[] = [];
let pausedDepth = 0;

/** Records an op on every active tape that watches one of its inputs. @internal */
export function recordOp(def: OpDef<unknown>, inputs: readonly Tensor[], outputs: readonly Tensor[], params: unknown): void {
  if (pausedDepth > 0 || activeTapes.length === 0) return;
  let anyFloat = false;
  for (const o of outputs) if (isFloat(o.dtype)) anyFloat = true;
  if (!anyFloat) return;
  const node: TapeNode = { def, inputs, outputs, params };
  for (const tape of activeTapes) tape.record(node);
}

/** Runs `fn` with recording paused. @internal */
export function withRecordingPaused<R>(fn: () => R): R {
  pausedDepth++;
  let result: R;
  try {
    result = fn();
  } catch (e) {
    pausedDepth--;
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => pausedDepth--) as R;
  pausedDepth--;
  return result;
}
