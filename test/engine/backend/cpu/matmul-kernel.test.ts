import { describe, expect, it } from 'vitest';
import { rng } from '../../../helpers/rng.js';
import {
  matMulKernel,
  type MatMulArgs,
  type NumericArray,
} from '../../../../src/engine/backend/cpu/kernels/matmul.js';
import { ShapeError, ValueError } from '../../../../src/engine/errors.js';

// Sizes straddle the micro-kernel tile (4), the row block (64) and the depth
// block (256), so every edge and remainder path of the blocked kernel runs.
const SIZES = [1, 2, 3, 5, 7, 16, 17, 31, 33, 64, 65, 130, 257];

const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;

function randomData(ctor: Ctor, size: number, seed: number): NumericArray {
  const next = rng(seed);
  const data = new ctor(size);
  for (let i = 0; i < size; i++) {
    data[i] = ctor === Int32Array ? Math.floor(next() * 201) - 100 : next() * 2 - 1;
  }
  return data;
}

function makeArgs(
  m: number,
  n: number,
  k: number,
  transposeA = false,
  transposeB = false,
  batch = 1,
  aOffsets: number[] = [0],
  bOffsets: number[] = [0],
): MatMulArgs {
  return { m, n, k, transposeA, transposeB, batch, aOffsets, bOffsets };
}

/** Logical A_t[i, p], reading the storage layout the kernel is told about. */
function aAt(a: NumericArray, args: MatMulArgs, t: number, i: number, p: number): number {
  const base = args.aOffsets[t];
  return args.transposeA ? a[base + p * args.m + i] : a[base + i * args.k + p];
}

function bAt(b: NumericArray, args: MatMulArgs, t: number, p: number, j: number): number {
  const base = args.bOffsets[t];
  return args.transposeB ? b[base + j * args.k + p] : b[base + p * args.n + j];
}

/** Naive float64 triple loop; also returns Σ|a·b| per output to scale the tolerance under cancellation. */
function reference(a: NumericArray, b: NumericArray, args: MatMulArgs): { value: Float64Array; absSum: Float64Array } {
  const { m, n, k, batch } = args;
  const value = new Float64Array(batch * m * n);
  const absSum = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let s2 = 0;
        for (let p = 0; p < k; p++) {
          const prod = aAt(a, args, t, i, p) * bAt(b, args, t, p, j);
          s += prod;
          s2 += Math.abs(prod);
        }
        value[(t * m + i) * n + j] = s;
        absSum[(t * m + i) * n + j] = s2;
      }
    }
  }
  return { value, absSum };
}

/** Exact int32 reference: BigInt sum reduced modulo 2^32 like C's int32. */
function intReference(a: NumericArray, b: NumericArray, args: MatMulArgs): Int32Array {
  const { m, n, k, batch } = args;
  const out = new Int32Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0n;
        for (let p = 0; p < k; p++) s += BigInt(aAt(a, args, t, i, p)) * BigInt(bAt(b, args, t, p, j));
        out[(t * m + i) * n + j] = Number(BigInt.asIntN(32, s));
      }
    }
  }
  return out;
}

/**
 * Describes the first element outside tolerance, or null. float32 results
 * must be the float64 sum rounded once (within half an ulp), which is far
 * tighter than the usual k-dependent bound; float64 must match to 1e-12
 * of Σ|a·b|; int32 must be exact.
 */
function firstMismatch(got: NumericArray, a: NumericArray, b: NumericArray, args: MatMulArgs): string | null {
  const total = args.batch * args.m * args.n;
  if (got instanceof Int32Array) {
    const want = intReference(a, b, args);
    for (let i = 0; i < total; i++) {
      if (got[i] !== want[i]) return `out[${i}] = ${got[i]}, expected ${want[i]}`;
    }
    return null;
  }
  const { value, absSum } = reference(a, b, args);
  for (let i = 0; i < total; i++) {
    const tol = got instanceof Float32Array ? 2 ** -24 * Math.abs(value[i]) + 1e-12 * absSum[i] : 1e-12 * absSum[i];
    if (!(Math.abs(got[i] - value[i]) <= tol)) {
      return `out[${i}] = ${got[i]}, expected ${value[i]} (tolerance ${tol})`;
    }
  }
  return null;
}

