/**
 * CPU kernels: movement family.
 *
 * @internal
 * @module
 */
import type { TypedArray } from '../../../dtype.js';
import type { KernelTable } from '../../backend.js';

/** @internal */
export const movementKernels: KernelTable<TypedArray> = {};
