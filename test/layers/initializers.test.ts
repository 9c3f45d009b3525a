import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, ValueError, memory, randomNormal, setSeed, type Tensor } from '../../src/engine/index.js';
import {
  Constant,
  GlorotUniform,
  HeNormal,
  Identity,
  Initializer,
  Orthogonal,
  Zeros,
  computeFans,
  getInitializer,
  initializerOption,
  initializerRegistry,
  initializers,
  serializeInitializer,
  type InitializerDType,
} from '../../src/layers/initializers.js';
import { orthonormalColumns } from '../../src/layers/initializers/orthogonal.js';
import { signedValues } from '../helpers/rng.js';

/** Draws, reads and frees, so statistics tests do not keep tensors alive. */
function draw(init: Initializer, shape: number[], dtype?: InitializerDType): { values: number[]; t: { shape: number[]; dtype: string } } {
  const t = init.apply(shape, dtype);
  const values = Array.from(t.dataSync());
  const meta = { shape: [...t.shape], dtype: t.dtype };
  t.dispose();
  return { values, t: meta };
}

function stats(v: number[]): { mean: number; variance: number; maxAbs: number } {
  let s = 0;
  for (const x of v) s += x;
  const mean = s / v.length;
  let ss = 0;
  let maxAbs = 0;
  for (const x of v) {
    ss += (x - mean) ** 2;
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  return { mean, variance: ss / v.length, maxAbs };
}

/** Row-major a (r×k) times b (k×c). */
function matmul(a: ArrayLike<number>, b: ArrayLike<number>, r: number, k: number, c: number): number[] {
  const out = new Array<number>(r * c).fill(0);
  for (let i = 0; i < r; i++) for (let p = 0; p < k; p++) for (let j = 0; j < c; j++) out[i * c + j] += a[i * k + p] * b[p * c + j];
  return out;
}

function transpose(a: ArrayLike<number>, r: number, c: number): number[] {
  const out = new Array<number>(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
  return out;
}

function expectScaledIdentity(m: number[], n: number, scale: number, tol: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(m[i * n + j] - (i === j ? scale : 0))).toBeLessThan(tol);
}

/** Independent reference: modified Gram-Schmidt, the Q with positive diag(R). */
function gramSchmidtQ(a: ArrayLike<number>, rows: number, cols: number): number[] {
  const q = Array.from(a);
  for (let j = 0; j < cols; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += q[i * cols + p] * q[i * cols + j];
      for (let i = 0; i < rows; i++) q[i * cols + j] -= dot * q[i * cols + p];
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += q[i * cols + j] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < rows; i++) q[i * cols + j] /= norm;
  }
  return q;
}

