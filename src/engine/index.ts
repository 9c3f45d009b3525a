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
export { LaminarError, ShapeError, DTypeError, DeviceError, DisposedError, ValueError, GradientError } from './errors.js';
export { tidy, keep, dispose, type TensorContainer } from './memory/scope.js';
export { memory, type MemoryInfo, type DeviceMemoryInfo } from './memory/tracker.js';
export { setDevice, getDevice, withDevice, ready, registerBackend, getBackend, listDevices } from './device.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, customGrad, noGrad, stopGradient, type CustomGradResult } from './autograd/gradients.js';
export { setSeed, getSeed, getRandomState, setRandomState, type RandomState } from './random.js';
export type { Backend, BackendMemory, Kernel, KernelTable, TensorInfo, TensorMeta } from './backend/backend.js';
export { CpuBackend } from './backend/cpu/backend.js';
