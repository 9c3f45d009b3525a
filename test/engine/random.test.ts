import { ValueError } from '../../src/engine/errors.js';
import { describe, it, expect, vi } from 'vitest';
import {
  philox4x32,
  fillUniform,
  fillNormal,
  fillTruncatedNormal,
  setSeed,
  getSeed,
  nextRandomKey,
  getRandomState,
  setRandomState,
  TRUNCATED_NORMAL_MAX_ATTEMPTS,
  type RandomKey,
} from '../../src/engine/random.js';

const INV_2_POW_24 = 2 ** -24;

function block(c0: number, c1: number, c2: number, c3: number, key: RandomKey): Uint32Array {
  const out = new Uint32Array(4);
  philox4x32(c0, c1, c2, c3, key[0], key[1], out);
  return out;
}

/** Straight transcription of Random123's philox4x32_R with BigInt, sharing no code with the library. */
function philoxReference(ctr: readonly number[], key: readonly number[]): number[] {
  const mask = 0xffffffffn;
  let [x0, x1, x2, x3] = ctr.map(BigInt);
  let [k0, k1] = key.map(BigInt);
  for (let r = 0; r < 10; r++) {
    const p0 = 0xd2511f53n * x0!;
    const p1 = 0xcd9e8d57n * x2!;
    const next = [(p1 >> 32n) ^ x1! ^ k0!, p1 & mask, (p0 >> 32n) ^ x3! ^ k1!, p0 & mask];
    [x0, x1, x2, x3] = next;
    k0 = (k0! + 0x9e3779b9n) & mask;
    k1 = (k1! + 0xbb67ae85n) & mask;
  }
  return [x0!, x1!, x2!, x3!].map(Number);
}

/**
 * A second, fast reference whose mulhi uses exact float64 products instead of
 * the library's 16-bit-halves scheme; fast enough to check hundreds of
 * thousands of blocks, which a carry slip in mulhi (wrong once per ~10^5
 * blocks) needs.
 */
function mulhiF64(a: number, m: number): number {
  const p = a * (m % 65536); // < 2^48, exact
  const q = a * Math.floor(m / 65536) + Math.floor(p / 65536); // < 2^49, exact
  return Math.floor(q / 65536) >>> 0;
}

function philoxF64(c: readonly number[], k: readonly number[], out: number[]): void {
  let [x0, x1, x2, x3] = c as [number, number, number, number];
  let [k0, k1] = k as [number, number];
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhiF64(x0, 0xd2511f53);
    const lo0 = Math.imul(x0, 0xd2511f53) >>> 0;
    const hi1 = mulhiF64(x2, 0xcd9e8d57);
    const lo1 = Math.imul(x2, 0xcd9e8d57) >>> 0;
    [x0, x1, x2, x3] = [(hi1 ^ x1 ^ k0) >>> 0, lo1, (hi0 ^ x3 ^ k1) >>> 0, lo0];
    k0 = (k0 + 0x9e3779b9) >>> 0;
    k1 = (k1 + 0xbb67ae85) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

function meanAndStd(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length) };
}

function normalFromWords(wa: number, wb: number): [number, number] {
  const u1 = ((wa >>> 8) + 0.5) * INV_2_POW_24;
  const u2 = (wb >>> 8) * INV_2_POW_24;
  const r = Math.sqrt(-2 * Math.log(u1));
  return [r * Math.cos(2 * Math.PI * u2), r * Math.sin(2 * Math.PI * u2)];
}

