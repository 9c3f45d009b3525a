/**
 * The one choke point every op goes through: convert and check inputs,
 * infer outputs, run the backend kernel (or the op's decomposition), wrap
 * the results as tensors in the current scope, and report the op to the
 * gradient tape. Nothing here is specific to any op.
 *
 * @module
 */
import type { TensorInfo, TensorMeta } from '../backend/backend.js';
import { getBackend } from '../device.js';
import { upcastType, type DType } from '../dtype.js';
import { DeviceError, DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { Storage } from '../memory/tracker.js';
import { runInScope } from '../memory/scope.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { recordOp, withRecordingPaused } from '../autograd/tape.js';
import { inferDType, toFlat } from '../values.js';
import { shapesEqual, sizeOf } from '../shape.js';
import type { OpDef } from './define-op.js';

/**
 * Whether a JS value holds only integers. Booleans count when the value is a
 * weak operand (true + 1 is an integer) but not as indices; typed arrays
 * count as indices because their own dtype is checked by the op.
 */
function isIntegral(v: unknown, asIndices = false): boolean {
  if (typeof v === 'number') return Number.isInteger(v);
  if (typeof v === 'boolean') return !asIndices;
  if (Array.isArray(v)) return v.every((x) => isIntegral(x, asIndices));
  return asIndices && ArrayBuffer.isView(v);
}

function isBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return true;
  if (Array.isArray(v)) return v.length > 0 && v.every(isBoolean);
  return false;
}

/**
 * The dtype a non-tensor operand takes next to tensors of dtype `base`:
 * JS numbers are "weak" (see `upcastType`).
 */
function weakDType(value: unknown, base: DType | undefined): DType {
  const own = inferDType(value);
  if (base === undefined || ArrayBuffer.isView(value)) return own;
  if (base === 'float32' || base === 'float64') return base;
  if (base === 'bool') return isBoolean(value) ? 'bool' : isIntegral(value) ? 'int32' : 'float32';
  return isIntegral(value) ? 'int32' : 'float32';
}

/** Makes a tensor on `device` from host values. @internal */
export function fromValues(op: string, values: unknown, shape: readonly number[] | undefined, dtype: DType, device?: string): Tensor {
  const backend = getBackend(device);
  if (!backend.supportsDType(dtype)) {
    throw new DTypeError(`${op}: device '${backend.name}' does not support dtype ${dtype}`);
  }
  const flat = toFlat(op, values, shape, dtype);
  const storage = new Storage(backend, backend.upload(flat.values, dtype), dtype, flat.values.length);
  return new Tensor(storage, flat.shape, dtype);
}

function convertInputs(def: OpDef<unknown, unknown>, raw: readonly TensorLike[]): { inputs: Tensor[]; temps: Tensor[] | null } {
  let temps: Tensor[] | null = null;
  let base: DType | undefined;
  let device: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    if (r instanceof Tensor) {
      base = base === undefined ? r.dtype : upcastType(base, r.dtype);
      device ??= r.isDisposedInternal ? undefined : r.device;
    } else checkDeclaredValue(def, i, r);
  }
  const inputs = raw.map((r, i) => {
    if (r instanceof Tensor) return r;
    // A typed array carries its own dtype, which the op's checks then see (a Float32Array of indices is rejected like a float32 tensor).
    const declared = ArrayBuffer.isView(r) ? undefined : def.inputDTypes?.[i];
    const dtype = declared ?? (def.strictInputDTypes ? inferDType(r) : weakDType(r, base));
    const t = fromValues(`${def.name} (argument ${argName(def, i)})`, r, undefined, dtype, device);
    (temps ??= []).push(t);
    return t;
  });
  return { inputs, temps };
}

/**
 * A JS value for an input declared int32 (indices) must hold integers:
 * truncating 0.5 to index 0 would silently pick the wrong element. Checked
 * before any input is converted, so a bad value leaves no temporaries.
 */
function checkDeclaredValue(def: OpDef<unknown, unknown>, i: number, value: unknown): void {
  if (def.inputDTypes?.[i] === 'int32' && !isIntegral(value, true)) {
    const shown = JSON.stringify(value) ?? String(value);
    throw new ValueError(`${def.name}: expected ${argName(def, i)} to be integers, got ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}`);
  }
}

function argName(def: OpDef<unknown>, i: number): string {
  const names = def.inputNames;
  if (i < names.length) return names[i].startsWith('...') ? `${names[i].slice(3)}[${i - names.length + 1}]` : names[i];
  const last = names[names.length - 1] ?? 'input';
  return last.startsWith('...') ? `${last.slice(3)}[${i - names.length + 1}]` : `input ${i}`;
}

