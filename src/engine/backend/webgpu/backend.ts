/**
 * The WebGPU backend. Tensor data lives in storage buffers from a pool;
 * kernels encode compute dispatches into one shared command encoder that is
 * submitted when a read needs it, when `maxBatchedDispatches` is reached, or
 * when the JavaScript turn ends (a microtask), never once per op. Pipelines
 * are cached by a key each kernel builds from what its shader is
 * specialised on. Reads copy into a pooled staging buffer and map it.
 *
 * Errors: the device's uncaptured errors (out of memory, validation) and
 * device loss are recorded and surface as a `DeviceError` carrying the
 * adapter's message, at the next read (every pending read rejects on loss),
 * so nothing waits forever.
 *
 * @module
 */
/// <reference types="@webgpu/types" />
import { type DType, type TypedArray } from '../../dtype.js';
import { DeviceError, DTypeError } from '../../errors.js';
import type { Backend, BackendMemory, KernelTable, TensorInfo, TensorMeta } from '../backend.js';
import type { ElementwiseProgram } from '../kernel-ir.js';
import { BufferPool, type GpuData } from './pool.js';
import { acquireDevice, webgpuOptions, type WebGPUDeviceInfo } from './setup.js';
import { runElementwiseGpu } from './elementwise.js';
import { makeWebgpuKernels } from './kernels/index.js';

export type { GpuData } from './pool.js';

/** GPUBufferUsage / GPUMapMode bits (the globals do not exist in Node). @internal */
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_READ_MODE = 0x1;
const SHADER_STAGE_COMPUTE = 0x4;

/**
 * Scalar values for a kernel's uniform struct, in declaration order. WGSL
 * uniform structs align `vec4` arrays to 16 bytes: call `align16()` before
 * an `ivec4`/`fvec4` array.
 *
 * @internal
 */
export class Uniforms {
  private readonly words: number[] = [];
  private readonly kinds: number[] = [];
  /** Appends i32 values. */
  i32(...v: number[]): this {
    for (const x of v) this.push(x, 0);
    return this;
  }
  /** Appends u32 values. */
  u32(...v: number[]): this {
    for (const x of v) this.push(x, 1);
    return this;
  }
  /** Appends f32 values. */
  f32(...v: number[]): this {
    for (const x of v) this.push(x, 2);
    return this;
  }
  /** Pads with zero words to a 16-byte boundary. */
  align16(): this {
    while (this.words.length % 4 !== 0) this.push(0, 0);
    return this;
  }
  /** Appends `values` as an `array<vec4<i32>, ceil(count / 4)>` (16-byte aligned, zero-padded to `count`). */
  ivec4(values: readonly number[], count = values.length): this {
    this.align16();
    const n = Math.ceil(count / 4) * 4;
    for (let i = 0; i < n; i++) this.push(i < values.length ? values[i] : 0, 0);
    return this;
  }
  /** Number of 4-byte words so far. */
  get length(): number {
    return this.words.length;
  }
  /** Writes the words into `view` at `offset` (bytes). */
  writeTo(view: DataView, offset: number): void {
    for (let i = 0; i < this.words.length; i++) {
      const k = this.kinds[i];
      const o = offset + i * 4;
      if (k === 0) view.setInt32(o, this.words[i], true);
      else if (k === 1) view.setUint32(o, this.words[i] >>> 0, true);
      else view.setFloat32(o, this.words[i], true);
    }
  }
  private push(v: number, kind: number): void {
    this.words.push(v);
    this.kinds.push(kind);
  }
}

/**
 * One compute dispatch: storage buffers are bound in order (inputs
 * read-only at bindings 0.., then outputs read-write), then the uniform
 * struct, if any, at the next binding. Buffers are bound whole and are
 * rounded up to their size class, so shaders must take sizes from uniforms
 * or constants, never from `arrayLength`.
 *
 * @internal
 */
