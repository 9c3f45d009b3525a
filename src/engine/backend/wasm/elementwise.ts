/**
 * Elementwise and reduction kernels on the wasm heap (stub; being written).
 *
 * @internal
 * @module
 */
import type { ModuleBuilder } from './asm.js';
import type { BuildContext } from './runtime.js';

/** @internal */
export const ELEMENTWISE_TASKS: readonly string[] = [];

/** @internal */
export function buildElementwise(_mb: ModuleBuilder, _ctx: BuildContext): void {}
