/**
 * Convolution kernels on the wasm heap (stub; being written).
 *
 * @internal
 * @module
 */
import type { ModuleBuilder } from './asm.js';
import type { BuildContext } from './runtime.js';

/** @internal */
export const CONV_TASKS: readonly string[] = [];

/** @internal */
export function buildConv(_mb: ModuleBuilder, _ctx: BuildContext): void {}