export interface DispatchSpec {
  /** Pipeline cache key: the kernel's name and everything the source is specialised on. */
  key: string;
  /** Builds the WGSL (entry point `main`); called once per key. */
  source: () => string;
  /** Read-only storage buffers. */
  inputs: readonly GpuData[];
  /** Read-write storage buffers. */
  outputs: readonly GpuData[];
  /** The uniform struct's values. */
  uniforms?: Uniforms;
  /** Workgroup counts (each at most 65535). */
  workgroups: readonly [number, number?, number?];
}

/**
 * The WebGPU backend's storage: live buffers (tensors and temporaries) and
 * the pool of freed ones kept for reuse.
 *
 * @example
 * ```ts
 * const m: WebGPUMemory = (getBackend('webgpu') as WebGPUBackend).memory();
 * console.log(m.numBuffers, m.pooledBytes, m.buffersReused);
 * ```
 */
export interface WebGPUMemory extends BackendMemory {
  /** Freed buffers kept for reuse. */
  pooledBuffers: number;
  /** Bytes in those buffers. */
  pooledBytes: number;
  /** Buffers created since the device started (flat in a steady loop). */
  buffersCreated: number;
  /** Allocations the pool served with a freed buffer. */
  buffersReused: number;
}

const UNIFORM_CHUNK = 64 * 1024;

interface UniformChunk {
  buffer: GPUBuffer;
  host: ArrayBuffer;
  used: number;
}

/** Elements of every dtype take 4 bytes on the GPU (bool as u32 0/1). */
function byteSize(size: number): number {
  return size * 4;
}

/**
 * The `webgpu` device: registered by default, created by
 * `await ready('webgpu')`.
 *
 * @example
 * ```ts
 * await ready('webgpu');
 * const y = withDevice('webgpu', () => tensor([1, 2, 3]).mul(2));
 * await y.data(); // Float32Array [2, 4, 6]
 * ```
 */
export class WebGPUBackend implements Backend<GpuData> {
  /** The kernel table. */
  readonly kernels: KernelTable<GpuData>;
  /** The device, once `ready()` resolved. @internal */
  device!: GPUDevice;
  /** The adapter in use. */
  info: WebGPUDeviceInfo | null = null;
  private pool!: BufferPool;
  private stagingPool!: BufferPool;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private pendingFree: GpuData[] = [];
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private chunks: UniformChunk[] = [];
  private chunkIndex = 0;
  private flushQueued = false;
  private lostMessage: string | null = null;
  private errors: string[] = [];
  private lostSignal!: Promise<never>;
  private minUniformAlign = 256;
  private maxBinding = 0;
  private readonly options = webgpuOptions();
  /** Live buffers and bytes handed out to tensors (and kernels' temporaries). */
  private live = { buffers: 0, bytes: 0 };
  /** Submits so far (for tests and the bench). */
  submits = 0;
  private status: GpuData | null = null;
  private statusStaging: GpuData | null = null;
  private readonly checks = new Map<number, (position: number, value: number) => Error>();
  private nextCheck = 1;

  /** @param name The device name tensors report. */
  constructor(readonly name: string = 'webgpu') {
    this.kernels = makeWebgpuKernels(this);
  }

