/**
 * WebGPU adapter and device setup, in Node.js (the `webgpu` package, Dawn)
 * and in browsers (`navigator.gpu`). The choice of backend is automatic: the
 * platform's default backend at the core feature level first, then Mesa's
 * software OpenGL at the compatibility level (what runs on a machine without
 * a GPU). An option or the `LAMINAR_WEBGPU_BACKEND` /
 * `LAMINAR_WEBGPU_FEATURE_LEVEL` environment variables override it.
 *
 * @module
 */
/// <reference types="@webgpu/types" />
import { DeviceError, ValueError } from '../../errors.js';

/**
 * Which adapter to ask for. `'auto'` tries the platform default (Vulkan,
 * Metal or D3D12) and then the OpenGL software fallback; the other names are
 * Dawn's backend names (Node only; a browser picks its own backend).
 *
 * @example
 * ```ts
 * configureWebGPU({ backend: 'opengl', featureLevel: 'compatibility' });
 * ```
 */
export type WebGPUBackendChoice = 'auto' | 'default' | 'vulkan' | 'metal' | 'd3d12' | 'opengl' | 'opengles';

/**
 * Options for the WebGPU device; set them with {@link configureWebGPU}
 * before the device is first used.
 *
 * @example
 * ```ts
 * const options: WebGPUOptions = { backend: 'auto', powerPreference: 'high-performance' };
 * ```
 */
export interface WebGPUOptions {
  /** Adapter backend (default `'auto'`, or `LAMINAR_WEBGPU_BACKEND`). */
  backend?: WebGPUBackendChoice;
  /** Feature level (default: `'core'` for a hardware backend, `'compatibility'` for OpenGL; or `LAMINAR_WEBGPU_FEATURE_LEVEL`). */
  featureLevel?: 'core' | 'compatibility';
  /** Passed to `requestAdapter`. */
  powerPreference?: 'high-performance' | 'low-power';
  /** Submit queued work after this many dispatches even without a read (default 256). */
  maxBatchedDispatches?: number;
  /** Bytes of freed buffers the pool keeps for reuse before it destroys them (default 512 MiB). */
  poolBytes?: number;
}

/**
 * The adapter in use, as {@link getDeviceInfo} reports it.
 *
 * @example
 * ```ts
 * const info: WebGPUDeviceInfo | null = getDeviceInfo();
 * console.log(info?.description);
 * ```
 */
export interface WebGPUDeviceInfo {
  /** The backend that produced the adapter (`'default'`, `'opengl'`, ...; `'browser'` in a browser). */
  backend: string;
  /** The feature level the device was created at. */
  featureLevel: 'core' | 'compatibility';
  /** The adapter's vendor (may be empty). */
  vendor: string;
  /** The adapter's architecture (may be empty). */
  architecture: string;
  /** The adapter's device name (e.g. `llvmpipe ...` for Mesa's software rasterizer). */
  device: string;
  /** The adapter's description (e.g. `OpenGL version 4.5 (Core Profile) Mesa ...`). */
  description: string;
  /** Whether it is a software adapter (a fallback adapter, or Mesa's llvmpipe/lavapipe). */
  software: boolean;
  /** The device limits laminar relies on. */
  limits: {
    /** Largest buffer, in bytes. */
    maxBufferSize: number;
    /** Largest storage binding, in bytes: the largest tensor is a quarter of it in elements. */
    maxStorageBufferBindingSize: number;
    /** Workgroup memory per workgroup, in bytes (tiles of matmul and conv live there). */
    maxComputeWorkgroupStorageSize: number;
    /** Threads per workgroup. */
    maxComputeInvocationsPerWorkgroup: number;
    /** Storage buffers one shader may bind. */
    maxStorageBuffersPerShaderStage: number;
  };
}

let options: WebGPUOptions = {};

/**
 * Sets the options of the WebGPU device. Takes effect when the device is
 * created (the first `await ready('webgpu')`); calling it afterwards raises
 * a `DeviceError`.
 *
 * @example
 * ```ts
 * configureWebGPU({ backend: 'opengl' });
 * await ready('webgpu');
 * ```
 */
export function configureWebGPU(next: WebGPUOptions): void {
  if (started) throw new DeviceError('configureWebGPU: the WebGPU device already exists; configure it before the first ready(\'webgpu\')');
  const allowed = ['auto', 'default', 'vulkan', 'metal', 'd3d12', 'opengl', 'opengles'];
  if (next.backend !== undefined && !allowed.includes(next.backend)) {
    throw new ValueError(`configureWebGPU: expected backend to be one of ${allowed.join(', ')}, got ${JSON.stringify(next.backend)}`);
  }
  if (next.featureLevel !== undefined && next.featureLevel !== 'core' && next.featureLevel !== 'compatibility') {
    throw new ValueError(`configureWebGPU: expected featureLevel 'core' or 'compatibility', got ${JSON.stringify(next.featureLevel)}`);
  }
  for (const k of ['maxBatchedDispatches', 'poolBytes'] as const) {
    const v = next[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= (k === 'poolBytes' ? 0 : 1))) {
      throw new ValueError(`configureWebGPU: expected ${k} to be a ${k === 'poolBytes' ? 'non-negative' : 'positive'} integer, got ${v}`);
    }
  }
  options = { ...next };
}

let started = false;

/** The current options, environment applied. @internal */
export function webgpuOptions(): Required<Pick<WebGPUOptions, 'maxBatchedDispatches' | 'poolBytes'>> & WebGPUOptions {
  return { maxBatchedDispatches: 256, poolBytes: 512 * 1024 * 1024, ...options };
}

