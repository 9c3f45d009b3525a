/**
 * Reproducibility and statistics of the random ops (randomUniform,
 * randomNormal, truncatedNormal) and dropout. Exact per-element values are
 * checked by the conformance rows; here: `setSeed` replays every op
 * bit-for-bit, an explicit seed wins over the global state, and 100k samples
 * have the moments the distributions promise (with fixed seeds, so the
 * tolerances are checked once and never flake).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as lm from '../../src/index.js';

const N = 100_000;

function values(t: lm.Tensor): number[] {
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

function meanStd(xs: readonly number[]): { mean: number; std: number } {
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  return { mean, std: Math.sqrt(v / xs.length) };
}

/** One draw of every random op, unseeded, in a fixed order. */
function drawAll(): number[][] {
  return [
    values(lm.randomUniform([37])),
    values(lm.randomUniform([5], -3, 4, 'int32')),
    values(lm.randomNormal([33], 1, 2)),
    values(lm.truncatedNormal([31], 0, 1, 'float64')),
    values(lm.dropout(lm.ones([6, 7]), 0.4)),
    values(lm.randomNormal([9], { stdDev: 3, dtype: 'float64' })),
  ];
}

afterEach(() => {
  // Later test files should not inherit a fixed global stream from this one.
  lm.setSeed(Math.floor(Math.random() * 2 ** 40));
});

describe('setSeed', () => {
  it('replays every random op and dropout bit for bit', () => {
    lm.setSeed(1234);
    const first = drawAll();
    lm.setSeed(1234);
    const second = drawAll();
    expect(second).toEqual(first);
    for (const v of first) expect(v.every(Number.isFinite)).toBe(true);
  });

  it('gives different numbers for a different seed, and for consecutive calls', () => {
    lm.setSeed(1234);
    const a = drawAll();
    lm.setSeed(1235);
    const b = drawAll();
    expect(b[0]).not.toEqual(a[0]);
    expect(b[2]).not.toEqual(a[2]);
    lm.setSeed(1);
    expect(values(lm.randomNormal([8]))).not.toEqual(values(lm.randomNormal([8])));
  });

  it('is replayed by getRandomState / setRandomState', () => {
    lm.setSeed(99);
    values(lm.randomUniform([3]));
    const state = lm.getRandomState();
    const a = values(lm.dropout(lm.ones([20]), 0.5));
    lm.setRandomState(state);
    expect(values(lm.dropout(lm.ones([20]), 0.5))).toEqual(a);
  });
});

describe('explicit seeds', () => {
  it('override the global seed', () => {
    lm.setSeed(1);
    const a = values(lm.randomNormal([16], 0, 1, 'float32', 7));
    lm.setSeed(2);
    values(lm.randomUniform([4]));
    const b = values(lm.randomNormal([16], { seed: 7 }));
    expect(b).toEqual(a);
    expect(values(lm.truncatedNormal([16], 0, 1, 'float32', 7))).toEqual(values(lm.truncatedNormal([16], { seed: 7 })));
    expect(values(lm.randomUniform([16], 0, 1, 'float32', 7))).toEqual(values(lm.randomUniform([16], { seed: 7 })));
    expect(values(lm.dropout(lm.ones([16]), 0.5, undefined, 7))).toEqual(values(lm.dropout(lm.ones([16]), 0.5, undefined, 7)));
  });

  it('leave the global stream where it was', () => {
    lm.setSeed(5);
    const a = values(lm.randomUniform([4]));
    lm.setSeed(5);
    values(lm.randomUniform([4], { seed: 99 }));
    values(lm.dropout(lm.ones([4]), 0.5, undefined, 99));
    expect(values(lm.randomUniform([4]))).toEqual(a);
  });

  it('give the same stream whatever the dtype of the draw', () => {
    const f32 = values(lm.randomUniform([8], 0, 1, 'float32', 3));
    const f64 = values(lm.randomUniform([8], 0, 1, 'float64', 3));
    // Both use the top 24 bits of the same words; only the final rounding differs.
    for (let i = 0; i < 8; i++) expect(f64[i]).toBeCloseTo(f32[i], 6);
  });

  it('a failed call does not consume a key', () => {
    lm.setSeed(8);
    const a = values(lm.randomNormal([4]));
    lm.setSeed(8);
    expect(() => lm.randomNormal([4], 0, -1)).toThrow(lm.ValueError);
    expect(() => lm.randomUniform([4], 2, 1)).toThrow(lm.ValueError);
    expect(values(lm.randomNormal([4]))).toEqual(a);
  });
});

