/**
 * The buffer pool: freed storage buffers are kept by size class and handed
 * out again, so a training loop allocates no new GPU memory after its first
 * step. Classes are powers of two with four steps each (waste at most 25%).
 *
 * @internal
 * @module
 */
/// <reference types="@webgpu/types" />

/**
 * The data handle of a tensor on a WebGPU device: a storage buffer from the
 * pool. Kernels see it as `TensorInfo.data`; tensors never touch it.
 *
 * @example
 * ```ts
 * const h = getBackend('webgpu').upload(new Float32Array([1, 2]), 'float32') as GpuData;
 * h.bytes; // 16 (the smallest size class)
 * ```
 */
export interface GpuData {
  /** The buffer (its size is the class size, at least 16 bytes). */
  readonly buffer: GPUBuffer;
  /** The class size in bytes. */
  readonly bytes: number;
}

/** Rounds a byte count up to its size class. @internal */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return Math.max(16, Math.ceil(bytes / 16) * 16);
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = p / 4;
  return Math.ceil(bytes / step) * step;
}

/** Free buffers by size class, with a byte cap; the rest are destroyed. @internal */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** Bytes held in the pool (not in use). */
  pooledBytes = 0;
  /** Buffers held in the pool. */
  pooledBuffers = 0;
  /** Buffers created over the pool's life. */
  created = 0;
  /** Buffers handed out again. */
  reused = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    private readonly capBytes: () => number,
  ) {}

  /** A buffer of at least `bytes` bytes. */
  acquire(bytes: number): GpuData {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    const buffer = list?.pop();
    if (buffer) {
      this.pooledBytes -= size;
      this.pooledBuffers--;
      this.reused++;
      return { buffer, bytes: size };
    }
    this.created++;
    return { buffer: this.device.createBuffer({ size, usage: this.usage }), bytes: size };
  }

  /** Takes a buffer back (its pending uses must be submitted already). */
  release(data: GpuData): void {
    if (this.pooledBytes + data.bytes > this.capBytes()) {
      data.buffer.destroy();
      return;
    }
    let list = this.free.get(data.bytes);
    if (!list) {
      list = [];
      this.free.set(data.bytes, list);
    }
    list.push(data.buffer);
    this.pooledBytes += data.bytes;
    this.pooledBuffers++;
  }

  /** Destroys every pooled buffer. */
  drain(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooledBytes = 0;
    this.pooledBuffers = 0;
  }
}
