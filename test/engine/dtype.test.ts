/**
 * dtypes: the promotion table (as documented on `upcastType`), the storage
 * helpers, and what promotion means end to end.
 */
import { describe, expect, it } from 'vitest';
import { DTypeError, add, tensor, upcastType, where, type DType } from '../../src/index.js';
import { allocArray, assertDType, bytesPerElement, convertArray, dtypeOfArray, floatTypeOf, isDType, isFloat } from '../../src/engine/dtype.js';

const DTYPES: DType[] = ['bool', 'int32', 'float32', 'float64'];

describe('upcastType', () => {
  // Row: a, column: b. The later of the two in bool < int32 < float32 < float64.
  const TABLE: Record<DType, Record<DType, DType>> = {
    bool: { bool: 'bool', int32: 'int32', float32: 'float32', float64: 'float64' },
    int32: { bool: 'int32', int32: 'int32', float32: 'float32', float64: 'float64' },
    float32: { bool: 'float32', int32: 'float32', float32: 'float32', float64: 'float64' },
    float64: { bool: 'float64', int32: 'float64', float32: 'float64', float64: 'float64' },
  };
  for (const a of DTYPES) {
    for (const b of DTYPES) {
      it(`${a} with ${b} -> ${TABLE[a][b]}`, () => {
        expect(upcastType(a, b)).toBe(TABLE[a][b]);
      });
    }
  }

  it('is symmetric and idempotent', () => {
    for (const a of DTYPES) {
      expect(upcastType(a, a)).toBe(a);
      for (const b of DTYPES) expect(upcastType(a, b)).toBe(upcastType(b, a));
    }
  });

  it('matches what ops produce for tensor operands', () => {
    for (const a of ['int32', 'float32', 'float64'] as const) {
      for (const b of ['int32', 'float32', 'float64'] as const) {
        const r = add(tensor([1], [1], a), tensor([2], [1], b));
        expect(r.dtype, `${a} + ${b}`).toBe(upcastType(a, b));
        expect(r.dataSync()[0]).toBe(3);
        r.dispose();
      }
    }
    const c = tensor([true]);
    for (const a of DTYPES) {
      for (const b of DTYPES) {
        const r = where(c, tensor([1], [1], a), tensor([0], [1], b));
        expect(r.dtype, `where(${a}, ${b})`).toBe(upcastType(a, b));
        r.dispose();
      }
    }
    c.dispose();
  });
});

describe('dtype helpers', () => {
  it('bytesPerElement', () => {
    expect(DTYPES.map(bytesPerElement)).toEqual([1, 4, 4, 8]);
  });

  it('allocArray gives the typed array of each dtype, zeroed', () => {
    const arrays = DTYPES.map((d) => allocArray(d, 3));
    expect(arrays.map((a) => a.constructor)).toEqual([Uint8Array, Int32Array, Float32Array, Float64Array]);
    for (const a of arrays) expect(Array.from(a)).toEqual([0, 0, 0]);
    expect(DTYPES.map((d) => dtypeOfArray(allocArray(d, 1)))).toEqual(DTYPES);
    expect(dtypeOfArray([1, 2])).toBeUndefined();
    expect(dtypeOfArray(new Int16Array(1))).toBeUndefined();
  });

  it('convertArray converts as cast does', () => {
    expect(Array.from(convertArray([1.7, -1.7, 0.5, NaN], 'int32'))).toEqual([1, -1, 0, 0]);
    expect(Array.from(convertArray([0, -0, 2, -0.5, NaN, true, false], 'bool'))).toEqual([0, 0, 1, 1, 1, 1, 0]);
    expect(Array.from(convertArray([true, false, 0.1], 'float64'))).toEqual([1, 0, 0.1]);
    expect(Array.from(convertArray([0.1], 'float32'))).toEqual([Math.fround(0.1)]);
  });

  it('isFloat, floatTypeOf, isDType, assertDType', () => {
    expect(DTYPES.map(isFloat)).toEqual([false, false, true, true]);
    expect(DTYPES.map(floatTypeOf)).toEqual(['float32', 'float32', 'float32', 'float64']);
    expect(DTYPES.every(isDType)).toBe(true);
    expect(['float16', 'int64', 'string', undefined, 3].some(isDType)).toBe(false);
    expect(assertDType('op', 'int32')).toBe('int32');
    expect(() => assertDType('myOp', 'int8')).toThrow(DTypeError);
    expect(() => assertDType('myOp', 'int8')).toThrow(`myOp: expected dtype 'float32', 'int32', 'bool' or 'float64', got "int8"`);
    expect(() => assertDType('myOp', undefined)).toThrow(/got undefined$/);
  });
});
