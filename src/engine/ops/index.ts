/**
 * Every op, by family.
 *
 * @module
 */
export * from './creation.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export * from './strided-slice.js';
export * from './gather.js';
export * from './linalg.js';
export * from './nn.js';
export * from './random.js';
