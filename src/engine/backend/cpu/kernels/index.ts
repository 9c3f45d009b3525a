/**
 * The CPU kernel table: the union of the kernel families. A family file
 * exports a partial table; adding an op to a family adds it here.
 *
 * @internal
 * @module
 */
import type { TypedArray } from '../../../dtype.js';
import type { KernelTable } from '../../backend.js';
import { gatherKernels } from './gather.js';
import { linalgKernels } from './linalg.js';
import { movementKernels } from './movement.js';
import { nnKernels } from './nn.js';
import { randomKernels } from './random.js';
import { reduceKernels } from './reduce.js';

/** @internal */
export const cpuKernels: KernelTable<TypedArray> = {
  ...reduceKernels,
  ...linalgKernels,
  ...movementKernels,
  ...gatherKernels,
  ...nnKernels,
  ...randomKernels,
};