function storageSizes(args: MatMulArgs): { aSize: number; bSize: number } {
  let aSize = 0;
  let bSize = 0;
  for (let t = 0; t < args.batch; t++) {
    aSize = Math.max(aSize, args.aOffsets[t] + args.m * args.k);
    bSize = Math.max(bSize, args.bOffsets[t] + args.k * args.n);
  }
  return { aSize, bSize };
}

/** Runs the kernel on random inputs of `ctor`, with `out` pre-filled with garbage to prove it is overwritten. */
function runAndCheck(ctor: Ctor, args: MatMulArgs, seed: number): string | null {
  const { aSize, bSize } = storageSizes(args);
  const a = randomData(ctor, aSize, seed);
  const b = randomData(ctor, bSize, seed + 1);
  const out = new ctor(args.batch * args.m * args.n).fill(7);
  matMulKernel(a, b, out, args);
  const bad = firstMismatch(out, a, b, args);
  return bad === null ? null : `${ctor.name} ${JSON.stringify(args)}: ${bad}`;
}

function transposeName([ta, tb]: [boolean, boolean]): string {
  return `${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}`;
}

describe('matMulKernel float32 against a float64 reference', () => {
  // Every m pairs with every n; k cycles through the sizes so all k values
  // meet small and large outputs (direct and blocked paths).
  const cases = TRANSPOSES.flatMap((tr) => SIZES.map((m) => [transposeName(tr), m, tr] as const));
  it.each(cases)('%s, m = %i, all n with cycling k', (_name, m, [ta, tb]) => {
    const mi = SIZES.indexOf(m);
    SIZES.forEach((n, ni) => {
      const k = SIZES[(mi + ni) % SIZES.length];
      expect(runAndCheck(Float32Array, makeArgs(m, n, k, ta, tb), m * 1000 + n)).toBeNull();
    });
  });

  it.each(TRANSPOSES.map((tr) => [transposeName(tr), tr] as const))('%s, cubes of every size', (_name, [ta, tb]) => {
    for (const s of SIZES) expect(runAndCheck(Float32Array, makeArgs(s, s, s, ta, tb), s)).toBeNull();
  });

  it.each(TRANSPOSES.map((tr) => [transposeName(tr), tr] as const))(
    '%s, depth spanning several k blocks (k = 600) with ragged m and n',
    (_name, [ta, tb]) => {
      expect(runAndCheck(Float32Array, makeArgs(67, 45, 600, ta, tb), 11)).toBeNull();
    },
  );

  it.each(TRANSPOSES.map((tr) => [transposeName(tr), tr] as const))(
    '%s, n split into column chunks when packed B would exceed its budget',
    (_name, [ta, tb]) => {
      // 1032 padded columns x 4100 depth exceeds the 2^22-double budget, so
      // B is packed as 1020 + 10 columns.
      expect(runAndCheck(Float32Array, makeArgs(5, 1030, 4100, ta, tb), 12)).toBeNull();
    },
  );

  it.each(TRANSPOSES.map((tr) => [transposeName(tr), tr] as const))(
    '%s, thin outputs (m < 4 or n < 3) with deep k on the unblocked path',
    (_name, [ta, tb]) => {
      for (const [m, n] of [
        [1, 300],
        [2, 7],
        [3, 64],
        [300, 1],
        [70, 2],
        [1, 1],
      ]) {
        expect(runAndCheck(Float32Array, makeArgs(m, n, 601, ta, tb), m * 7 + n)).toBeNull();
      }
    },
  );

  it('rounds once: the exact sum survives where per-block float32 rounding would lose it', () => {
    // 1 + 512·2^-24 = 1 + 2^-15 is a float32; a float32 accumulator (or one
    // rounded after each k block) would drop or distort the small terms.
    const m = 4;
    const n = 4;
    const k = 513;
    const a = new Float32Array(m * k);
    for (let i = 0; i < m; i++) {
      a[i * k] = 1;
      for (let p = 1; p < k; p++) a[i * k + p] = 2 ** -24;
    }
    const b = new Float32Array(k * n).fill(1);
    const out = new Float32Array(m * n);
    matMulKernel(a, b, out, makeArgs(m, n, k));
    expect(Array.from(out)).toEqual(new Array(m * n).fill(1 + 2 ** -15));
    // The same on the unblocked path (m = 1), in both of its loop orders.
    for (const [rows, transposeB] of [
      [1, false],
      [1, true],
      [2, false],
    ] as const) {
      const thin = new Float32Array(rows * n);
      matMulKernel(a, b, thin, makeArgs(rows, n, k, false, transposeB));
      expect(Array.from(thin)).toEqual(new Array(rows * n).fill(1 + 2 ** -15));
    }
  });

  it('computes a small known product exactly', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([1, 0, 0, 1, 1, 1]);
    const out = new Float32Array(4);
    matMulKernel(a, b, out, makeArgs(2, 2, 3));
    expect(Array.from(out)).toEqual([4, 5, 10, 11]);
  });

  it('computes a larger known product exactly on the blocked path', () => {
    // A = row index, B = column index  =>  out[i,j] = k·i·j, exact in float32.
    const m = 20;
    const n = 24;
    const k = 300;
    const a = new Float32Array(m * k);
    const b = new Float32Array(k * n);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) a[i * k + p] = i;
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) b[p * n + j] = j;
    const out = new Float32Array(m * n);
    matMulKernel(a, b, out, makeArgs(m, n, k));
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) expect(out[i * n + j]).toBe(k * i * j);
    }
  });

  it('propagates NaN and Infinity only into the rows and columns they touch', () => {
    const m = 9;
    const n = 10;
    const k = 70;
    const a = new Float32Array(m * k).fill(1);
    const b = new Float32Array(k * n).fill(1);
    a[2 * k + 5] = NaN; // row 2 of A
    b[3 * n + 7] = Infinity; // column 7 of B
    const out = new Float32Array(m * n);
    matMulKernel(a, b, out, makeArgs(m, n, k));
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const v = out[i * n + j];
        if (i === 2) expect(v).toBeNaN();
        else if (j === 7) expect(v).toBe(Infinity);
        else expect(v).toBe(k);
      }
    }
  });
});

