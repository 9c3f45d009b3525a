/**
 * Checks the movement, slicing and gather ops share on their non-tensor
 * arguments (integer lists, axes given as numbers), and the way they print
 * a bad argument in an error message.
 *
 * @internal
 * @module
 */
import { ValueError } from '../errors.js';

/** `[1,2]` for arrays, `String(v)` otherwise, for error messages. @internal */
export function fmtList(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(',')}]` : String(v);
}

/** Whether `v` is an integer number. @internal */
export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Returns `v` if it is an array of integers; throws a ValueError naming `op` and `what` otherwise. @internal */
export function assertIntList(op: string, what: string, v: unknown): readonly number[] {
  if (!Array.isArray(v) || !v.every(isInt)) throw new ValueError(`${op}: expected ${what} to be an array of integers, got ${fmtList(v)}`);
  return v;
}
