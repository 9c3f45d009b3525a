/**
 * Ops: linalg family.
 *
 * @module
 */
export {};