describe('matMulKernel float64 against a float64 reference', () => {
  it.each(TRANSPOSES.map((tr) => [transposeName(tr), tr] as const))('%s, mixed shapes', (_name, [ta, tb]) => {
    SIZES.forEach((m, mi) => {
      for (const d of [0, 4, 9]) {
        const n = SIZES[(mi + d) % SIZES.length];
        const k = SIZES[(mi + 2 * d + 3) % SIZES.length];
        expect(runAndCheck(Float64Array, makeArgs(m, n, k, ta, tb), mi * 31 + d)).toBeNull();
      }
    });
  });

  it.each(TRANSPOSES.map((tr) => [transposeName(tr), tr] as const))('%s, 130 x 257 x 300', (_name, [ta, tb]) => {
    expect(runAndCheck(Float64Array, makeArgs(130, 257, 300, ta, tb), 5)).toBeNull();
  });

  it('keeps float64 precision beyond float32', () => {
    const m = 8;
    const n = 8;
    const k = 100;
    const a = new Float64Array(m * k).fill(1 + 2 ** -40);
    const b = new Float64Array(k * n).fill(1);
    const out = new Float64Array(m * n);
    matMulKernel(a, b, out, makeArgs(m, n, k));
    for (const v of out) expect(v).toBe(100 * (1 + 2 ** -40));
  });
});