describe('philox4x32', () => {
  it('matches the Random123 known-answer vectors', () => {
    const out = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, out);
    expect(Array.from(out)).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out);
    expect(Array.from(out)).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect(Array.from(out)).toEqual([0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });

  it('agrees with a BigInt reference on pseudo-random inputs', () => {
    const words = new Uint32Array(4);
    const out = new Uint32Array(4);
    for (let t = 0; t < 500; t++) {
      philox4x32(t, 0, 0, 0, 0xdeadbeef, 0x12345678, words);
      const ctr = [words[0]!, words[1]!, words[2]!, words[3]!];
      const key = [words[1]! ^ words[2]!, words[3]! ^ 0x80000000].map((w) => w >>> 0);
      philox4x32(ctr[0]!, ctr[1]!, ctr[2]!, ctr[3]!, key[0]!, key[1]!, out);
      expect(Array.from(out)).toEqual(philoxReference(ctr, key));
    }
  });

  it('agrees with an independent float64-mulhi reference on 200k blocks', () => {
    const out = new Uint32Array(4);
    const ref = [0, 0, 0, 0];
    const seedWords = new Uint32Array(4);
    let mismatches = 0;
    for (let t = 0; t < 200_000; t++) {
      // Vary every counter and key word, including values near the 16-bit carry edges.
      philox4x32(t, 1, 2, 3, 4, 5, seedWords);
      const c0 = t % 7 === 0 ? (0xffff * (t % 65537)) >>> 0 : seedWords[0]!;
      const c = [c0, seedWords[1]!, seedWords[2]!, t];
      const k = [seedWords[3]!, (seedWords[0]! ^ seedWords[2]!) >>> 0];
      philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, out);
      philoxF64(c, k, ref);
      if (out[0] !== ref[0] || out[1] !== ref[1] || out[2] !== ref[2] || out[3] !== ref[3]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('writes at outOffset and treats int32 spellings like uint32 ones', () => {
    const out = new Uint32Array(8);
    philox4x32(-1, -1, -1, -1, -1, -1, out, 4);
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(out.subarray(4))).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
  });
});

describe('stream contract', () => {
  const key: RandomKey = [0x01234567, 0x89abcdef];

  it('uniform float64 element i is word i&3 of block floor(i/4)', () => {
    const out = new Float64Array(11);
    fillUniform(out, key, -3, 5);
    for (let i = 0; i < out.length; i++) {
      const w = block(i >>> 2, 0, 0, 0, key)[i & 3]!;
      expect(out[i]).toBe(-3 + (w >>> 8) * INV_2_POW_24 * 8);
    }
  });

  it('uniform float32 uses float32 arithmetic', () => {
    const out = new Float32Array(9);
    const low = 0.1;
    const high = 0.7;
    fillUniform(out, key, low, high);
    const L = Math.fround(low);
    const R = Math.fround(Math.fround(high) - L);
    for (let i = 0; i < out.length; i++) {
      const u = (block(i >>> 2, 0, 0, 0, key)[i & 3]! >>> 8) * INV_2_POW_24;
      expect(out[i]).toBe(Math.fround(L + Math.fround(u * R)));
    }
  });

  it('uniform int32 is floor(low + u * (high - low)) computed exactly', () => {
    const out = new Int32Array(10);
    fillUniform(out, key, -1000, 123457);
    for (let i = 0; i < out.length; i++) {
      const w = block(i >>> 2, 0, 0, 0, key)[i & 3]!;
      const exact = Number((BigInt(w >>> 8) * 124457n) >> 24n) - 1000;
      expect(out[i]).toBe(exact);
    }
  });

  it('uniform int32 is exact for wide ranges over many elements', () => {
    for (const [low, high] of [
      [-(2 ** 31), 2 ** 31 - 1],
      [-2_000_000_000, 2_000_000_007],
    ] as const) {
      const n = 200_000;
      const out = new Int32Array(n);
      fillUniform(out, key, low, high);
      const range = high - low;
      let mismatches = 0;
      for (let i = 0; i < n; i++) {
        const m = block(Math.floor(i / 4), 0, 0, 0, key)[i & 3]! >>> 8;
        // floor(m * range / 2^24) without rounding: split range into 16-bit halves.
        const p = m * (range % 65536);
        const q = m * Math.floor(range / 65536) + Math.floor(p / 65536);
        if (out[i] !== low + Math.floor(q / 256)) mismatches++;
      }
      expect(mismatches).toBe(0);
    }
  });

  it('normal elements 2j and 2j+1 are the cos and sin branches of block j', () => {
    const out = new Float64Array(7);
    fillNormal(out, key, 1.5, 2);
    for (let i = 0; i < out.length; i++) {
      const b = block(i >>> 1, 0, 0, 0, key);
      const [zc, zs] = normalFromWords(b[0]!, b[1]!);
      expect(out[i]).toBe(1.5 + 2 * (i % 2 === 0 ? zc : zs));
    }
    const out32 = new Float32Array(7);
    fillNormal(out32, key, 1.5, 2);
    expect(Array.from(out32)).toEqual(Array.from(out, Math.fround));
  });

  it('truncated normal takes the first in-range cos branch over attempts', () => {
    const n = 2000;
    const out = new Float64Array(n);
    fillTruncatedNormal(out, key, 0, 1);
    let retried = 0;
    for (let i = 0; i < n; i++) {
      let expected = 0;
      for (let a = 0; a < TRUNCATED_NORMAL_MAX_ATTEMPTS; a++) {
        const b = block(i, a, 1, 0, key);
        const z0 = normalFromWords(b[0]!, b[1]!)[0];
        const z1 = normalFromWords(b[2]!, b[3]!)[0];
        if (Math.abs(z0) <= 2) {
          expected = z0;
          break;
        }
        retried++;
        if (Math.abs(z1) <= 2) {
          expected = z1;
          break;
        }
      }
      expect(out[i]).toBe(expected);
    }
    // About 4.6% of first draws are rejected, so the retry path was exercised.
    expect(retried).toBeGreaterThan(40);
  });

  it('a shorter array gets a prefix of a longer one', () => {
    const fills: Array<(out: Float64Array) => void> = [
      (o) => fillUniform(o, key, 0, 1),
      (o) => fillNormal(o, key, 0, 1),
      (o) => fillTruncatedNormal(o, key, 0, 1),
    ];
    for (const fill of fills) {
      const long = new Float64Array(37);
      const short = new Float64Array(13);
      fill(long);
      fill(short);
      expect(Array.from(short)).toEqual(Array.from(long.subarray(0, 13)));
    }
  });
});

describe('determinism', () => {
  it('the same key gives bit-identical arrays', () => {
    const key = nextRandomKey(99);
    for (const make of [() => new Float32Array(1001), () => new Float64Array(1001)]) {
      const a = make();
      const b = make();
      fillUniform(a, key, -1, 1);
      fillUniform(b, key, -1, 1);
      expect(b).toEqual(a);
      fillNormal(a, key, 0, 1);
      fillNormal(b, key, 0, 1);
      expect(b).toEqual(a);
      fillTruncatedNormal(a, key, 0, 1);
      fillTruncatedNormal(b, key, 0, 1);
      expect(b).toEqual(a);
    }
  });

  it('an explicit seed always gives the same key and leaves the global counter alone', () => {
    setSeed(5);
    expect(nextRandomKey(1234)).toEqual(nextRandomKey(1234));
    expect(getRandomState()).toEqual({ seed: 5, counter: 0 });
    expect(nextRandomKey(0)).toEqual([0, 0x9e3779b9]);
    expect(nextRandomKey(2 ** 53 - 1)).toEqual([0xffffffff, (0x1fffff ^ 0x9e3779b9) >>> 0]);
  });

  it('different seeds and successive global keys give different streams', () => {
    const draw = (key: RandomKey): Float32Array => {
      const out = new Float32Array(64);
      fillUniform(out, key, 0, 1);
      return out;
    };
    expect(draw(nextRandomKey(1))).not.toEqual(draw(nextRandomKey(2)));
    setSeed(1);
    const a = draw(nextRandomKey());
    const b = draw(nextRandomKey());
    setSeed(2);
    const c = draw(nextRandomKey());
    expect(b).not.toEqual(a);
    expect(c).not.toEqual(a);
    expect(c).not.toEqual(b);
  });

  it('explicit-seed keys and global keys come from disjoint families', () => {
    for (const seed of [0, 1, 42, 2 ** 32, 2 ** 53 - 1]) {
      expect(nextRandomKey(seed)[1]).toBeGreaterThanOrEqual(2 ** 31);
      setSeed(seed);
      for (let i = 0; i < 50; i++) {
        const [k0, k1] = nextRandomKey();
        expect(k1).toBeLessThan(2 ** 31);
        expect(Number.isInteger(k0) && k0 >= 0 && k0 < 2 ** 32).toBe(true);
      }
    }
  });

  it('setSeed resets the stream', () => {
    setSeed(2024);
    const first = [nextRandomKey(), nextRandomKey(), nextRandomKey()];
    setSeed(7);
    nextRandomKey();
    setSeed(2024);
    expect(getSeed()).toBe(2024);
    expect(getRandomState().counter).toBe(0);
    expect([nextRandomKey(), nextRandomKey(), nextRandomKey()]).toEqual(first);
  });

  it('getRandomState/setRandomState replays the same next numbers', () => {
    setSeed(31337);
    nextRandomKey();
    nextRandomKey();
    const saved = getRandomState();
    expect(saved).toEqual({ seed: 31337, counter: 2 });
    const a = new Float32Array(100);
    fillNormal(a, nextRandomKey(), 0, 1);
    const keyAfter = nextRandomKey();

    setSeed(1);
    nextRandomKey();
    setRandomState(saved);
    const b = new Float32Array(100);
    fillNormal(b, nextRandomKey(), 0, 1);
    expect(b).toEqual(a);
    expect(nextRandomKey()).toEqual(keyAfter);

    // The snapshot is a copy, not a live view.
    saved.counter = 0;
    expect(getRandomState().counter).toBe(4);
  });

  it('picks a different random default seed on each module load', async () => {
    vi.resetModules();
    const first = await import('../../src/engine/random.js');
    vi.resetModules();
    const second = await import('../../src/engine/random.js');
    for (const mod of [first, second]) {
      const seed = mod.getSeed();
      expect(Number.isSafeInteger(seed) && seed >= 0).toBe(true);
      expect(mod.getRandomState().counter).toBe(0);
    }
    expect(first.getSeed()).not.toBe(second.getSeed());
  });
});

describe('statistics (100k samples)', () => {
  const N = 100_000;

  it('uniform [0, 1) has mean 0.5, variance 1/12 and flat bins', () => {
    const out = new Float32Array(N);
    fillUniform(out, nextRandomKey(11), 0, 1);
    const { mean, std } = meanAndStd(out);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(std - Math.sqrt(1 / 12))).toBeLessThan(0.01);
    const bins = new Array<number>(10).fill(0);
    for (const v of out) bins[Math.floor(v * 10)]!++;
    for (const count of bins) expect(Math.abs(count / N - 0.1)).toBeLessThan(0.005);
  });

  it('uniform streams from different keys are uncorrelated', () => {
    const a = new Float64Array(N);
    const b = new Float64Array(N);
    setSeed(3);
    fillUniform(a, nextRandomKey(), 0, 1);
    fillUniform(b, nextRandomKey(), 0, 1);
    let cov = 0;
    for (let i = 0; i < N; i++) cov += (a[i]! - 0.5) * (b[i]! - 0.5);
    expect(Math.abs(cov / N / (1 / 12))).toBeLessThan(0.02);
  });

  it('normal has mean 0 and std 1 (both the cos and sin halves)', () => {
    const out = new Float32Array(N);
    fillNormal(out, nextRandomKey(12), 0, 1);
    const all = meanAndStd(out);
    expect(Math.abs(all.mean)).toBeLessThan(0.01);
    expect(Math.abs(all.std - 1)).toBeLessThan(0.01);
    for (const parity of [0, 1]) {
      const half = out.filter((_, i) => i % 2 === parity);
      const s = meanAndStd(half);
      expect(Math.abs(s.mean)).toBeLessThan(0.02);
      expect(Math.abs(s.std - 1)).toBeLessThan(0.02);
    }
    // P(|z| > 1.96) = 5%.
    const tail = out.filter((z) => Math.abs(z) > 1.96).length / N;
    expect(Math.abs(tail - 0.05)).toBeLessThan(0.004);
  });

  it('normal honours mean and stddev', () => {
    const out = new Float64Array(N);
    fillNormal(out, nextRandomKey(13), 3, 0.5);
    const { mean, std } = meanAndStd(out);
    expect(Math.abs(mean - 3)).toBeLessThan(0.01);
    expect(Math.abs(std - 0.5)).toBeLessThan(0.01);
  });

  it('truncated normal stays within 2 stddev and has std about 0.88 stddev', () => {
    const out = new Float32Array(N);
    fillTruncatedNormal(out, nextRandomKey(14), 0, 1);
    let maxAbs = 0;
    for (const v of out) maxAbs = Math.max(maxAbs, Math.abs(v));
    expect(maxAbs).toBeLessThanOrEqual(2);
    expect(maxAbs).toBeGreaterThan(1.99);
    const { mean, std } = meanAndStd(out);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    // Exact value: sqrt(1 - 4 phi(2) / (Phi(2) - Phi(-2))) = 0.87962.
    expect(Math.abs(std - 0.87962)).toBeLessThan(0.01);

    const scaled = new Float64Array(N);
    fillTruncatedNormal(scaled, nextRandomKey(15), -1, 0.25);
    expect(scaled.every((v) => Math.abs(v + 1) <= 0.5)).toBe(true);
    const s = meanAndStd(scaled);
    expect(Math.abs(s.mean + 1)).toBeLessThan(0.005);
    expect(Math.abs(s.std - 0.25 * 0.87962)).toBeLessThan(0.005);
  });
});

describe('range bounds', () => {
  // Found by scanning keys: element 3 of these keys hits the extreme words.
  const maxWordKey: RandomKey = [39075, 0]; // word 0xffffff7f: u = 1 - 2^-24
  const zeroWordKey: RandomKey = [1343428, 0]; // word 0x00000000: u = 0

  it('the edge-case keys really produce the extreme words', () => {
    expect(block(0, 0, 0, 0, maxWordKey)[3]! >>> 8).toBe(0xffffff);
    expect(block(0, 0, 0, 0, zeroWordKey)[3]! >>> 8).toBe(0);
  });

  it('float32 never returns high, even when rounding lands on it', () => {
    const out = new Float32Array(4);
    // 1 + (1 - 2^-24) rounds to 2 in float32; the clamp gives the float below 2.
    fillUniform(out, maxWordKey, 1, 2);
    expect(out[3]).toBe(2 - 2 ** -23);
    fillUniform(out, zeroWordKey, 1, 2);
    expect(out[3]).toBe(1);
  });

  it('float64 reaches 1 - 2^-24 and low exactly', () => {
    const out = new Float64Array(4);
    fillUniform(out, maxWordKey, 0, 1);
    expect(out[3]).toBe(1 - 2 ** -24);
    fillUniform(out, maxWordKey, 1, 2);
    expect(out[3]).toBe(2 - 2 ** -24);
    fillUniform(out, zeroWordKey, -5, 5);
    expect(out[3]).toBe(-5);
  });

  it('int32 reaches high - 1 and low, including the full int32 range', () => {
    const out = new Int32Array(4);
    fillUniform(out, maxWordKey, 2 ** 30, 2 ** 30 + 1);
    expect(out[3]).toBe(2 ** 30);
    fillUniform(out, maxWordKey, -(2 ** 31), 2 ** 31);
    expect(out[3]).toBe(2 ** 31 - 256);
    fillUniform(out, maxWordKey, 0, 10);
    expect(out[3]).toBe(9);
    fillUniform(out, zeroWordKey, -7, 10);
    expect(out[3]).toBe(-7);
  });

  it('random draws stay in [low, high) for every output type', () => {
    const f32 = new Float32Array(50_000);
    fillUniform(f32, nextRandomKey(21), -0.25, 0.25);
    const f64 = new Float64Array(50_000);
    fillUniform(f64, nextRandomKey(22), 100, 100.5);
    expect(f32.every((v) => v >= Math.fround(-0.25) && v < Math.fround(0.25))).toBe(true);
    expect(f64.every((v) => v >= 100 && v < 100.5)).toBe(true);

    const dice = new Int32Array(60_000);
    fillUniform(dice, nextRandomKey(23), 1, 7);
    const counts = new Map<number, number>();
    for (const v of dice) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const c of counts.values()) expect(Math.abs(c / 60_000 - 1 / 6)).toBeLessThan(0.01);
  });

  it('normal values are finite even for the smallest u1', () => {
    const out = new Float64Array(200_000);
    fillNormal(out, nextRandomKey(24), 0, 1);
    // |z| <= sqrt(-2 ln(2^-25)) since u1 >= 0.5 * 2^-24.
    const bound = Math.sqrt(-2 * Math.log(2 ** -25));
    expect(out.every((v) => Number.isFinite(v) && Math.abs(v) <= bound)).toBe(true);
  });

  it('handles empty arrays', () => {
    for (const out of [new Float32Array(0), new Float64Array(0)]) {
      fillUniform(out, [1, 2], 0, 1);
      fillNormal(out, [1, 2], 0, 1);
      fillTruncatedNormal(out, [1, 2], 0, 1);
    }
    fillUniform(new Int32Array(0), [1, 2], 0, 3);
  });
});

