/**
 * The kernel families that make up the generated wasm module, and the
 * names of their parallel task functions (the thread pool refers to a task
 * by its index in {@link TASKS}, the same in every thread).
 *
 * @internal
 * @module
 */
import type { ModuleBuilder } from './asm.js';
import type { BuildContext } from './runtime.js';
import { buildGemm, GEMM_TASKS } from './gemm.js';
import { buildConv, CONV_TASKS } from './conv.js';
import { buildElementwise, ELEMENTWISE_TASKS } from './elementwise.js';
import { buildPool, POOL_TASKS } from './pool.js';

/** Builders, in module order. @internal */
export const KERNEL_BUILDERS: readonly ((mb: ModuleBuilder, ctx: BuildContext) => void)[] = [buildGemm, buildConv, buildElementwise, buildPool];

/** Every task function's export name. @internal */
export const TASKS: readonly string[] = [...GEMM_TASKS, ...CONV_TASKS, ...ELEMENTWISE_TASKS, ...POOL_TASKS];