describe('statistics of 100k samples', () => {
  it('randomUniform float32 [0, 1): mean 1/2, std 1/sqrt(12), bounds', () => {
    const xs = values(lm.randomUniform([N], 0, 1, 'float32', 11));
    const { mean, std } = meanStd(xs);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(std - 1 / Math.sqrt(12))).toBeLessThan(0.003);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('randomUniform float64 [-2, 3): mean 1/2, std 5/sqrt(12)', () => {
    const xs = values(lm.randomUniform([N], -2, 3, 'float64', 12));
    const { mean, std } = meanStd(xs);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.025);
    expect(Math.abs(std - 5 / Math.sqrt(12))).toBeLessThan(0.015);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(3);
  });

  it('randomUniform int32 [0, 10): each integer about 10% of the time', () => {
    const t = lm.randomUniform([N], 0, 10, 'int32', 13);
    expect(t.dtype).toBe('int32');
    const counts = new Array<number>(10).fill(0);
    let outside = 0;
    for (const x of values(t)) {
      if (Number.isInteger(x) && x >= 0 && x < 10) counts[x]++;
      else outside++;
    }
    expect(outside).toBe(0);
    for (const c of counts) expect(Math.abs(c / N - 0.1)).toBeLessThan(0.005);
  });

  it('randomNormal: mean and std as asked, symmetric tails', () => {
    const xs = values(lm.randomNormal([N], 1, 2, 'float32', 14));
    const { mean, std } = meanStd(xs);
    expect(Math.abs(mean - 1)).toBeLessThan(0.03);
    expect(Math.abs(std - 2)).toBeLessThan(0.02);
    // P(|z| > 2) = 4.55%: the tails are really there (unlike truncatedNormal).
    const tail = xs.filter((x) => Math.abs(x - 1) > 4).length / N;
    expect(Math.abs(tail - 0.0455)).toBeLessThan(0.003);
  });

  it('truncatedNormal: within two std, std 0.8796 of the underlying normal', () => {
    const xs = values(lm.truncatedNormal([N], -1, 0.5, 'float64', 15));
    const { mean, std } = meanStd(xs);
    // Var of N(0,1) truncated to [-2, 2] is 1 - 4·φ(2)/(Φ(2) - Φ(-2)) = 0.773741.
    expect(Math.abs(mean + 1)).toBeLessThan(0.008);
    expect(Math.abs(std - 0.5 * Math.sqrt(0.773741))).toBeLessThan(0.004);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThanOrEqual(0);
  });

  it('dropout keeps 1 - rate of the values and preserves the mean', () => {
    const xs = values(lm.dropout(lm.ones([N]), 0.3, undefined, 16));
    const kept = xs.filter((x) => x !== 0);
    expect(Math.abs(kept.length / N - 0.7)).toBeLessThan(0.006);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / Math.fround(0.7))]));
    expect(Math.abs(meanStd(xs).mean - 1)).toBeLessThan(0.01);
  });

  it('dropout with a noiseShape drops whole channels', () => {
    const y = lm.dropout(lm.ones([1000, 2, 2, 3]), 0.5, [1000, 1, 1, 3], 17);
    const xs = values(y);
    let channelsKept = 0;
    for (let b = 0; b < 1000; b++) {
      for (let c = 0; c < 3; c++) {
        const cell = (i: number) => xs[b * 12 + i * 3 + c];
        const v = cell(0);
        for (let i = 1; i < 4; i++) expect(cell(i)).toBe(v);
        if (v !== 0) channelsKept++;
      }
    }
    expect(Math.abs(channelsKept / 3000 - 0.5)).toBeLessThan(0.03);
  });
});

describe('random ops and the engine', () => {
  it('run on the default device, with the requested dtype and shape', () => {
    const t = lm.randomNormal([2, 3], { dtype: 'float64', seed: 1 });
    expect(t.device).toBe(lm.getDevice());
    expect(t.dtype).toBe('float64');
    expect(t.shape).toEqual([2, 3]);
    t.dispose();
  });

  it('are constants to autograd: the gradient of x * noise is the noise', () => {
    const noise = values(lm.randomNormal([5], 0, 1, 'float32', 21));
    const g = lm.grad((x) => lm.mul(x, lm.randomNormal([5], 0, 1, 'float32', 21)))(lm.ones([5]));
    expect(values(g)).toEqual(noise);
  });

  it('dropout: the gradient is the mask scaled by 1/(1 - rate)', () => {
    const mask = values(lm.dropout(lm.ones([12]), 0.5, undefined, 4));
    const g = lm.grad((x) => lm.dropout(x, 0.5, undefined, 4))(lm.tensor([3, -1, 2, 5, 0.5, 1, 1, 2, 3, 4, 5, 6]));
    expect(values(g)).toEqual(mask);
  });

  it('dropout leaves no intermediate tensors behind, and rate 0 returns an independent tensor', () => {
    const x = lm.ones([4, 4]);
    const before = lm.memory().numTensors;
    const y = lm.dropout(x, 0.5, [4, 1]);
    expect(lm.memory().numTensors).toBe(before + 1);
    y.dispose();
    const z = lm.dropout(x, 0);
    expect(z).not.toBe(x);
    x.dispose();
    expect(Array.from(z.dataSync())).toEqual(new Array(16).fill(1));
    z.dispose();
    expect(lm.memory().numTensors).toBe(before - 1);
  });
});