describe('matMulKernel int32', () => {
  it.each(TRANSPOSES.map((tr) => [transposeName(tr), tr] as const))('%s, mixed shapes, exact', (_name, [ta, tb]) => {
    SIZES.forEach((m, mi) => {
      for (const d of [0, 5, 8]) {
        const n = SIZES[(mi + d) % SIZES.length];
        const k = SIZES[(mi + d + 6) % SIZES.length];
        expect(runAndCheck(Int32Array, makeArgs(m, n, k, ta, tb), mi * 17 + d)).toBeNull();
      }
    });
  });

  it('wraps modulo 2^32 like C int32', () => {
    // 65536² = 2^32 wraps to 0; 2·46341² = 2^32 + 9266 wraps to 9266.
    const a = new Int32Array([65536, 65536, 46341, 46341]);
    const b = new Int32Array([65536, 46341, 65536, 46341]);
    const out = new Int32Array(4);
    matMulKernel(a, b, out, makeArgs(2, 2, 2));
    expect(Array.from(out)).toEqual([0, (2 * 65536 * 46341) | 0, (2 * 46341 * 65536) | 0, (2 * 46341 * 46341) | 0]);
    expect(out[3]).toBe(9266);
  });

  it('matches an exact BigInt reference with full-range values', () => {
    const next = rng(99);
    const m = 9;
    const n = 7;
    const k = 40;
    const a = new Int32Array(m * k).map(() => (next() * 2 ** 32) | 0);
    const b = new Int32Array(k * n).map(() => (next() * 2 ** 32) | 0);
    for (const [ta, tb] of TRANSPOSES) {
      const args = makeArgs(m, n, k, ta, tb);
      const out = new Int32Array(m * n);
      matMulKernel(a, b, out, args);
      expect(Array.from(out)).toEqual(Array.from(intReference(a, b, args)));
    }
  });
});

describe('matMulKernel batches', () => {
  const dtypes: [string, Ctor][] = [
    ['float32', Float32Array],
    ['float64', Float64Array],
    ['int32', Int32Array],
  ];
  // Small (direct loop) and large (blocked) shapes.
  const shapes: [number, number, number][] = [
    [3, 5, 7],
    [33, 65, 130],
  ];
  const cases = dtypes.flatMap(([name, ctor]) =>
    shapes.flatMap((shape) => TRANSPOSES.map((tr) => [name, shape.join('x'), transposeName(tr), ctor, shape, tr] as const)),
  );

  it.each(cases)('%s %s %s: A broadcast (one A reused for 3 outputs)', (_d, _s, _t, ctor, [m, n, k], [ta, tb]) => {
    const args = makeArgs(m, n, k, ta, tb, 3, [0, 0, 0], [0, k * n, 2 * k * n]);
    expect(runAndCheck(ctor, args, m + n)).toBeNull();
  });

  it.each(cases)('%s %s %s: B broadcast over contiguous A', (_d, _s, _t, ctor, [m, n, k], [ta, tb]) => {
    const args = makeArgs(m, n, k, ta, tb, 3, [0, m * k, 2 * m * k], [0, 0, 0]);
    expect(runAndCheck(ctor, args, m + k)).toBeNull();
  });

  it.each(cases)('%s %s %s: scattered, repeated and offset matrices', (_d, _s, _t, ctor, [m, n, k], [ta, tb]) => {
    // Out of order, repeated and starting past element 0, so any reuse of
    // packed panels across outputs must be keyed on the offset.
    const aSize = m * k;
    const bSize = k * n;
    const args = makeArgs(
      m,
      n,
      k,
      ta,
      tb,
      4,
      [2 * aSize + 3, 3, 3, aSize + 3],
      [5, bSize + 5, bSize + 5, 5],
    );
    expect(runAndCheck(ctor, args, n + k)).toBeNull();
  });
});