describe('argument validation', () => {
  it('setSeed rejects values that are not integers in [0, 2^53 - 1]', () => {
    setSeed(77);
    expect(() => setSeed(-1)).toThrow('setSeed: expected seed to be an integer in [0, 2^53 - 1], got -1');
    expect(() => setSeed(1.5)).toThrow('setSeed: expected seed to be an integer in [0, 2^53 - 1], got 1.5');
    expect(() => setSeed(NaN)).toThrow('setSeed: expected seed to be an integer in [0, 2^53 - 1], got NaN');
    expect(() => setSeed(Infinity)).toThrow('got Infinity');
    expect(() => setSeed(2 ** 53)).toThrow('got 9007199254740992');
    expect(() => setSeed('3' as unknown as number)).toThrow(
      'setSeed: expected seed to be an integer in [0, 2^53 - 1], got string "3"',
    );
    expect(() => setSeed(-1)).toThrow(ValueError);
    expect(() => setSeed(undefined as unknown as number)).toThrow(ValueError);
    // A rejected seed leaves the state alone.
    expect(getSeed()).toBe(77);
    setSeed(0);
    setSeed(2 ** 53 - 1);
    expect(getSeed()).toBe(2 ** 53 - 1);
  });

  it('nextRandomKey and setRandomState validate their inputs', () => {
    expect(() => nextRandomKey(-3)).toThrow('nextRandomKey: expected seed to be an integer in [0, 2^53 - 1], got -3');
    expect(() => setRandomState({ seed: 1, counter: -1 })).toThrow(
      'setRandomState: expected state.counter to be an integer in [0, 2^53 - 1], got -1',
    );
    expect(() => setRandomState({ seed: 0.5, counter: 0 })).toThrow('setRandomState: expected state.seed');
    expect(() => setRandomState(null as unknown as { seed: number; counter: number })).toThrow(
      'setRandomState: expected an object { seed, counter }, got null',
    );
  });

  it('fill functions reject bad keys, bounds and parameters', () => {
    const f = new Float32Array(4);
    expect(() => fillUniform(f, [1, 2], 1, 1)).toThrow('fillUniform: expected float32(low) < float32(high)');
    expect(() => fillUniform(new Float64Array(2), [1, 2], 2, 1)).toThrow('fillUniform: expected low < high');
    expect(() => fillUniform(f, [1, 2], 0, NaN)).toThrow('fillUniform: expected high to be a finite number, got NaN');
    expect(() => fillUniform(f, [-1, 2], 0, 1)).toThrow('fillUniform: expected key to be two uint32 words, got [-1, 2]');
    expect(() => fillUniform(f, [1, 2 ** 32], 0, 1)).toThrow('fillUniform: expected key');
    expect(() => fillUniform(new Int32Array(2), [1, 2], 0.5, 3)).toThrow(
      'fillUniform: Int32Array output needs integer bounds with -2^31 <= low < high <= 2^31, got low=0.5, high=3',
    );
    expect(() => fillUniform(new Int32Array(2), [1, 2], 0, 2 ** 31 + 1)).toThrow('fillUniform: Int32Array');
    expect(() => fillUniform(new Uint8Array(2) as unknown as Float32Array, [1, 2], 0, 1)).toThrow(
      'fillUniform: expected a Float32Array, Float64Array or Int32Array',
    );
    expect(() => fillNormal(f, [1, 2], 0, -1)).toThrow('fillNormal: expected stddev >= 0, got -1');
    expect(() => fillTruncatedNormal(f, [1, 2], Infinity, 1)).toThrow(
      'fillTruncatedNormal: expected mean to be a finite number, got Infinity',
    );
  });
});