/** A device and what was learned while acquiring it. @internal */
export interface AcquiredDevice {
  device: GPUDevice;
  info: WebGPUDeviceInfo;
}

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.[name];
  return v === undefined || v === '' ? undefined : v;
}

interface Attempt {
  backend: string;
  featureLevel: 'core' | 'compatibility';
}

function attempts(): Attempt[] {
  const backend = (options.backend ?? (env('LAMINAR_WEBGPU_BACKEND') as WebGPUBackendChoice | undefined) ?? 'auto').toLowerCase();
  const level = options.featureLevel ?? (env('LAMINAR_WEBGPU_FEATURE_LEVEL') as 'core' | 'compatibility' | undefined);
  if (level !== undefined && level !== 'core' && level !== 'compatibility') {
    throw new DeviceError(`webgpu: LAMINAR_WEBGPU_FEATURE_LEVEL must be 'core' or 'compatibility', got '${level}'`);
  }
  const soft = (b: string) => b === 'opengl' || b === 'opengles';
  if (backend === 'auto') {
    return [
      { backend: 'default', featureLevel: level ?? 'core' },
      { backend: 'opengl', featureLevel: level ?? 'compatibility' },
      { backend: 'opengles', featureLevel: level ?? 'compatibility' },
    ];
  }
  if (!['default', 'vulkan', 'metal', 'd3d12', 'opengl', 'opengles'].includes(backend)) {
    throw new DeviceError(`webgpu: LAMINAR_WEBGPU_BACKEND must be auto, default, vulkan, metal, d3d12, opengl or opengles, got '${backend}'`);
  }
  return [{ backend, featureLevel: level ?? (soft(backend) ? 'compatibility' : 'core') }];
}

type CreateGPU = (flags: string[]) => GPU;

// Dawn's Node binding aborts the process (std::system_error) when a GPU
// instance is garbage-collected, so every instance made here lives as long as
// the process.
const keepAlive: unknown[] = [];

async function nodeCreate(): Promise<CreateGPU> {
  const p = (globalThis as { process?: { versions?: { node?: string }; env: Record<string, string | undefined> } }).process;
  if (!p?.versions?.node) throw new DeviceError('webgpu: this environment has no navigator.gpu (use a browser with WebGPU, or Node.js with the webgpu package)');
  // Mesa's EGL needs a platform without a display server; harmless on a real GPU.
  p.env.EGL_PLATFORM ??= 'surfaceless';
  const specifier = 'webgpu';
  try {
    const mod = (await import(/* @vite-ignore */ specifier)) as { create: CreateGPU };
    return mod.create;
  } catch (e) {
    throw new DeviceError(`webgpu: the 'webgpu' package could not be loaded (npm install webgpu): ${(e as Error).message}`);
  }
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe|software/i;

/** Finds an adapter and creates the device; throws a DeviceError that lists every attempt. @internal */
export async function acquireDevice(): Promise<AcquiredDevice> {
  started = true;
  const navGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const tried: string[] = [];
  const list = attempts();
  let create: CreateGPU | undefined;
  for (const a of list) {
    let gpu: GPU;
    if (navGpu && (a.backend === 'default' || list.length === 1)) gpu = navGpu;
    else if (navGpu) continue;
    else {
      create ??= await nodeCreate();
      gpu = create(a.backend === 'default' ? [] : [`backend=${a.backend}`]);
      keepAlive.push(gpu);
    }
    let adapter: GPUAdapter | null = null;
    try {
      adapter = await gpu.requestAdapter({
        powerPreference: options.powerPreference,
        ...(a.featureLevel === 'compatibility' ? { featureLevel: 'compatibility' } : {}),
      } as GPURequestAdapterOptions);
    } catch (e) {
      tried.push(`${a.backend}/${a.featureLevel}: ${(e as Error).message}`);
      continue;
    }
    keepAlive.push(adapter);
    if (!adapter) {
      tried.push(`${a.backend}/${a.featureLevel}: no adapter`);
      continue;
    }
    const lim = adapter.limits;
    const want = {
      maxBufferSize: lim.maxBufferSize,
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: lim.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: lim.maxComputeWorkgroupSizeY,
      maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
    };
    let device: GPUDevice;
    try {
      device = await adapter.requestDevice({ requiredLimits: want });
    } catch (e) {
      tried.push(`${a.backend}/${a.featureLevel}: requestDevice failed: ${(e as Error).message}`);
      continue;
    }
    const ai = adapter.info;
    const text = `${ai?.vendor ?? ''} ${ai?.architecture ?? ''} ${ai?.device ?? ''} ${ai?.description ?? ''}`;
    const info: WebGPUDeviceInfo = {
      backend: navGpu ? 'browser' : a.backend,
      featureLevel: a.featureLevel,
      vendor: ai?.vendor ?? '',
      architecture: ai?.architecture ?? '',
      device: ai?.device ?? '',
      description: ai?.description ?? '',
      software: Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) || SOFTWARE.test(text),
      limits: {
        maxBufferSize: device.limits.maxBufferSize,
        maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
        maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
      },
    };
    return { device, info };
  }
  throw new DeviceError(
    `webgpu: no adapter could be created (${tried.join('; ')}). Without a GPU on Debian/Ubuntu: apt-get install mesa-vulkan-drivers libegl1 libegl-mesa0 libgles2`,
  );
}

/** The hint printed when WebGPU tests skip. @internal */
export const ENABLE_HINT =
  'install Mesa (apt-get install -y --no-install-recommends mesa-vulkan-drivers libegl1 libegl-mesa0 libgles2) and the webgpu package (npm install), or run on a machine with a GPU';