describe('matMulKernel degenerate sizes and contracts', () => {
  it.each([
    ['float32', Float32Array],
    ['float64', Float64Array],
    ['int32', Int32Array],
  ] as const)('%s: k = 0 gives zeros', (_name, ctor) => {
    for (const [m, n] of [
      [3, 4],
      [70, 90],
    ]) {
      const out = new ctor(2 * m * n).fill(5);
      matMulKernel(new ctor(0), new ctor(0), out, makeArgs(m, n, 0, false, false, 2, [0, 0], [0, 0]));
      expect(Array.from(out)).toEqual(new Array(2 * m * n).fill(0));
    }
  });

  it('m = 0, n = 0 or batch = 0 writes nothing', () => {
    const out = new Float32Array([9, 9]);
    matMulKernel(new Float32Array(6), new Float32Array(6), out, makeArgs(0, 2, 3));
    matMulKernel(new Float32Array(6), new Float32Array(6), out, makeArgs(2, 0, 3));
    matMulKernel(new Float32Array(6), new Float32Array(6), out, makeArgs(2, 2, 3, false, false, 0, [], []));
    expect(Array.from(out)).toEqual([9, 9]);
  });

  it('leaves elements of out past batch·m·n untouched', () => {
    for (const s of [3, 40]) {
      const a = new Float32Array(s * s).fill(1);
      const out = new Float32Array(s * s + 3).fill(-1);
      matMulKernel(a, a, out, makeArgs(s, s, s));
      expect(Array.from(out.subarray(0, s * s))).toEqual(new Array(s * s).fill(s));
      expect(Array.from(out.subarray(s * s))).toEqual([-1, -1, -1]);
    }
  });

  it('accepts mixed array types: float32 and int32 inputs into a float64 output', () => {
    const args = makeArgs(17, 33, 65);
    const a = randomData(Float32Array, 17 * 65, 1);
    const b = randomData(Int32Array, 65 * 33, 2);
    const out = new Float64Array(17 * 33);
    matMulKernel(a, b, out, args);
    expect(firstMismatch(out, a, b, args)).toBeNull();
  });

  it('stays correct when reused scratch buffers hold data from a larger call', () => {
    expect(runAndCheck(Float32Array, makeArgs(130, 130, 130, true, true), 1)).toBeNull();
    expect(runAndCheck(Float32Array, makeArgs(17, 31, 33), 2)).toBeNull();
    expect(runAndCheck(Float64Array, makeArgs(65, 7, 257, false, true), 3)).toBeNull();
    expect(runAndCheck(Int32Array, makeArgs(64, 65, 33, true, false), 4)).toBeNull();
    expect(runAndCheck(Int32Array, makeArgs(5, 3, 2), 5)).toBeNull();
  });

  it('rejects sizes that are not non-negative integers', () => {
    const x = new Float32Array(16);
    expect(() => matMulKernel(x, x, x, makeArgs(-1, 2, 2))).toThrow(ValueError);
    expect(() => matMulKernel(x, x, x, makeArgs(2, 1.5, 2))).toThrow(ValueError);
    expect(() => matMulKernel(x, x, x, makeArgs(2, 2, NaN))).toThrow(ValueError);
    expect(() => matMulKernel(x, x, x, makeArgs(2, 2, 2, false, false, 1, [-4], [0]))).toThrow(ValueError);
  });

  it('rejects matrices or outputs that do not fit their arrays', () => {
    const x = new Float32Array(16);
    expect(() => matMulKernel(x, x, x, makeArgs(4, 4, 4, false, false, 2, [0], [0]))).toThrow(ShapeError);
    expect(() => matMulKernel(x, x, new Float32Array(15), makeArgs(4, 4, 4))).toThrow(ShapeError);
    expect(() => matMulKernel(x, x, x, makeArgs(4, 4, 4, false, false, 1, [1], [0]))).toThrow(ShapeError);
    expect(() => matMulKernel(x, x, x, makeArgs(4, 4, 4, false, false, 1, [0], [4]))).toThrow(/B matrix 0/);
  });
});
