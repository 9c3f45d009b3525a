/**
 * Regression metrics: the means of the regression losses' per-sample values.
 *
 * @module
 */
import { z } from 'zod';
import { parseOptions } from '../../layers/config.js';
import { meanAbsoluteError, meanSquaredError } from '../losses/regression.js';
import { MeanMetricWrapper, nameSchema, type MetricOptions } from './metric.js';

/**
 * The mean of the per-sample mean squared error over every sample seen.
 *
 * @example
 * ```ts
 * const m = new MeanSquaredError({ name: 'mse' });
 * m.updateState(tensor([[0, 1]]), tensor([[1, 1]]));
 * m.result(); // 0.5
 * ```
 */
export class MeanSquaredError extends MeanMetricWrapper {
  /** @param options `name` (default `'meanSquaredError'`). */
  constructor(options?: MetricOptions) {
    super(meanSquaredError, { name: parseOptions(z.strictObject({ name: nameSchema.default('meanSquaredError') }), options, 'meanSquaredError').name });
  }
}

/**
 * The mean of the per-sample mean absolute error over every sample seen.
 *
 * @example
 * ```ts
 * const m = new MeanAbsoluteError({ name: 'mae' });
 * m.updateState(tensor([[0, 1]]), tensor([[1, 1]]));
 * m.result(); // 0.5
 * ```
 */
export class MeanAbsoluteError extends MeanMetricWrapper {
  /** @param options `name` (default `'meanAbsoluteError'`). */
  constructor(options?: MetricOptions) {
    super(meanAbsoluteError, { name: parseOptions(z.strictObject({ name: nameSchema.default('meanAbsoluteError') }), options, 'meanAbsoluteError').name });
  }
}
