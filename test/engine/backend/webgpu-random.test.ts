/**
 * The WebGPU random kernels against the CPU, which is the reference for the
 * Philox stream contract of `engine/random.ts`: uniform floats and int32
 * draws must be bit-identical for the same key, normal and truncated-normal
 * draws equal to float32 rounding (the GPU evaluates log/cos/sin in f32), and
 * the truncated normal's accept/reject test at |z| = 2 must decide as the
 * CPU's float64 test does. Skips when no WebGPU adapter can be created.
 */
import { describe, expect, it } from 'vitest';
import * as lm from '../../../src/index.js';
import { Uniforms, type WebGPUBackend } from '../../../src/engine/backend/webgpu/backend.js';
import { RANDOM_WGSL } from '../../../src/engine/backend/webgpu/kernels/random.js';

let on = false;
try {
  await lm.ready('webgpu');
  on = true;
} catch {
  on = false;
}

const SEEDS = [0, 1, 42, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER];
const SIZES = [1, 3, 4, 5, 1000, 100_003];

/** Runs `fn` on both devices and reads both results. */
async function both(fn: () => lm.Tensor): Promise<[ArrayLike<number>, ArrayLike<number>]> {
  const c = lm.withDevice('cpu', fn);
  const g = lm.withDevice('webgpu', fn);
  expect(g.device).toBe('webgpu');
  expect(g.dtype).toBe(c.dtype);
  expect(g.shape).toEqual(c.shape);
  const out: [ArrayLike<number>, ArrayLike<number>] = [await c.data(), await g.data()];
  lm.dispose([c, g]);
  return out;
}

/** Index of the first element whose bits differ, or -1. */
function firstBitDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/**
 * Worst |gpu - cpu| / (|mean| + |cpu - mean|), the error relative to the
 * size of the terms of `mean + stdDev z`; where that scale is 0 the values
 * must be equal (Infinity otherwise).
 */
function worstRelative(cpu: ArrayLike<number>, gpu: ArrayLike<number>, mean: number): number {
  expect(gpu.length).toBe(cpu.length);
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) {
    const scale = Math.abs(mean) + Math.abs(cpu[i] - mean);
    const d = Math.abs(gpu[i] - cpu[i]);
    worst = Math.max(worst, scale === 0 ? (d === 0 ? 0 : Infinity) : d / scale);
  }
  return worst;
}

