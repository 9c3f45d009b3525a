/**
 * The engine: tensors, ops, autograd, memory, devices, randomness.
 *
 * @module
 */
export * from './ops/index.js';
export { Tensor, Variable, type NestedArray, type TensorLike } from './tensor.js';
export type { DType, DataTypeMap, TypedArray } from './dtype.js';
export { upcastType } from './dtype.js';
export type { Shape } from './shape.js';
export { LaminarError, ShapeError, DTypeError, DeviceError, DisposedError, ValueError, GradientError, DataError, OutOfRangeError } from './errors.js';
export { tidy, keep, dispose, type TensorContainer } from './memory/scope.js';
export { memory, type MemoryInfo, type DeviceMemoryInfo } from './memory/tracker.js';
export { setDevice, getDevice, withDevice, ready, registerBackend, getBackend, listDevices, getDeviceInfo, type BackendFactory } from './device.js';
export { configureCpu, setNumThreads, getNumThreads, getCpuInfo, type CpuOptions, type CpuInfo } from './backend/wasm/runtime.js';
export { configureWebGPU, type WebGPUOptions, type WebGPUDeviceInfo, type WebGPUBackendChoice } from './backend/webgpu/setup.js';
export { WebGPUBackend, type WebGPUMemory } from './backend/webgpu/backend.js';
export type { GpuData } from './backend/webgpu/pool.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, customGrad, noGrad, stopGradient, type CustomGradResult, type SaveFn, type ValueAndGradResult, type ValueAndGradsResult, type VariableGradsResult } from './autograd/gradients.js';
export { setSeed, getSeed, getRandomState, setRandomState, type RandomState } from './random.js';
export type { Backend, BackendMemory, Kernel, KernelTable, TensorInfo, TensorMeta } from './backend/backend.js';
export { CpuBackend } from './backend/cpu/backend.js';
export type { OpRegistry, OpDef, GradFn, GradContext } from './ops/define-op.js';
export { defineOp } from './ops/define-op.js';
export { runOp, runOp1 } from './ops/dispatch.js';
export { ir, type ElementwiseProgram, type Expr, type ScalarFn } from './backend/kernel-ir.js';
