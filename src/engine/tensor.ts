/**
 * `Tensor`, an immutable handle to data on a device, and `Variable`, a named
 * mutable tensor that training updates.
 *
 * @module
 */
import type { DType, TypedArray } from './dtype.js';
import { DeviceError, DisposedError, ShapeError, DTypeError, ValueError, fmtShape } from './errors.js';
import { Storage, trackTensor, untrackTensor, type FinalizerRef } from './memory/tracker.js';
import { trackInScope } from './memory/scope.js';
import { shapesEqual, sizeOf } from './shape.js';
import { getBackend } from './device.js';
import { formatTensor } from './format.js';
import * as ops from './ops/index.js';

let nextId = 0;

/**
 * Nested arrays of numbers, as `tensor()` accepts and `array()` returns.
 *
 * @example
 * ```ts
 * const v: NestedArray = [[1, 2], [3, 4]];
 * ```
 */
export type NestedArray = number | boolean | readonly NestedArray[];

/**
 * Anything an op accepts where it takes a tensor: a tensor, a number, a
 * boolean, nested arrays or a typed array.
 *
 * @example
 * ```ts
 * add(ones([3]), 2);          // the 2 becomes a float32 scalar
 * add(ones([2]), [10, 20]);
 * ```
 */
export type TensorLike = Tensor | NestedArray | TypedArray;

/**
 * An n-dimensional array on a device. Tensors are immutable: ops return new
 * tensors. Free them with `dispose()`, `using`, or by leaving a `tidy`
 * scope; values are read with `await data()` / `await array()` on every
 * device, `dataSync()` / `arraySync()` on the CPU.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);
 * const y = x.add(1).relu().matMul(x);
 * console.log(await y.array()); // [[11, 16], [19, 28]]
 * ```
 */
export class Tensor {
  /** A process-unique id. */
  readonly id: number;
  /** The shape; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** The element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** @internal */
  storageRef: FinalizerRef;
  /** @internal kept tensors are never disposed by a scope */
  kept = false;
  /** @internal number of live gradient tapes that recorded this tensor */
  tapeHolds = 0;
  /** @internal dispose() was called while a tape held the tensor */
  pendingDispose = false;
  /** @internal */
  isDisposedInternal = false;

  /** @internal Tensors are made by ops and `tensor()`, not by `new`. */
  constructor(storage: Storage, shape: readonly number[], dtype: DType, track = true) {
    this.id = nextId++;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.storageRef = { storage };
    trackTensor(this, this.storageRef);
    if (track) trackInScope(this);
  }