describe.skipIf(!on)('webgpu random kernels reproduce the CPU stream', () => {
  it('randomUniform float32: bit for bit, for every seed, size and range (tiny bounds included)', async () => {
    const ranges: [number, number][] = [
      [0, 1],
      [-2, 3],
      [-5, -4],
      [-1e30, 1e30],
      [-1.5e38, 1.5e38],
      [1000, 1000.5], // rounding often reaches 1000.5, which becomes the float32 below it
      [-1000.5, -1000],
      [1e-3, 1e-3 + 1e-6],
      [0, 1e-30], // drawn on the host: u * R can be subnormal
      [-1e-40, 1e-40],
    ];
    let clamped = 0;
    for (const [lo, hi] of ranges) {
      for (const n of SIZES) {
        for (const seed of SEEDS) {
          const [c, g] = await both(() => lm.randomUniform([n], lo, hi, 'float32', seed));
          const i = firstBitDifference(c, g);
          expect(i, `[${lo}, ${hi}) n=${n} seed=${seed}: element ${i} is ${g[i]} on webgpu, ${c[i]} on the CPU`).toBe(-1);
          let outside = 0;
          for (let j = 0; j < g.length; j++) {
            if (!(g[j] >= Math.fround(lo) && g[j] < Math.fround(hi))) outside++;
            if (lo === 1000 && g[j] === 1000.5 - 2 ** -14) clamped++;
          }
          expect(outside).toBe(0);
        }
      }
    }
    expect(clamped, 'the clamp below the excluded bound was exercised').toBeGreaterThan(0);
  });

  it('randomUniform int32: bit for bit, including negative, full and single-value ranges', async () => {
    const ranges: [number, number][] = [
      [1, 7],
      [-3, 2],
      [-(2 ** 31), 2 ** 31],
      [-(2 ** 31), 0],
      [0, 2 ** 31],
      [-5, 2 ** 31 - 1],
      [2 ** 31 - 2, 2 ** 31],
      [-(2 ** 31), -(2 ** 31) + 1],
      [-1_000_003, 7],
    ];
    for (const [lo, hi] of ranges) {
      for (const n of SIZES) {
        for (const seed of SEEDS) {
          const [c, g] = await both(() => lm.randomUniform([n], lo, hi, 'int32', seed));
          expect(g).toBeInstanceOf(Int32Array);
          const i = firstBitDifference(c, g);
          expect(i, `[${lo}, ${hi}) n=${n} seed=${seed}: element ${i} is ${g[i]} on webgpu, ${c[i]} on the CPU`).toBe(-1);
        }
      }
    }
  });

  it('randomNormal: equal to float32 rounding (relative 1e-5) for every seed, size and (mean, stdDev)', async () => {
    const params: [number, number][] = [[0, 1], [1, 2], [-3, 0.25], [0.1, 1e-3], [5, 0], [0, 1e-30]];
    for (const [mean, sd] of params) {
      for (const n of SIZES) {
        for (const seed of SEEDS) {
          const [c, g] = await both(() => lm.randomNormal([n], mean, sd, 'float32', seed));
          expect(worstRelative(c, g, mean), `mean ${mean} stdDev ${sd} n=${n} seed=${seed}`).toBeLessThanOrEqual(1e-5);
        }
      }
    }
  });

  it('truncatedNormal: equal to float32 rounding, the same draws accepted, every value within two stdDevs', async () => {
    const params: [number, number][] = [[0, 1], [1, 2], [-3, 0.25], [0, 1e-30]];
    for (const [mean, sd] of params) {
      for (const n of SIZES) {
        for (const seed of SEEDS) {
          const [c, g] = await both(() => lm.truncatedNormal([n], mean, sd, 'float32', seed));
          // A different accept/reject decision would give an unrelated value, far beyond this.
          expect(worstRelative(c, g, mean), `mean ${mean} stdDev ${sd} n=${n} seed=${seed}`).toBeLessThanOrEqual(1e-5);
          const lo = Math.fround(mean - 2 * sd);
          const hi = Math.fround(mean + 2 * sd);
          let outside = 0;
          for (let i = 0; i < g.length; i++) if (!(g[i] >= lo && g[i] <= hi)) outside++;
          expect(outside).toBe(0);
        }
      }
    }
  });

  it('setSeed(1) then randomNormal([1000]) gives the same values on both devices, and the global stream advances alike', async () => {
    const draw = (device: string) => {
      lm.setSeed(1);
      return lm.withDevice(device, () => [lm.randomNormal([1000]), lm.randomUniform([1000]), lm.truncatedNormal([1000])]);
    };
    const [cn, cu, ct] = draw('cpu');
    const [gn, gu, gt] = draw('webgpu');
    expect(worstRelative(await cn.data(), await gn.data(), 0)).toBeLessThanOrEqual(1e-5);
    expect(firstBitDifference(await cu.data(), await gu.data())).toBe(-1);
    expect(worstRelative(await ct.data(), await gt.data(), 0)).toBeLessThanOrEqual(1e-5);
    lm.dispose([cn, cu, ct, gn, gu, gt]);
  });

  it('returns empty outputs for empty shapes', async () => {
    const outs = lm.withDevice('webgpu', () => [lm.randomNormal([0, 3]), lm.truncatedNormal([0]), lm.randomUniform([2, 0], 0, 5, 'int32')]);
    for (const t of outs) {
      expect(t.device).toBe('webgpu');
      expect((await t.data()).length).toBe(0);
    }
    lm.dispose(outs);
  });

  it('decides |z| <= 2 as the CPU does at the cut-off (a sample of angle words, both sides of the threshold)', async () => {
    // For an angle word k the CPU accepts exactly the u1 words m >= T(k); the
    // GPU must reject m = T(k) - 1 and accept m = T(k). An f32 test alone gets
    // about 13% of these wrong. (Checked for all 2^24 angle words once; a
    // sample keeps the test fast.)
    const INV = 5.960464477539063e-8;
    const M = 1 << 24;
    const STEP = 61;
    const cpuAccepts = (m: number, c: number) => {
      const z = Math.sqrt(-2 * Math.log((m + 0.5) * INV)) * c;
      return z <= 2 && z >= -2;
    };
    const count = Math.ceil(M / STEP);
    const T = new Int32Array(count);
    for (let j = 0; j < count; j++) {
      const c = Math.cos(2 * Math.PI * (j * STEP * INV));
      let m = Math.min(M, Math.max(0, Math.ceil(M * Math.exp(-2 / (c * c)) - 0.5)));
      while (m > 0 && cpuAccepts(m - 1, c)) m--;
      while (m < M && !cpuAccepts(m, c)) m++;
      T[j] = m;
    }
    const b = lm.getBackend('webgpu') as unknown as WebGPUBackend;
    const thresholds = b.upload(T, 'int32');
    const out = b.alloc(2 * count);
    const groups = Math.ceil(count / 256);
    b.dispatch({
      key: 'test:random-cutoff',
      source: () => `
@group(0) @binding(0) var<storage, read> T: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
struct U { n: u32, step: u32, zero: u32 }
@group(0) @binding(2) var<uniform> u: U;
${RANDOM_WGSL}
fn accepts(m: i32, k: u32) -> u32 {
  if (m < 0 || m >= ${M}) { return 2u; }
  return u32(truncated_candidate(u32(m) << 8u, k << 8u).y);
}
@compute @workgroup_size(256) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  ZERO = u.zero;
  let j = g.x;
  if (j >= u.n) { return; }
  out[2u * j] = accepts(T[j] - 1, j * u.step);
  out[2u * j + 1u] = accepts(T[j], j * u.step);
}`,
      inputs: [thresholds],
      outputs: [out],
      uniforms: new Uniforms().u32(count, STEP, 0),
      workgroups: [groups],
    });
    const got = (await b.read(out, 'int32', 2 * count)) as Int32Array;
    b.free(thresholds);
    b.free(out);
    let boundaries = 0;
    const wrong: string[] = [];
    for (let j = 0; j < count; j++) {
      if (got[2 * j] !== 2) {
        boundaries++;
        if (got[2 * j] !== 0) wrong.push(`k=${j * STEP} m=${T[j] - 1} accepted`);
      }
      if (got[2 * j + 1] !== 2 && got[2 * j + 1] !== 1) wrong.push(`k=${j * STEP} m=${T[j]} rejected`);
    }
    expect(boundaries).toBeGreaterThan(count / 2);
    expect(wrong).toEqual([]);
  });
});
