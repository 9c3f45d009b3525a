/**
 * Ops: nn family.
 *
 * @module
 */
export {};