  /** @internal */
  get storage(): Storage {
    return this.storageRef.storage;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** The device the data lives on (`'cpu'`, `'webgpu'`). */
  get device(): string {
    return this.storageRef.storage.backend.name;
  }

  /** Whether `dispose()` was called (directly or by a scope). */
  get isDisposed(): boolean {
    return this.isDisposedInternal || this.pendingDispose;
  }

  /** @internal throws a DisposedError naming `op` */
  assertAlive(op: string): void {
    if (this.isDisposed) {
      throw new DisposedError(
        `${op}: tensor ${this.id} (shape ${fmtShape(this.shape)}, ${this.dtype}) was disposed; keep it with keep() or return it from tidy() to use it later`,
      );
    }
  }

  /**
   * The values as a flat typed array (Float32Array, Int32Array, Uint8Array
   * for bool, Float64Array), after pending work on the device is done. The
   * array is a copy the caller owns.
   *
   * @example
   * ```ts
   * const values = await tensor([1, 2, 3]).data(); // Float32Array [1, 2, 3]
   * ```
   */
  async data(): Promise<TypedArray> {
    this.assertAlive('data');
    const s = this.storage;
    return s.backend.read(s.data, this.dtype, this.size);
  }

  /**
   * The values as a flat typed array, synchronously. Only devices that hold
   * data in host memory (the CPU) can do this; elsewhere it throws a
   * `DeviceError` that names `await data()`.
   *
   * @example
   * ```ts
   * tensor([1, 2]).dataSync(); // Float32Array [1, 2]
   * ```
   */
  dataSync(): TypedArray {
    this.assertAlive('dataSync');
    const s = this.storage;
    if (!s.backend.readSync) {
      throw new DeviceError(`dataSync: tensors on '${this.device}' cannot be read synchronously; use 'await t.data()' instead`);
    }
    return s.backend.readSync(s.data, this.dtype, this.size);
  }

  /**
   * The values as nested arrays (a number for a scalar; bools as 0/1).
   *
   * @example
   * ```ts
   * await tensor([[1, 2], [3, 4]]).array(); // [[1, 2], [3, 4]]
   * ```
   */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape);
  }

  /**
   * `array()` synchronously, on the CPU only.
   *
   * @example
   * ```ts
   * tensor([[1, 2]]).arraySync(); // [[1, 2]]
   * ```
   */
  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape);
  }

  /**
   * Frees the tensor's storage (when no other tensor shares it). Safe to
   * call twice. If a gradient tape still needs the tensor, the storage is
   * freed when the gradient computation ends.
   *
   * @example
   * ```ts
   * const t = ones([1000]);
   * t.dispose();
   * t.isDisposed; // true
   * ```
   */
  dispose(): void {
    if (this.isDisposedInternal) return;
    if (this.tapeHolds > 0) {
      this.pendingDispose = true;
      return;
    }
    this.isDisposedInternal = true;
    untrackTensor(this, this.storageRef);
    this.storageRef.storage.release();
  }

  /**
   * Disposes the tensor at the end of a `using` block.
   *
   * @example
   * ```ts
   * { using t = ones([3]); } // disposed here
   * ```
   */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * A copy of the tensor on `device` (the same tensor's data is shared when
   * it is already there: a new handle that must be disposed separately).
   *
   * @example
   * ```ts
   * const g = ones([3]).to('cpu');
   * ```
   */
  to(device: string): Tensor {
    this.assertAlive('to');
    const target = getBackend(device);
    const s = this.storage;
    if (target === s.backend) {
      s.retain();
      return new Tensor(s, this.shape, this.dtype);
    }
    if (!target.supportsDType(this.dtype)) {
      throw new DTypeError(`to: device '${device}' does not support dtype ${this.dtype}; cast the tensor first (e.g. t.cast('float32'))`);
    }
    if (!s.backend.readSync) {
      throw new DeviceError(`to: moving from '${this.device}' needs an async read; use 'await t.toAsync(\"${device}\")'`);
    }
    const values = s.backend.readSync(s.data, this.dtype, this.size);
    return new Tensor(new Storage(target, target.upload(values, this.dtype), this.dtype, this.size), this.shape, this.dtype);
  }

  /**
   * Moves the tensor to `device`, waiting for the source device's pending
   * work; works between any two devices.
   *
   * @example
   * ```ts
   * const c = await ones([3]).toAsync('cpu');
   * ```
   */
  async toAsync(device: string): Promise<Tensor> {
    this.assertAlive('toAsync');
    const target = getBackend(device);
    if (target === this.storage.backend) return this.to(device);
    if (!target.supportsDType(this.dtype)) {
      throw new DTypeError(`toAsync: device '${device}' does not support dtype ${this.dtype}; cast the tensor first`);
    }
    const values = await this.data();
    return new Tensor(new Storage(target, target.upload(values, this.dtype), this.dtype, this.size), this.shape, this.dtype);
  }

  /**
   * Prints like NumPy: values for small tensors (summarised with `...`
   * beyond 1000 elements), then shape and dtype. Values of tensors on an
   * async device are not read; use `await t.array()` there.
   *
   * @example
   * ```ts
   * String(tensor([[1, 2], [3, 4]]));
   * // tensor([[1, 2],
   * //         [3, 4]], shape=[2,2], dtype=float32)
   * ```
   */
  toString(): string {
    if (this.isDisposed) return `tensor(<disposed>, shape=${fmtShape(this.shape)}, dtype=${this.dtype})`;
    const s = this.storage;
    const values = s.backend.readSync ? s.backend.readSync(s.data, this.dtype, this.size) : undefined;
    return formatTensor(values, this.shape, this.dtype, this.device);
  }

  // ---- chainable ops: each is the op function of the same name with `this` first ----

  /** {@link ops.add} @example `x.add(1)` */
  add(b: TensorLike): Tensor { return ops.add(this, b); }
  /** {@link ops.sub} @example `x.sub(y)` */
  sub(b: TensorLike): Tensor { return ops.sub(this, b); }
  /** {@link ops.mul} @example `x.mul(2)` */
  mul(b: TensorLike): Tensor { return ops.mul(this, b); }
  /** {@link ops.div} @example `x.div(2)` */
  div(b: TensorLike): Tensor { return ops.div(this, b); }
  /** {@link ops.neg} @example `x.neg()` */
  neg(): Tensor { return ops.neg(this); }
  /** {@link ops.relu} @example `x.relu()` */
  relu(): Tensor { return ops.relu(this); }
  /** {@link ops.sum} @example `x.sum()` */
  sum(axis?: number | number[] | null, keepDims = false): Tensor { return ops.sum(this, axis, keepDims); }
  /** {@link ops.square} @example `x.square()` */
  square(): Tensor { return ops.square(this); }
  /** {@link ops.exp} @example `x.exp()` */
  exp(): Tensor { return ops.exp(this); }
  /** {@link ops.log} @example `x.log()` */
  log(): Tensor { return ops.log(this); }
  /** {@link ops.cast} @example `x.cast('int32')` */
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  /** {@link ops.reshape} @example `x.reshape([2, -1])` */
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
}

