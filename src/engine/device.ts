/**
 * Devices: the backend registry, the default device, and scoped overrides.
 * Every tensor knows its device; ops run where their inputs are; ops without
 * tensor inputs (creation, random) run on the default device.
 *
 * @module
 */
import type { Backend } from './backend/backend.js';
import { DeviceError, ValueError } from './errors.js';
import { createAsyncContext } from './async-context.js';
import { CpuBackend } from './backend/cpu/backend.js';
import { WebGPUBackend } from './backend/webgpu/backend.js';
import type { WebGPUDeviceInfo } from './backend/webgpu/setup.js';

/**
 * Makes a backend; async when the device must be requested (WebGPU).
 *
 * @example
 * ```ts
 * const factory: BackendFactory = () => new CpuBackend('cpu2');
 * ```
 */
export type BackendFactory = () => Backend | Promise<Backend>;

const factories = new Map<string, BackendFactory>();
const instances = new Map<string, Backend>();
const pending = new Map<string, Promise<Backend>>();
let defaultDevice = 'cpu';

/**
 * Registers a backend under a device name. The factory runs on first use;
 * an async factory (WebGPU must request an adapter) makes the device usable
 * once `await ready(name)` resolves.
 *
 * @example
 * ```ts
 * registerBackend('cpu2', () => new CpuBackend('cpu2'));
 * ```
 */
export function registerBackend(name: string, factory: BackendFactory): void {
  if (typeof name !== 'string' || name.length === 0) throw new ValueError(`registerBackend: expected a non-empty device name, got ${JSON.stringify(name)}`);
  factories.set(name, factory);
  instances.delete(name);
  pending.delete(name);
}

/**
 * The names of the registered devices.
 *
 * @example
 * ```ts
 * listDevices(); // ['cpu']
 * ```
 */
export function listDevices(): string[] {
  return [...factories.keys()];
}

function unknown(op: string, name: string): DeviceError {
  return new DeviceError(`${op}: unknown device '${name}'; registered devices: ${listDevices().join(', ')}`);
}

/**
 * Resolves when the device (the default one without an argument) can run
 * work; rejects with a `DeviceError` when it cannot be created.
 *
 * @example
 * ```ts
 * await ready();           // the default device
 * await ready('webgpu');   // after the WebGPU backend is registered
 * ```
 */
export async function ready(name: string = defaultDevice): Promise<void> {
  if (instances.has(name)) return;
  const factory = factories.get(name);
  if (!factory) throw unknown('ready', name);
  let p = pending.get(name);
  if (!p) {
    p = Promise.resolve()
      .then(factory)
      .then(async (b) => {
        await b.ready();
        instances.set(name, b);
        return b;
      });
    pending.set(name, p);
    p.catch(() => pending.delete(name));
  }
  try {
    await p;
  } catch (e) {
    if (e instanceof DeviceError) throw e;
    throw new DeviceError(`ready: device '${name}' could not be created: ${(e as Error)?.message ?? String(e)}`);
  }
}

/**
 * The backend of a device, created synchronously when its factory is
 * synchronous. Async devices must be awaited with `ready(name)` first.
 *
 * @example
 * ```ts
 * const cpu = getBackend('cpu');
 * ```
 */
export function getBackend(name: string = currentDevice()): Backend {
  const b = instances.get(name);
  if (b) return b;
  const factory = factories.get(name);
  if (!factory) throw unknown('getBackend', name);
  const made = factory();
  if (made instanceof Promise) {
    void ready(name).catch(() => undefined);
    throw new DeviceError(`getBackend: device '${name}' is still starting; call 'await ready(\"${name}\")' before using it`);
  }
  instances.set(name, made);
  return made;
}

// Follows async code like memory scopes do, so concurrent withDevice calls do not see each other's device.
const override = createAsyncContext<string>();

function currentDevice(): string {
  return override.get() ?? defaultDevice;
}

/**
 * Sets the default device for ops without tensor inputs (creation, random).
 *
 * @example
 * ```ts
 * setDevice('cpu');
 * ```
 */
export function setDevice(name: string): void {
  if (!factories.has(name)) throw unknown('setDevice', name);
  defaultDevice = name;
}

/**
 * The device new tensors are created on.
 *
 * @example
 * ```ts
 * getDevice(); // 'cpu'
 * ```
 */
export function getDevice(): string {
  return currentDevice();
}

/**
 * Runs `fn` with `name` as the default device. For an async `fn` the
 * device holds across `await` (in Node.js, also when several such calls run
 * concurrently).
 *
 * @example
 * ```ts
 * const t = withDevice('cpu', () => ones([2]));
 * t.device; // 'cpu'
 * ```
 */
export function withDevice<R>(name: string, fn: () => R): R {
  if (!factories.has(name)) throw unknown('withDevice', name);
  return override.run(name, fn);
}

/**
 * Which adapter a WebGPU device runs on (backend, feature level, vendor,
 * device name, whether it is a software rasterizer, limits), or `null`
 * while the device has not been created (`await ready('webgpu')` creates
 * it) or when `name` is not a WebGPU device.
 *
 * @example
 * ```ts
 * await ready('webgpu');
 * console.log(getDeviceInfo()?.description); // e.g. 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6'
 * ```
 */
export function getDeviceInfo(name = 'webgpu'): WebGPUDeviceInfo | null {
  const b = instances.get(name);
  return b instanceof WebGPUBackend ? b.info : null;
}

registerBackend('cpu', () => new CpuBackend('cpu'));
registerBackend('webgpu', async () => {
  const b = new WebGPUBackend('webgpu');
  await b.ready();
  return b;
});
