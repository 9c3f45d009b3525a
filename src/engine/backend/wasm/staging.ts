/**
 * Placing a kernel call's arrays on the wasm heap: shared by the conv and
 * pooling drivers.
 *
 * @internal
 * @module
 */
import type { WasmRuntime } from './runtime.js';

/** Thrown inside a kernel driver when the heap cannot hold a temporary: the caller falls back to TypeScript. @internal */
export class HeapFull extends Error {}

/**
 * Heap addresses of a call's arrays: arrays on the heap are used in place,
 * others are copied into temporary blocks (all allocated before any view is
 * made, since growing a non-shared memory detaches views). Temporaries are
 * freed by `release`, outputs copied back by `copyOut`.
 * @internal
 */
export class Staging {
  private readonly temps: [number, number][] = [];
  private readonly outs: [Float32Array, number][] = [];
  constructor(private readonly rt: WasmRuntime) {}

  /** A temporary block of `bytes` bytes; throws {@link HeapFull}. */
  temp(bytes: number): number {
    const addr = this.rt.heap.alloc(bytes);
    if (addr < 0) throw new HeapFull();
    this.temps.push([addr, bytes]);
    return addr;
  }

  /** Addresses of `arrays`: in place when on the heap, else temporaries (inputs copied in, outputs copied out by `copyOut`). */
  place(arrays: readonly [Float32Array, 'in' | 'out'][]): number[] {
    const heap = this.rt.heap;
    const addrs = arrays.map(([arr]) => (heap.owns(arr) ? arr.byteOffset : this.temp(arr.byteLength)));
    arrays.forEach(([arr, kind], i) => {
      if (heap.owns(arr)) return;
      if (kind === 'in') heap.f32(addrs[i], arr.length).set(arr);
      else this.outs.push([arr, addrs[i]]);
    });
    return addrs;
  }

  /** Copies outputs that live off the heap back to their arrays. */
  copyOut(): void {
    for (const [arr, addr] of this.outs) arr.set(this.rt.heap.f32(addr, arr.length));
  }

  /** Frees the temporaries. */
  release(): void {
    for (const [addr, bytes] of this.temps) this.rt.heap.free(addr, bytes);
    this.temps.length = 0;
  }
}