/**
 * Runs an op: the only way tensors are computed. Op functions call it with
 * their definition, inputs (tensors or values) and params.
 *
 * @example
 * ```ts
 * const [y] = runOp(negOp, [x], {});
 * ```
 */
export function runOp<P, Raw = P>(def: OpDef<P, Raw>, rawInputs: readonly TensorLike[], rawParams: Raw): Tensor[] {
  const d = def as unknown as OpDef<unknown>;
  const { inputs, temps } = convertInputs(d, rawInputs);
  try {
    let backend = undefined as ReturnType<typeof getBackend> | undefined;
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i];
      // Tensors whose dispose() a tape deferred are still usable by ops (the backward pass).
      if (t.isDisposedInternal) t.assertAlive(`${def.name} (argument ${argName(d, i)})`);
      const b = t.storage.backend;
      if (backend === undefined) backend = b;
      else if (b !== backend) {
        throw new DeviceError(
          `${def.name}: inputs are on different devices: ${argName(d, 0)} is on '${backend.name}', ${argName(d, i)} is on '${b.name}'; move one with t.to(device)`,
        );
      }
    }
    backend ??= getBackend();
    const params = def.prepare ? def.prepare(inputs, rawParams) : (rawParams as unknown as P);
    const metas = def.infer(inputs, params);
    for (const m of metas) {
      if (!backend.supportsDType(m.dtype)) {
        throw new DTypeError(`${def.name}: device '${backend.name}' does not support dtype ${m.dtype}${m.dtype === 'float64' ? ' (float64 is CPU only)' : ''}`);
      }
    }
    let outputs: Tensor[];
    if (def.view) {
      const s = inputs[0].storage;
      s.retain();
      outputs = [new Tensor(s, metas[0].shape, metas[0].dtype)];
    } else if (def.program) {
      const h = backend.elementwise(def.program, inputs.map(info), params as Record<string, number>, metas[0]);
      outputs = [wrap(backend, h, metas[0])];
    } else {
      const kernel = (backend.kernels as Record<string, ((i: TensorInfo[], p: unknown, o: TensorMeta[]) => unknown[]) | undefined>)[def.name];
      if (kernel) {
        const handles = kernel(inputs.map(info), params, metas);
        outputs = handles.map((h, i) => wrap(backend, h, metas[i]));
      } else if (def.decompose) {
        const decompose = def.decompose;
        // A scope frees the decomposition's intermediates; those a gradient tape still needs move up instead.
        const run = () => runInScope(() => decompose(inputs, params));
        outputs = def.grad ? withRecordingPaused(run) : run();
        checkDecomposition(def.name, outputs, metas);
      } else {
        throw new DeviceError(`${def.name}: device '${backend.name}' has no kernel for this op, and the op has no decomposition`);
      }
    }
    if (def.grad) recordOp(d, inputs, outputs, params);
    return outputs;
  } finally {
    if (temps) for (const t of temps) t.dispose();
  }
}

function info(t: Tensor): TensorInfo {
  return { data: t.storage.data, shape: t.shape, dtype: t.dtype, size: t.size };
}

function wrap(backend: ReturnType<typeof getBackend>, handle: unknown, meta: TensorMeta): Tensor {
  return new Tensor(new Storage(backend, handle, meta.dtype, sizeOf(meta.shape)), meta.shape, meta.dtype);
}

function checkDecomposition(op: string, outputs: Tensor[], metas: TensorMeta[]): void {
  for (let i = 0; i < metas.length; i++) {
    const o = outputs[i];
    if (!o || !shapesEqual(o.shape, metas[i].shape) || o.dtype !== metas[i].dtype) {
      throw new ShapeError(
        `${op}: decomposition produced ${o ? `${fmtShape(o.shape)} ${o.dtype}` : 'nothing'} for output ${i}, expected ${fmtShape(metas[i].shape)} ${metas[i].dtype} (a bug in laminar)`,
      );
    }
  }
}

/**
 * Runs an op with one output and returns it.
 *
 * @example
 * ```ts
 * const y = runOp1(negOp, [x], {});
 * ```
 */
export function runOp1<P, Raw = P>(def: OpDef<P, Raw>, inputs: readonly TensorLike[], params: Raw): Tensor {
  return runOp(def, inputs, params)[0];
}