  /** Requests the adapter and device (see `configureWebGPU`). */
  async ready(): Promise<void> {
    if (this.device) return;
    const { device, info } = await acquireDevice();
    this.device = device;
    this.info = info;
    this.minUniformAlign = device.limits.minUniformBufferOffsetAlignment;
    this.maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.pool = new BufferPool(device, USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST, () => this.options.poolBytes);
    this.stagingPool = new BufferPool(device, USAGE.MAP_READ | USAGE.COPY_DST, () => 64 * 1024 * 1024);
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      const kind = (e as { constructor?: { name?: string } }).constructor?.name ?? 'GPUError';
      this.errors.push(`${kind}: ${e.message}`);
    });
    this.lostSignal = device.lost.then((l) => {
      this.lostMessage = `${l.reason}: ${l.message}`;
      throw new DeviceError(`webgpu: the device was lost (${this.lostMessage})`);
    });
    this.lostSignal.catch(() => undefined);
  }

  /** float32, int32 and bool; float64 is CPU only. */
  supportsDType(dtype: DType): boolean {
    return dtype !== 'float64';
  }

  private assertUsable(op: string): void {
    if (!this.device) throw new DeviceError(`${op}: the WebGPU device is not ready; await ready('webgpu') first`);
    if (this.lostMessage !== null) throw new DeviceError(`${op}: the WebGPU device was lost (${this.lostMessage})`);
  }

  /** A new buffer for `size` elements (a kernel output or temporary). @internal */
  alloc(size: number, op = 'webgpu'): GpuData {
    this.assertUsable(op);
    const bytes = byteSize(size);
    if (bytes > this.maxBinding) {
      throw new DeviceError(`${op}: a tensor of ${size} elements (${bytes} bytes) exceeds this adapter's largest storage buffer binding (${this.maxBinding} bytes)`);
    }
    const d = this.pool.acquire(bytes);
    this.live.buffers++;
    this.live.bytes += d.bytes;
    return d;
  }

  /** Copies host values into a new buffer (bool bytes widen to u32). */
  upload(values: TypedArray, dtype: DType): GpuData {
    if (dtype === 'float64') throw new DTypeError(`upload: device '${this.name}' does not support dtype float64 (float64 is CPU only)`);
    const d = this.alloc(values.length, 'upload');
    if (values.length > 0) {
      const src = dtype === 'bool' ? Uint32Array.from(values as Uint8Array) : values;
      this.device.queue.writeBuffer(d.buffer, 0, src.buffer, src.byteOffset, src.byteLength);
    }
    return d;
  }

  /** Waits for pending work and copies the values to the host. */
  async read(data: GpuData, dtype: DType, size: number): Promise<TypedArray> {
    this.assertUsable('read');
    this.throwPendingErrors('read');
    const bytes = byteSize(size);
    const checks = this.queueStatusCopy();
    if (size === 0) {
      // Nothing to copy, but a check queued before (an empty gather with a bad index) still reports here.
      this.flush();
      await this.reportStatus(checks);
      return dtype === 'int32' ? new Int32Array(0) : dtype === 'bool' ? new Uint8Array(0) : new Float32Array(0);
    }
    const staging = this.stagingPool.acquire(bytes);
    this.endPass();
    this.ensureEncoder().copyBufferToBuffer(data.buffer, 0, staging.buffer, 0, bytes);
    this.flush();
    try {
      await Promise.race([staging.buffer.mapAsync(MAP_READ_MODE, 0, bytes), this.lostSignal]);
    } catch (e) {
      if (e instanceof DeviceError) throw e;
      this.throwPendingErrors('read');
      throw new DeviceError(`read: mapping the result failed: ${(e as Error).message}`);
    }
    const copy = staging.buffer.getMappedRange(0, bytes).slice(0);
    staging.buffer.unmap();
    this.stagingPool.release(staging);
    this.throwPendingErrors('read');
    await this.reportStatus(checks);
    if (dtype === 'int32') return new Int32Array(copy);
    if (dtype === 'bool') return Uint8Array.from(new Uint32Array(copy));
    return new Float32Array(copy);
  }

  /**
   * Registers a data check a kernel runs on the GPU (an index in range, say).
   * The shader binds `status` as an extra output declared
   * `array<atomic<u32>>` and, on failure, runs
   * `if (atomicCompareExchangeWeak(&status[0], 0u, CODE).exchanged) { atomicStore(&status[1], position); atomicStore(&status[2], bitcast<u32>(value)); }`
   * with `CODE` the returned code (pass it as a uniform). The next read
   * rejects with `describe(position, value)` (value as i32), as CUDA reports
   * a device-side assert at the next synchronisation.
   *
   * @internal
   */
  deferredCheck(describe: (position: number, value: number) => Error): { status: GpuData; code: number } {
    this.assertUsable('deferredCheck');
    if (!this.status) {
      this.status = this.pool.acquire(16);
      this.statusStaging = this.stagingPool.acquire(16);
      this.clear(this.status);
    }
    const code = this.nextCheck;
    this.nextCheck = this.nextCheck >= 0x7fffffff ? 1 : this.nextCheck + 1;
    this.checks.set(code, describe);
    if (this.checks.size > 4096) this.checks.delete(this.checks.keys().next().value as number);
    return { status: this.status, code };
  }

  /**
   * When checks are pending, encodes a copy of the status words next to the
   * work being flushed (same submit, no extra round trip) and returns the
   * codes that copy covers.
   */
  private queueStatusCopy(): number[] | null {
    if (!this.status || !this.statusStaging || this.checks.size === 0) return null;
    // A concurrent read already has the staging buffer; it reports for both.
    if (this.statusStaging.buffer.mapState !== 'unmapped') return null;
    this.copy(this.status, 0, this.statusStaging, 0, 16);
    return [...this.checks.keys()];
  }

  /** Reads the status copied by `queueStatusCopy`: throws the first failed check, forgets the ones that passed. */
  private async reportStatus(codes: number[] | null): Promise<void> {
    if (!codes || !this.statusStaging) return;
    const staging = this.statusStaging.buffer;
    await Promise.race([staging.mapAsync(MAP_READ_MODE, 0, 16), this.lostSignal]);
    const [code, position, value] = new Uint32Array(staging.getMappedRange(0, 16).slice(0));
    staging.unmap();
    // Every check in `codes` ran before the copy; the ones queued since stay pending.
    for (const c of codes) if (c !== code) this.checks.delete(c);
    if (code === 0) return;
    const describe = this.checks.get(code);
    this.checks.delete(code);
    if (this.status) this.clear(this.status);
    throw describe ? describe(position, value | 0) : new DeviceError('webgpu: a kernel reported invalid data (an index out of range) in work queued long ago');
  }

  private throwPendingErrors(op: string): void {
    if (this.errors.length === 0) return;
    // Follow-up errors ("... is invalid due to a previous error") add nothing to the first one.
    const roots = this.errors.filter((m) => !/invalid due to a previous error/.test(m));
    const msg = (roots.length > 0 ? roots : this.errors.slice(0, 1)).join('; ');
    this.errors = [];
    throw new DeviceError(`${op}: the WebGPU device reported an error: ${msg}`);
  }

  /** Returns the buffer to the pool once the work using it is submitted. */
  free(data: GpuData): void {
    if (!this.device || this.lostMessage !== null) return;
    this.live.buffers--;
    this.live.bytes -= data.bytes;
    if (this.encoder) this.pendingFree.push(data);
    else this.pool.release(data);
  }

  /** Runs a generated elementwise shader with broadcasting by strides. */
  elementwise(program: ElementwiseProgram, inputs: readonly TensorInfo<GpuData>[], params: Readonly<Record<string, number>>, output: TensorMeta): GpuData {
    return runElementwiseGpu(this, program, inputs, params, output);
  }

  /** Live and pooled storage. */
  memory(): WebGPUMemory {
    return {
      numBuffers: this.live.buffers,
      numBytes: this.live.bytes,
      pooledBuffers: this.pool?.pooledBuffers ?? 0,
      pooledBytes: this.pool?.pooledBytes ?? 0,
      buffersCreated: this.pool?.created ?? 0,
      buffersReused: this.pool?.reused ?? 0,
    };
  }

  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder();
      if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(() => {
          this.flushQueued = false;
          this.flush();
        });
      }
    }
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  private layout(inputs: number, outputs: number, uniform: boolean): GPUBindGroupLayout {
    const key = `${inputs}/${outputs}/${uniform ? 1 : 0}`;
    let l = this.layouts.get(key);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      let binding = 0;
      for (let i = 0; i < inputs; i++) entries.push({ binding: binding++, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'read-only-storage' } });
      for (let i = 0; i < outputs; i++) entries.push({ binding: binding++, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'storage' } });
      if (uniform) entries.push({ binding: binding++, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform' } });
      l = this.device.createBindGroupLayout({ entries });
      this.layouts.set(key, l);
    }
    return l;
  }

  private pipeline(spec: DispatchSpec, layout: GPUBindGroupLayout): GPUComputePipeline {
    let p = this.pipelines.get(spec.key);
    if (!p) {
      const module = this.device.createShaderModule({ code: spec.source(), label: spec.key });
      p = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
        label: spec.key,
      });
      this.pipelines.set(spec.key, p);
    }
    return p;
  }

  private uniformSlot(u: Uniforms): { buffer: GPUBuffer; offset: number; size: number } {
    const size = Math.max(16, Math.ceil((u.length * 4) / 16) * 16);
    let chunk = this.chunks[this.chunkIndex];
    if (chunk && chunk.used + size > UNIFORM_CHUNK) {
      this.chunkIndex++;
      chunk = this.chunks[this.chunkIndex];
    }
    if (!chunk) {
      chunk = {
        buffer: this.device.createBuffer({ size: UNIFORM_CHUNK, usage: USAGE.UNIFORM | USAGE.COPY_DST }),
        host: new ArrayBuffer(UNIFORM_CHUNK),
        used: 0,
      };
      this.chunks[this.chunkIndex] = chunk;
    }
    const offset = chunk.used;
    u.writeTo(new DataView(chunk.host), offset);
    chunk.used = Math.ceil((offset + size) / this.minUniformAlign) * this.minUniformAlign;
    return { buffer: chunk.buffer, offset, size };
  }

  /** Encodes one compute dispatch into the shared encoder. @internal */
  dispatch(spec: DispatchSpec): void {
    this.assertUsable(spec.key);
    const [x, y = 1, z = 1] = spec.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const maxGroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxGroups || y > maxGroups || z > maxGroups) {
      throw new DeviceError(`${spec.key}: dispatch of [${x}, ${y}, ${z}] workgroups exceeds the adapter's ${maxGroups} per dimension (a bug in laminar)`);
    }
    const layout = this.layout(spec.inputs.length, spec.outputs.length, spec.uniforms !== undefined);
    const pipeline = this.pipeline(spec, layout);
    const entries: GPUBindGroupEntry[] = [];
    let binding = 0;
    for (const d of spec.inputs) entries.push({ binding: binding++, resource: { buffer: d.buffer } });
    for (const d of spec.outputs) entries.push({ binding: binding++, resource: { buffer: d.buffer } });
    if (spec.uniforms) {
      const slot = this.uniformSlot(spec.uniforms);
      entries.push({ binding: binding++, resource: { buffer: slot.buffer, offset: slot.offset, size: slot.size } });
    }
    const encoder = this.ensureEncoder();
    if (!this.pass) this.pass = encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, this.device.createBindGroup({ layout, entries }));
    this.pass.dispatchWorkgroups(x, y, z);
    if (++this.dispatches >= this.options.maxBatchedDispatches) this.flush();
  }

  /** Copies `bytes` bytes between buffers in the shared encoder. @internal */
  copy(src: GpuData, srcOffset: number, dst: GpuData, dstOffset: number, bytes: number): void {
    this.assertUsable('copy');
    if (bytes === 0) return;
    this.endPass();
    this.ensureEncoder().copyBufferToBuffer(src.buffer, srcOffset, dst.buffer, dstOffset, bytes);
  }

  /** Zero-fills a buffer in the shared encoder. @internal */
  clear(d: GpuData): void {
    this.assertUsable('clear');
    this.endPass();
    this.ensureEncoder().clearBuffer(d.buffer);
  }

  /** Submits the queued work. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    for (let i = 0; i <= this.chunkIndex && i < this.chunks.length; i++) {
      const c = this.chunks[i];
      if (c.used > 0) this.device.queue.writeBuffer(c.buffer, 0, c.host, 0, c.used);
      c.used = 0;
    }
    this.chunkIndex = 0;
    this.device.queue.submit([this.encoder.finish()]);
    this.submits++;
    this.encoder = null;
    this.dispatches = 0;
    for (const d of this.pendingFree) this.pool.release(d);
    this.pendingFree = [];
  }

  /** Resolves when every submitted command has run. */
  async sync(): Promise<void> {
    this.assertUsable('sync');
    const checks = this.queueStatusCopy();
    this.flush();
    await Promise.race([this.device.queue.onSubmittedWorkDone(), this.lostSignal]);
    this.throwPendingErrors('sync');
    await this.reportStatus(checks);
  }

  /** Destroys the device (tests of device loss; process exit). @internal */
  destroy(): void {
    this.device?.destroy();
  }
}
