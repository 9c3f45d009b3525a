/**
 * Throughput of the CPU matmul kernel on the shapes that matter for the
 * examples: one large square product (both B layouts, since dense-layer
 * gradients multiply by a transposed weight), a mid-size square, and the
 * two layers of a small MLP with batch 64.
 *
 * Run directly with `npx tsx bench/matmul-kernel.ts`.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import { matMulKernel } from '../src/engine/backend/cpu/kernels/matmul.js';

interface Case {
  name: string;
  m: number;
  n: number;
  k: number;
  transposeB: boolean;
}

const CASES: Case[] = [
  { name: '1024x1024x1024 f32', m: 1024, n: 1024, k: 1024, transposeB: false },
  { name: '1024x1024x1024 f32 transposeB', m: 1024, n: 1024, k: 1024, transposeB: true },
  { name: '256x256x256 f32', m: 256, n: 256, k: 256, transposeB: false },
  { name: '[64x1000]·[1000x100] f32', m: 64, n: 100, k: 1000, transposeB: false },
  { name: '[64x100]·[100x10] f32', m: 64, n: 10, k: 100, transposeB: false },
];

function randomArray(size: number): Float32Array {
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.random() * 2 - 1;
  return data;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function timeCase(c: Case): { name: string; gflops: number; ms: number } {
  const a = randomArray(c.m * c.k);
  const b = randomArray(c.k * c.n);
  const out = new Float32Array(c.m * c.n);
  const args = {
    m: c.m,
    n: c.n,
    k: c.k,
    transposeA: false,
    transposeB: c.transposeB,
    batch: 1,
    aOffsets: [0],
    bOffsets: [0],
  };
  const flops = 2 * c.m * c.n * c.k;
  // Small shapes finish in microseconds, so each sample repeats the call
  // enough times to last ~20 ms and timer resolution does not dominate.
  const reps = Math.max(1, Math.round(2e7 / flops) * 10);
  const run = (): number => {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) matMulKernel(a, b, out, args);
    return (performance.now() - t0) / reps;
  };
  // Warm-up lets V8 tier the kernel up to optimised code before timing.
  const warmup = flops >= 1e9 ? 2 : 5;
  for (let i = 0; i < warmup; i++) run();
  const samples: number[] = [];
  const runs = flops >= 1e9 ? 5 : 9;
  for (let i = 0; i < runs; i++) samples.push(run());
  const ms = median(samples);
  return { name: c.name, gflops: flops / (ms * 1e6), ms };
}

/**
 * Times `matMulKernel` on float32 inputs: 1024³ (plain and transposeB),
 * 256³, [64x1000]·[1000x100] and [64x100]·[100x10]; each figure is the
 * median of several runs after warm-up.
 *
 * @returns One row per shape with GFLOP/s (2·m·n·k per multiply) and ms per multiply.
 *
 * @example
 * ```ts
 * for (const row of await benchMatMulKernel()) console.log(row.name, row.gflops.toFixed(2));
 * ```
 */
export async function benchMatMulKernel(): Promise<{ name: string; gflops: number; ms: number }[]> {
  const rows: { name: string; gflops: number; ms: number }[] = [];
  for (const c of CASES) {
    rows.push(timeCase(c));
    // Yield between cases so a caller's event loop (progress output) runs.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchMatMulKernel();
  console.table(rows.map((r) => ({ shape: r.name, 'GFLOP/s': r.gflops.toFixed(2), ms: r.ms.toFixed(3) })));
}
