/**
 * The wasm heap: one `WebAssembly.Memory` that holds float32 CPU tensors,
 * so wasm kernels read and write tensor data in place (no copy per op),
 * and worker threads see the same bytes.
 *
 * The allocator lives in JS. Blocks are 64-byte aligned (a cache line, and
 * any SIMD access) and rounded to size classes (powers of two with four
 * steps, at most 25% waste); freed blocks go on a per-class free list and
 * are reused first, so a steady training loop stops growing the memory
 * after its first step.
 *
 * The first {@link RESERVED_BYTES} bytes are not handed out: the thread
 * pool's control words and a small stack for kernel argument blocks live
 * there.
 *
 * With a shared memory, growing it never detaches earlier views (the old
 * `SharedArrayBuffer` objects stay valid for their length), so tensors can
 * keep their typed arrays for life. A non-shared memory detaches them, so
 * the runtime only puts tensors on a heap that is shared.
 *
 * @internal
 * @module
 */

/** Bytes at the bottom of the memory reserved for the runtime. @internal */
export const RESERVED_BYTES = 65536;
/** Start of the argument stack inside the reserved area. @internal */
export const ARGS_BASE = 4096;
const PAGE = 65536;
const ALIGN = 64;

/** Rounds a byte count to its block size class. @internal */
export function blockClass(bytes: number): number {
  if (bytes <= 256) return Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = Math.max(ALIGN, p / 4);
  return Math.ceil(bytes / step) * step;
}

/**
 * The allocator over a wasm memory.
 * @internal
 */
export class WasmHeap {
  private readonly freeLists = new Map<number, number[]>();
  private top = RESERVED_BYTES;
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private current: ArrayBufferLike;
  private argTop = ARGS_BASE;
  /** Addresses of blocks handed out and not freed (guards against a double free). */
  private readonly live = new Set<number>();
  /** Bytes in blocks handed out and not freed. */
  usedBytes = 0;
  /** Bytes in blocks on the free lists. */
  freeBytes = 0;
  /** Blocks handed out over the heap's life. */
  allocations = 0;
  /** Of those, blocks that came from a free list. */
  reused = 0;

  /**
   * @param memory The memory (its first page holds the reserved area).
   * @param limitBytes The most bytes the heap grows to; `alloc` returns -1 past it.
   */
  constructor(
    readonly memory: WebAssembly.Memory,
    public limitBytes: number,
  ) {
    this.current = memory.buffer;
    this.buffers.add(this.current);
  }

  /** The memory's buffer now (a new object after each grow). */
  get buffer(): ArrayBufferLike {
    const b = this.memory.buffer;
    if (b !== this.current) {
      this.current = b;
      this.buffers.add(b);
    }
    return b;
  }

  /** Bytes the memory spans. */
  get reservedBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * A 64-byte aligned block of at least `bytes` bytes (contents arbitrary),
   * or -1 when the heap would pass its limit or the memory cannot grow.
   */
  alloc(bytes: number): number {
    const size = blockClass(Math.max(1, bytes));
    const list = this.freeLists.get(size);
    this.allocations++;
    if (list && list.length > 0) {
      this.reused++;
      this.freeBytes -= size;
      this.usedBytes += size;
      const reusedAt = list.pop()!;
      this.live.add(reusedAt);
      return reusedAt;
    }
    const offset = this.top;
    const end = offset + size;
    if (end > this.limitBytes) {
      this.allocations--;
      return -1;
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least a quarter, so a growing model does not grow page by page.
      const pages = Math.max(Math.ceil((end - have) / PAGE), Math.ceil(have / PAGE / 4));
      const maxPages = Math.floor(this.limitBytes / PAGE);
      const grow = Math.min(pages, maxPages - have / PAGE);
      try {
        if (grow < Math.ceil((end - have) / PAGE)) throw new RangeError('over the limit');
        this.memory.grow(grow);
      } catch {
        this.allocations--;
        return -1;
      }
    }
    this.top = end;
    this.usedBytes += size;
    this.live.add(offset);
    return offset;
  }

  /**
   * Returns a block to its free list. A block that is not live (freed
   * twice, or never handed out) is ignored and false returned.
   */
  free(offset: number, bytes: number): boolean {
    if (!this.live.delete(offset)) return false;
    const size = blockClass(Math.max(1, bytes));
    let list = this.freeLists.get(size);
    if (!list) {
      list = [];
      this.freeLists.set(size, list);
    }
    list.push(offset);
    this.usedBytes -= size;
    this.freeBytes += size;
    return true;
  }

  /** Live blocks. */
  get liveBlocks(): number {
    return this.live.size;
  }

  /** A float32 view of `length` elements at `offset`. */
  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.buffer, offset, length);
  }

  /** An int32 view of `length` elements at `offset`. */
  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.buffer, offset, length);
  }

  /** Whether `array` is a view into this heap's memory. */
  owns(array: ArrayBufferView): boolean {
    const b = array.buffer;
    return b === this.current || this.buffers.has(b);
  }

  /**
   * Writes an argument block (int32 words; floats are passed bit-cast by the
   * caller) on the argument stack and returns its address. Release it with
   * `popArgs(address)` in reverse order.
   */
  pushArgs(words: ArrayLike<number>): number {
    const ptr = this.argTop;
    const end = ptr + Math.ceil((words.length * 4) / 16) * 16;
    if (end > RESERVED_BYTES) throw new RangeError('wasm argument stack overflow (a bug in laminar)');
    const view = new Int32Array(this.buffer, ptr, words.length);
    for (let i = 0; i < words.length; i++) view[i] = words[i];
    this.argTop = end;
    return ptr;
  }

  /** Pops the argument stack back to `ptr`. */
  popArgs(ptr: number): void {
    this.argTop = ptr;
  }
}
