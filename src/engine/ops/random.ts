/**
 * Ops: random family.
 *
 * @module
 */
export {};