function toNested(values: TypedArray, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return values[0];
  const build = (dim: number, offset: number, stride: number): NestedArray[] => {
    const n = shape[dim];
    const inner = stride / (n || 1);
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = dim === shape.length - 1 ? values[offset + i] : build(dim + 1, offset + i * inner, inner);
    }
    return out;
  };
  return build(0, 0, sizeOf(shape));
}

const variableNames = new Map<string, WeakRef<Variable>>();
let variableCounter = 0;

function nameTaken(name: string): boolean {
  const v = variableNames.get(name)?.deref();
  return v !== undefined && !v.isDisposed;
}

/**
 * A named, mutable tensor: the weights training updates. Scopes never
 * dispose variables; call `dispose()` when done. `assign` swaps in new
 * values of the same shape and dtype.
 *
 * @example
 * ```ts
 * const w = variable(zeros([2, 2]), { name: 'w' });
 * w.assign(ones([2, 2]));
 * w.assignSub(ones([2, 2]).mul(0.1));
 * ```
 */
export class Variable extends Tensor {
  /** The unique name (`variable_3` by default). */
  readonly name: string;
  /** Whether `variableGrads` and optimizers update it. */
  trainable: boolean;

  /** @internal use `variable()` */
  constructor(initial: Tensor, name: string | undefined, trainable: boolean) {
    initial.assertAlive('variable');
    let resolved = name;
    if (resolved === undefined) {
      do resolved = `variable_${++variableCounter}`;
      while (nameTaken(resolved));
    } else if (typeof resolved !== 'string' || resolved.length === 0) {
      throw new ValueError(`variable: expected name to be a non-empty string, got ${JSON.stringify(resolved)}`);
    } else if (nameTaken(resolved)) {
      throw new ValueError(`variable: a live variable named '${resolved}' already exists; choose another name or dispose the old variable`);
    }
    initial.storage.retain();
    super(initial.storage, initial.shape, initial.dtype, false);
    this.kept = true;
    this.name = resolved;
    this.trainable = trainable;
    variableNames.set(resolved, new WeakRef(this));
  }

  /**
   * Replaces the value. The new value must have the variable's shape and
   * dtype; on a mismatch nothing changes.
   *
   * @example
   * ```ts
   * const v = variable(zeros([2]));
   * v.assign(tensor([1, 2]));
   * ```
   */
  assign(value: TensorLike): void {
    this.assertAlive(`assign (variable '${this.name}')`);
    const t = value instanceof Tensor ? value : ops.tensor(value as NestedArray, undefined, this.dtype);
    try {
      t.assertAlive(`assign (variable '${this.name}')`);
      if (!shapesEqual(t.shape, this.shape)) {
        throw new ShapeError(`assign: variable '${this.name}' has shape ${fmtShape(this.shape)}, got a value of shape ${fmtShape(t.shape)}`);
      }
      if (t.dtype !== this.dtype) {
        throw new DTypeError(`assign: variable '${this.name}' has dtype ${this.dtype}, got a value of dtype ${t.dtype}; cast it first`);
      }
      if (t.device !== this.device) {
        throw new DeviceError(`assign: variable '${this.name}' is on '${this.device}', got a value on '${t.device}'; move it with value.to('${this.device}')`);
      }
      const old = this.storageRef.storage;
      t.storage.retain();
      this.storageRef.storage = t.storage;
      old.release();
    } finally {
      if (t !== value) t.dispose();
    }
  }

  /**
   * `assign(this + value)`.
   *
   * @example
   * ```ts
   * v.assignAdd(ones(v.shape));
   * ```
   */
  assignAdd(value: TensorLike): void {
    this.assignResult(ops.add(this, value));
  }

  /**
   * `assign(this - value)`.
   *
   * @example
   * ```ts
   * v.assignSub(grad.mul(learningRate));
   * ```
   */
  assignSub(value: TensorLike): void {
    this.assignResult(ops.sub(this, value));
  }

  private assignResult(result: Tensor): void {
    const value = result.dtype === this.dtype ? result : ops.cast(result, this.dtype);
    try {
      this.assign(value);
    } finally {
      result.dispose();
      value.dispose();
    }
  }
}
