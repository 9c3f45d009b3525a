/**
 * Live-tensor and live-byte accounting per device, and the finalizer that
 * reclaims storage of tensors that were garbage-collected without
 * `dispose()`.
 *
 * @internal
 * @module
 */
import { bytesPerElement, type DType } from '../dtype.js';
import type { Backend } from '../backend/backend.js';

interface DeviceCounts {
  numTensors: number;
  numBytes: number;
  numStorages: number;
}

const counts = new Map<string, DeviceCounts>();
let reclaimed = 0;

function countsFor(device: string): DeviceCounts {
  let c = counts.get(device);
  if (!c) {
    c = { numTensors: 0, numBytes: 0, numStorages: 0 };
    counts.set(device, c);
  }
  return c;
}

/**
 * A reference-counted piece of backend storage. Tensors that share data
 * (reshape, a variable and the value assigned to it) share one Storage; the
 * backend frees it when the last reference goes.
 * @internal
 */
export class Storage {
  /** References held by tensors. */
  refs = 1;
  /** Bytes of the data. */
  readonly bytes: number;
  constructor(
    readonly backend: Backend,
    readonly data: unknown,
    readonly dtype: DType,
    readonly size: number,
  ) {
    this.bytes = size * bytesPerElement(dtype);
    const c = countsFor(backend.name);
    c.numBytes += this.bytes;
    c.numStorages++;
  }
  /** Adds a reference. */
  retain(): void {
    this.refs++;
  }
  /** Drops a reference, freeing the backend data at zero. */
  release(): void {
    if (--this.refs === 0) {
      const c = countsFor(this.backend.name);
      c.numBytes -= this.bytes;
      c.numStorages--;
      this.backend.free(this.data, this.dtype, this.size);
    }
  }
}

/** What the finalizer needs: the storage a collected tensor still held. @internal */
export interface FinalizerRef {
  storage: Storage;
}

const registry = new FinalizationRegistry<FinalizerRef>((ref) => {
  reclaimed++;
  countsFor(ref.storage.backend.name).numTensors--;
  ref.storage.release();
});

/** Counts a new tensor handle. @internal */
export function trackTensor(ref: FinalizerRef): void {
  countsFor(ref.storage.backend.name).numTensors++;
}

/**
 * Arms the finalizer for a tensor no scope owns. Scope-owned tensors are
 * held (and later disposed) by their scope, so the finalizer could never
 * fire for them; arming only the others keeps the per-op cost down.
 * @internal
 */
export function armFinalizer(owner: object, ref: FinalizerRef): void {
  registry.register(owner, ref, owner);
}

/** Counts a disposed tensor handle and disarms its finalizer if armed. @internal */
export function untrackTensor(owner: object, ref: FinalizerRef, armed: boolean): void {
  countsFor(ref.storage.backend.name).numTensors--;
  if (armed) registry.unregister(owner);
}

/**
 * Live tensors and bytes on one device.
 *
 * @example
 * ```ts
 * const { numTensors, numBytes } = memory().byDevice.cpu;
 * ```
 */
export interface DeviceMemoryInfo {
  /** Live tensor handles (variables included). */
  numTensors: number;
  /** Bytes of live storage (shared storage counted once). */
  numBytes: number;
  /** Live storage buffers (several tensors may share one). */
  numDataBuffers: number;
}

/**
 * The result of {@link memory}.
 *
 * @example
 * ```ts
 * const info: MemoryInfo = memory();
 * console.log(info.numTensors, info.numBytes, info.byDevice);
 * ```
 */
export interface MemoryInfo {
  /** Live tensor handles on every device. */
  numTensors: number;
  /** Bytes of live storage on every device. */
  numBytes: number;
  /** Live storage buffers on every device. */
  numDataBuffers: number;
  /** The same figures per device. */
  byDevice: Record<string, DeviceMemoryInfo>;
  /**
   * Tensors whose storage the finalizer reclaimed because they were
   * garbage-collected without `dispose()`: a leak report. A steady training
   * loop should keep this at 0.
   */
  reclaimedByFinalizer: number;
}

/**
 * Live tensors and bytes, in total and per device. A test can call it
 * before and after a training loop to assert that nothing leaks.
 *
 * @example
 * ```ts
 * const before = memory().numTensors;
 * tidy(() => ones([10]).add(1));
 * memory().numTensors === before; // true
 * ```
 */
export function memory(): MemoryInfo {
  const byDevice: Record<string, DeviceMemoryInfo> = {};
  let numTensors = 0;
  let numBytes = 0;
  let numDataBuffers = 0;
  for (const [device, c] of counts) {
    byDevice[device] = { numTensors: c.numTensors, numBytes: c.numBytes, numDataBuffers: c.numStorages };
    numTensors += c.numTensors;
    numBytes += c.numBytes;
    numDataBuffers += c.numStorages;
  }
  return { numTensors, numBytes, numDataBuffers, byDevice, reclaimedByFinalizer: reclaimed };
}
