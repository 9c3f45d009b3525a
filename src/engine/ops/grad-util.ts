/**
 * Helpers gradient rules share.
 *
 * @internal
 * @module
 */
import { broadcastedAxes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sum } from './reduce.js';
import { reshape } from './movement.js';

/** Sums `dy` over the axes that broadcasting added, giving the gradient of an operand of `shape`. @internal */
export function unbroadcast(dy: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const axes = broadcastedAxes(shape, dy.shape);
  const summed = axes.length > 0 ? sum(dy, axes, true) : dy;
  return shapesEqual(summed.shape, shape) ? summed : reshape(summed, shape);
}
