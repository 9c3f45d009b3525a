/**
 * The WebGPU rows of `npm run bench`: 1024³ matmul GFLOP/s and the seeds'
 * two-layer net per step, on whatever adapter `ready('webgpu')` finds (the
 * row names it). Timings include submitting and reading the result back.
 *
 *   npx tsx bench/webgpu.ts [--quick]   # these rows alone
 */
import * as lm from '../src/index.js';
import { time } from './timing.js';

/** One bench row (the shape `bench/run.ts` prints). */
export interface WebGPURow {
  workload: string;
  unit: string;
  laminar: number;
  higherIsBetter: boolean;
}

/** The WebGPU rows, or none (with a note) when no adapter can be created. */
export async function webgpuRows(quick: boolean): Promise<WebGPURow[]> {
  try {
    await lm.ready('webgpu');
  } catch (e) {
    console.warn(`WebGPU rows skipped: ${(e as Error).message.split('. ')[0]}`);
    return [];
  }
  const info = lm.getDeviceInfo('webgpu');
  const adapter = `${info?.device || info?.description || 'unknown adapter'}${info?.software ? ', software' : ''}`;
  const rows: WebGPURow[] = [];
  await lm.withDevice('webgpu', async () => {
    {
      const n = 1024;
      const flops = 2 * n * n * n;
      lm.setSeed(1);
      const a = lm.randomNormal([n, n]);
      const b = lm.randomNormal([n, n]);
      const ms = await time(async () => {
        const c = lm.matMul(a, b);
        await c.data();
        c.dispose();
      }, quick ? 3 : 10, 2);
      rows.push({ workload: `webgpu matMul 1024x1024x1024 (${adapter})`, unit: 'GFLOP/s', laminar: flops / ms / 1e6, higherIsBetter: true });
      lm.dispose([a, b]);
    }
    {
      const [N, D, H, O] = [64, 1000, 100, 10];
      lm.setSeed(2);
      const x = lm.randomNormal([N, D]);
      const y = lm.randomNormal([N, O]);
      const w1 = lm.variable(lm.randomNormal([D, H]).mul(0.01), { name: 'bench/gpu/w1' });
      const w2 = lm.variable(lm.randomNormal([H, O]).mul(0.01), { name: 'bench/gpu/w2' });
      const step = async () => {
        const value = lm.tidy(() => {
          const { value, grads } = lm.variableGrads(() => x.matMul(w1).relu().matMul(w2).sub(y).square().sum());
          w1.assignSub(grads['bench/gpu/w1'].mul(1e-6));
          w2.assignSub(grads['bench/gpu/w2'].mul(1e-6));
          return value;
        });
        await value.data();
        value.dispose();
      };
      const ms = await time(step, quick ? 20 : 100, 10);
      rows.push({ workload: `webgpu two-layer net step N=64 D=1000 H=100`, unit: 'ms/step', laminar: ms, higherIsBetter: false });
      lm.dispose([x, y, w1, w2]);
    }
  });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await webgpuRows(process.argv.includes('--quick'))) console.log(`${r.workload}  ${r.laminar.toFixed(2)} ${r.unit}`);
}