describe('fans', () => {
  it('computes Keras fans for scalar, 1-D, dense and conv shapes', () => {
    expect(computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
    expect(computeFans([5])).toEqual({ fanIn: 5, fanOut: 5 });
    expect(computeFans([4, 7])).toEqual({ fanIn: 4, fanOut: 7 });
    // receptive field 3·3 = 9: fanIn 16·9, fanOut 32·9
    expect(computeFans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    // receptive field 2·3·4 = 24
    expect(computeFans([2, 3, 4, 5, 6])).toEqual({ fanIn: 120, fanOut: 144 });
  });
});

describe('constant initializers', () => {
  it('zeros, ones and constant fill with the right dtype', () => {
    expect(draw(initializers.zeros(), [2, 3]).values).toEqual([0, 0, 0, 0, 0, 0]);
    const o = draw(initializers.ones(), [3], 'int32');
    expect(o.values).toEqual([1, 1, 1]);
    expect(o.t.dtype).toBe('int32');
    const c = draw(initializers.constant({ value: 0.25 }), [2, 2], 'float64');
    expect(c.values).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(c.t).toEqual({ shape: [2, 2], dtype: 'float64' });
    expect(draw(new Constant(), [2]).values).toEqual([0, 0]); // Keras default value 0
    expect(draw(initializers.zeros(), []).t.shape).toEqual([]);
  });

  it('rejects int32 constants that are not integers and non-numeric dtypes', () => {
    expect(draw(initializers.constant({ value: 3 }), [2], 'int32').values).toEqual([3, 3]);
    expect(() => initializers.constant({ value: 0.5 }).apply([2], 'int32')).toThrow(DTypeError);
    expect(() => initializers.constant({ value: 0.5 }).apply([2], 'int32')).toThrow(/^constant: cannot fill an int32 tensor with 0.5/);
    expect(() => initializers.zeros().apply([2], 'bool' as InitializerDType)).toThrow(/zeros: expected dtype 'float32', 'float64' or 'int32', got 'bool'/);
    expect(() => initializers.ones().apply([2, -1])).toThrow(ShapeError);
    expect(() => initializers.ones().apply([2, 1.5])).toThrow(/ones: expected shape to be an array of non-negative integers, got \[2,1.5\]/);
  });

  it('identity is gain · eye, also non-square, 2-D only', () => {
    // [2,3] with gain 2: ones on the main diagonal times 2
    expect(draw(initializers.identity({ gain: 2 }), [2, 3]).values).toEqual([2, 0, 0, 0, 2, 0]);
    expect(draw(initializers.identity(), [3, 2]).values).toEqual([1, 0, 0, 1, 0, 0]);
    const i = draw(new Identity(), [2, 2], 'int32');
    expect(i).toEqual({ values: [1, 0, 0, 1], t: { shape: [2, 2], dtype: 'int32' } });
    expect(() => initializers.identity().apply([2, 2, 2])).toThrow(ValueError);
    expect(() => initializers.identity().apply([4])).toThrow(/^identity: the identity initializer needs a 2-D shape, got \[4\]/);
    expect(() => initializers.identity({ gain: 0.5 }).apply([2, 2], 'int32')).toThrow(/identity: cannot make an int32 identity with gain 0.5/);
  });

  it('creates exactly one tensor per call', () => {
    const before = memory().numTensors;
    const inits = [initializers.identity({ gain: 3 }), initializers.orthogonal(), initializers.glorotNormal(), initializers.constant({ value: 1 })];
    const ts = inits.map((init) => init.apply([4, 4]));
    expect(memory().numTensors).toBe(before + inits.length);
    for (const t of ts) t.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('random initializers: statistics', () => {
  it('glorotUniform on [400, 600] stays within ±sqrt(6/1000) with variance limit²/3', () => {
    const limit = Math.sqrt(6 / 1000);
    const { values, t } = draw(initializers.glorotUniform({ seed: 11 }), [400, 600]);
    expect(t).toEqual({ shape: [400, 600], dtype: 'float32' });
    const s = stats(values);
    expect(s.maxAbs).toBeLessThanOrEqual(limit * (1 + 1e-6));
    expect(s.maxAbs).toBeGreaterThan(limit * 0.999);
    expect(Math.abs(s.variance / (limit * limit / 3) - 1)).toBeLessThan(0.02);
    expect(Math.abs(s.mean)).toBeLessThan(5e-4);
  });

  it('heNormal is a truncated normal with variance 2/fanIn after the 0.8796 correction', () => {
    const stddev = Math.sqrt(2 / 400) / 0.87962566103423978;
    const { values } = draw(initializers.heNormal({ seed: 2 }), [400, 600]);
    const s = stats(values);
    expect(s.maxAbs).toBeLessThanOrEqual(2 * stddev * (1 + 1e-6));
    expect(s.maxAbs).toBeGreaterThan(1.99 * stddev);
    expect(Math.abs(s.variance / (2 / 400) - 1)).toBeLessThan(0.03);
  });

  it('glorotNormal and lecunUniform use conv fans', () => {
    // [3,3,16,32]: fanIn 144, fanOut 288, fanAvg 216
    const g = stats(draw(initializers.glorotNormal({ seed: 3 }), [3, 3, 16, 32]).values);
    expect(g.maxAbs).toBeLessThanOrEqual((2 * Math.sqrt(1 / 216)) / 0.87962566103423978 * (1 + 1e-6));
    expect(Math.abs(g.variance / (1 / 216) - 1)).toBeLessThan(0.08);
    const limit = Math.sqrt(3 / 144);
    const l = stats(draw(initializers.lecunUniform({ seed: 4 }), [3, 3, 16, 32]).values);
    expect(l.maxAbs).toBeLessThanOrEqual(limit * (1 + 1e-6));
    expect(l.maxAbs).toBeGreaterThan(limit * 0.99);
    expect(Math.abs(l.variance / (1 / 144) - 1)).toBeLessThan(0.06);
  });

  it('heUniform on a 1-D shape uses fanIn = length; lecunNormal in float64', () => {
    const limit = Math.sqrt(6 / 50);
    const h = stats(draw(initializers.heUniform({ seed: 5 }), [50]).values);
    expect(h.maxAbs).toBeLessThanOrEqual(limit * (1 + 1e-6));
    expect(h.maxAbs).toBeGreaterThan(limit * 0.8);
    const ln = draw(initializers.lecunNormal({ seed: 6 }), [300, 200], 'float64');
    expect(ln.t.dtype).toBe('float64');
    expect(Math.abs(stats(ln.values).variance / (1 / 300) - 1)).toBeLessThan(0.03);
  });

  it('varianceScaling: untruncated normal exceeds 2 stddev; uniform with fanAvg', () => {
    const std = Math.sqrt(2 / 300);
    const u = draw(initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'untruncatedNormal', seed: 7 }), [200, 300]).values;
    const s = stats(u);
    expect(Math.abs(s.variance / (std * std) - 1)).toBeLessThan(0.03);
    expect(s.maxAbs).toBeGreaterThan(3 * std);
    const limit = Math.sqrt((3 * 0.5) / 250); // scale 0.5, fanAvg (200+300)/2
    const v = stats(draw(initializers.varianceScaling({ scale: 0.5, mode: 'fan_avg', distribution: 'uniform', seed: 8 }), [200, 300]).values);
    expect(v.maxAbs).toBeLessThanOrEqual(limit * (1 + 1e-6));
    expect(Math.abs(v.variance / (limit * limit / 3) - 1)).toBeLessThan(0.03);
  });

  it('zero-size shapes work (fans clamp to 1)', () => {
    expect(draw(initializers.glorotUniform(), [0, 5]).t.shape).toEqual([0, 5]);
  });

  it('randomNormal, randomUniform and truncatedNormal use the Keras defaults', () => {
    const n = stats(draw(initializers.randomNormal({ seed: 1 }), [100000]).values);
    expect(Math.abs(Math.sqrt(n.variance) / 0.05 - 1)).toBeLessThan(0.02);
    expect(n.maxAbs).toBeGreaterThan(0.15); // untruncated: beyond 3 stddev somewhere in 1e5 draws
    const m = stats(draw(initializers.randomNormal({ mean: 3, stddev: 0.5, seed: 1 }), [20000]).values);
    expect(Math.abs(m.mean - 3)).toBeLessThan(0.02);
    const u = draw(initializers.randomUniform({ seed: 1 }), [100000]).values;
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...u)).toBeLessThan(0.05);
    expect(Math.min(...u)).toBeLessThan(-0.0499);
    const w = draw(initializers.randomUniform({ minval: 2, maxval: 3, seed: 1 }), [1000]).values;
    expect(Math.min(...w)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...w)).toBeLessThan(3);
    const t = stats(draw(initializers.truncatedNormal({ seed: 1 }), [100000]).values);
    expect(t.maxAbs).toBeLessThanOrEqual(0.1 * (1 + 1e-6));
    // a standard normal truncated to ±2 has stddev 0.8796
    expect(Math.abs(Math.sqrt(t.variance) / (0.05 * 0.87962566103423978) - 1)).toBeLessThan(0.02);
  });

  it('random initializers refuse int32', () => {
    for (const init of [initializers.glorotUniform(), initializers.randomUniform(), initializers.randomNormal(), initializers.truncatedNormal(), initializers.orthogonal()]) {
      expect(() => init.apply([2, 2], 'int32')).toThrow(DTypeError);
    }
    expect(() => initializers.glorotUniform().apply([2, 2], 'int32')).toThrow(/^glorotUniform: expected dtype 'float32' or 'float64', got 'int32'/);
  });
});

describe('seeding', () => {
  it('a seed gives the same values on every call and for every instance', () => {
    const a = initializers.glorotUniform({ seed: 42 });
    const first = draw(a, [5, 7]).values;
    expect(draw(a, [5, 7]).values).toEqual(first);
    expect(draw(new GlorotUniform({ seed: 42 }), [5, 7]).values).toEqual(first);
    expect(draw(initializers.glorotUniform({ seed: 43 }), [5, 7]).values).not.toEqual(first);
    const o = initializers.orthogonal({ seed: 9 });
    expect(draw(o, [4, 3]).values).toEqual(draw(o, [4, 3]).values);
  });

  it('without a seed, setSeed reproduces the draws', () => {
    const init = initializers.heNormal();
    setSeed(123);
    const a = draw(init, [6, 6]).values;
    const b = draw(init, [6, 6]).values;
    setSeed(123);
    expect(draw(init, [6, 6]).values).toEqual(a);
    expect(draw(init, [6, 6]).values).toEqual(b);
    expect(b).not.toEqual(a);
  });
});

describe('orthogonal', () => {
  it('orthonormalColumns matches Gram-Schmidt and gives Q R = A with R upper triangular, diag(R) > 0', () => {
    const rows = 7;
    const cols = 4;
    const a = Float64Array.from(signedValues(rows * cols, 17));
    const q = orthonormalColumns(a, rows, cols);
    const ref = gramSchmidtQ(a, rows, cols);
    for (let i = 0; i < q.length; i++) expect(Math.abs(q[i] - ref[i])).toBeLessThan(1e-12);
    const r = matmul(transpose(q, rows, cols), a, cols, rows, cols);
    for (let i = 0; i < cols; i++) {
      expect(r[i * cols + i]).toBeGreaterThan(0);
      for (let j = 0; j < i; j++) expect(Math.abs(r[i * cols + j])).toBeLessThan(1e-12);
    }
    const qr = matmul(q, r, rows, cols, cols);
    for (let i = 0; i < a.length; i++) expect(Math.abs(qr[i] - a[i])).toBeLessThan(1e-12);
  });

  it('tall shapes get orthonormal columns times gain', () => {
    const { values } = draw(initializers.orthogonal({ gain: 2, seed: 1 }), [6, 4], 'float64');
    expectScaledIdentity(matmul(transpose(values, 6, 4), values, 4, 6, 4), 4, 4, 1e-12); // QᵀQ = gain² I
  });

  it('wide shapes get orthonormal rows', () => {
    const { values, t } = draw(initializers.orthogonal({ seed: 2 }), [3, 8]);
    expect(t).toEqual({ shape: [3, 8], dtype: 'float32' });
    expectScaledIdentity(matmul(values, transpose(values, 3, 8), 3, 8, 3), 3, 1, 1e-5); // Q Qᵀ = I
  });

  it('square matrices are orthogonal both ways; conv kernels flatten to [prod(shape[:-1]), shape[-1]]', () => {
    const sq = draw(initializers.orthogonal({ seed: 3 }), [32, 32], 'float64').values;
    expectScaledIdentity(matmul(transpose(sq, 32, 32), sq, 32, 32, 32), 32, 1, 1e-12);
    expectScaledIdentity(matmul(sq, transpose(sq, 32, 32), 32, 32, 32), 32, 1, 1e-12);
    const conv = draw(initializers.orthogonal({ seed: 4, gain: 0.5 }), [3, 3, 4, 8], 'float64');
    expect(conv.t.shape).toEqual([3, 3, 4, 8]);
    expectScaledIdentity(matmul(transpose(conv.values, 36, 8), conv.values, 8, 36, 8), 8, 0.25, 1e-12);
  });

  it('follows Keras: Q of the seeded normal draw, transposed for wide shapes', () => {
    // The draw is [max(r,c), min(r,c)] = [5, 3] for a [3, 5] shape.
    const z = randomNormal([5, 3], 0, 1, 'float64', 77);
    const ref = gramSchmidtQ(z.dataSync(), 5, 3);
    z.dispose();
    const { values } = draw(initializers.orthogonal({ seed: 77 }), [3, 5], 'float64');
    const expected = transpose(ref, 5, 3);
    for (let i = 0; i < values.length; i++) expect(Math.abs(values[i] - expected[i])).toBeLessThan(1e-12);
  });

  it('needs rank >= 2', () => {
    expect(() => initializers.orthogonal().apply([5])).toThrow(/^orthogonal: the orthogonal initializer needs a shape of rank >= 2, got \[5\]/);
  });
});

describe('getInitializer', () => {
  const forms: [string, string][] = [
    ['glorotUniform', 'GlorotUniform'],
    ['glorot_uniform', 'GlorotUniform'],
    ['GlorotUniform', 'GlorotUniform'],
    ['xavierUniform', 'GlorotUniform'],
    ['xavier_uniform', 'GlorotUniform'],
    ['xavierNormal', 'GlorotNormal'],
    ['xavier_normal', 'GlorotNormal'],
    ['he_normal', 'HeNormal'],
    ['heUniform', 'HeUniform'],
    ['lecun_normal', 'LecunNormal'],
    ['LecunUniform', 'LecunUniform'],
    ['zeros', 'Zeros'],
    ['ones', 'Ones'],
    ['constant', 'Constant'],
    ['random_normal', 'RandomNormal'],
    ['randomUniform', 'RandomUniform'],
    ['truncated_normal', 'TruncatedNormal'],
    ['variance_scaling', 'VarianceScaling'],
    ['orthogonal', 'Orthogonal'],
    ['OrthogonalInitializer', 'Orthogonal'],
    ['identity', 'Identity'],
  ];
  it.each(forms)('resolves %s to %s', (name, className) => {
    const init = getInitializer(name, 'dense_1');
    expect(init.className).toBe(className);
    expect(init).toBeInstanceOf(Initializer);
  });

  it('returns instances as is and builds serialized ones', () => {
    const he = new HeNormal({ seed: 5 });
    expect(getInitializer(he, 'dense_1')).toBe(he);
    const c = getInitializer({ className: 'Constant', config: { value: 2 } }, 'dense_1');
    expect(draw(c, [2]).values).toEqual([2, 2]);
  });

  it('names the owner and suggests the closest name for unknown names', () => {
    expect(() => getInitializer('glorotUnifrom', 'dense_1')).toThrow(ValueError);
    expect(() => getInitializer('glorotUnifrom', 'dense_1')).toThrow(
      "dense_1: unknown initializer 'glorotUnifrom' (did you mean 'glorotUniform'?); known: zeros, ones, constant, randomUniform, randomNormal, truncatedNormal, varianceScaling, glorotUniform, glorotNormal, heNormal, heUniform, lecunNormal, lecunUniform, orthogonal, identity",
    );
    expect(() => getInitializer({ className: 'HeNormall', config: {} }, 'conv_2')).toThrow(/^conv_2: unknown initializer class 'HeNormall' \(did you mean 'HeNormal'\?\)/);
    expect(() => getInitializer({ className: 'HeNormal', config: { seed: -1 } }, 'conv_2')).toThrow(/^heNormal: option 'seed': .*got -1/);
    expect(() => getInitializer(5 as unknown as string, 'dense_1')).toThrow(/^dense_1: expected an initializer name, an Initializer or \{className, config\}, got 5/);
  });

  it('serialize → getInitializer round-trips the config (through JSON)', () => {
    const all: Initializer[] = [
      initializers.zeros(),
      initializers.ones(),
      initializers.constant({ value: -1.5 }),
      initializers.randomUniform({ minval: -1, maxval: 2, seed: 3 }),
      initializers.randomNormal({ mean: 1, stddev: 0.2 }),
      initializers.truncatedNormal({ stddev: 0.02, seed: 0 }),
      initializers.varianceScaling({ scale: 2, mode: 'fan_out', distribution: 'uniform', seed: 9 }),
      initializers.glorotUniform({ seed: 1 }),
      initializers.glorotNormal(),
      initializers.heNormal({ seed: 2 }),
      initializers.heUniform(),
      initializers.lecunNormal(),
      initializers.lecunUniform({ seed: 4 }),
      initializers.orthogonal({ gain: 1.5, seed: 8 }),
      initializers.identity({ gain: 3 }),
    ];
    for (const init of all) {
      const s = JSON.parse(JSON.stringify(serializeInitializer(init)));
      const back = getInitializer(s, 'dense_1');
      expect(back.className).toBe(init.className);
      expect(back.getConfig()).toEqual(init.getConfig());
    }
    expect(serializeInitializer(initializers.glorotNormal())).toEqual({ className: 'GlorotNormal', config: { seed: null } });
    expect(serializeInitializer(initializers.varianceScaling({ mode: 'fan_avg' }))).toEqual({
      className: 'VarianceScaling',
      config: { scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: null },
    });
  });

  it('finds custom initializers registered by class name', () => {
    class Halves extends Initializer {
      readonly className = 'Halves';
      apply(shape: readonly number[]): Tensor {
        return new Constant({ value: 0.5 }).apply(shape);
      }
      getConfig() {
        return {};
      }
    }
    initializerRegistry.register('Halves', () => new Halves());
    expect(draw(getInitializer('Halves', 'dense_1'), [2]).values).toEqual([0.5, 0.5]);
    expect(getInitializer({ className: 'Halves', config: {} }, 'dense_1')).toBeInstanceOf(Halves);
    expect(() => getInitializer('Halfs', 'dense_1')).toThrow(/dense_1: unknown initializer 'Halfs' \(did you mean 'Halves'\?\); known: .*identity, Halves/);
  });

  it('initializerOption accepts names, instances and serialized forms only', () => {
    expect(initializerOption.safeParse('heNormal').success).toBe(true);
    expect(initializerOption.safeParse(new Zeros()).success).toBe(true);
    expect(initializerOption.safeParse({ className: 'Zeros', config: {} }).success).toBe(true);
    expect(initializerOption.safeParse(3).success).toBe(false);
    expect(initializerOption.safeParse({ className: 'Zeros' }).success).toBe(false);
  });
});

describe('bad options', () => {
  it('name the initializer and the option', () => {
    expect(() => initializers.randomNormal({ stddev: -1 })).toThrow("randomNormal: option 'stddev': Too small: expected number to be >=0, got -1");
    expect(() => initializers.randomUniform({ minval: 1, maxval: 1 })).toThrow('randomUniform: expected minval < maxval, got minval 1 and maxval 1');
    expect(() => initializers.varianceScaling({ scale: 0 })).toThrow(/^varianceScaling: option 'scale': Too small.*got 0/);
    expect(() => initializers.varianceScaling({ mode: 'fanin' as 'fanIn' })).toThrow(/^varianceScaling: option 'mode': .*"fanIn".*got "fanin"/);
    expect(() => initializers.varianceScaling({ distribution: 'normal' as 'uniform' })).toThrow(/^varianceScaling: option 'distribution': .*got "normal"/);
    expect(() => initializers.glorotUniform({ seed: 1.5 })).toThrow(/^glorotUniform: option 'seed': .*got 1.5/);
    expect(() => initializers.heNormal({ sed: 1 } as never)).toThrow("heNormal: unknown option 'sed' (did you mean 'seed'?); known options: seed");
    expect(() => initializers.constant({ value: Number.NaN })).toThrow(/^constant: option 'value'/);
    expect(() => initializers.orthogonal({ gain: Infinity })).toThrow(/^orthogonal: option 'gain'/);
    expect(() => initializers.identity({ gain: '2' as unknown as number })).toThrow(/^identity: option 'gain': .*got "2"/);
  });
});
