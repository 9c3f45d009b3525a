import type { ErrorCase, ForwardCase, GradCase } from '../harness.js';

export const forward: ForwardCase[] = [];
export const errors: ErrorCase[] = [];
export const gradients: GradCase[] = [];
