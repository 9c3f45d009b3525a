/**
 * The libraries `npm run bench` compares laminar with, loaded once:
 * TensorFlow.js on its `cpu` backend (plain JS) and on its `wasm` backend
 * (XNNPACK, SIMD), jax-js on its `wasm` device, and NumPy through a small
 * Python script in a child process. Each is a dev dependency or a system
 * tool; one that fails to load prints one warning line and its column
 * shows '-'.
 *
 * tfjs's two backends share one module and cannot be active at once, so
 * the `cpu` backend is active by default and {@link onTfBackend} switches
 * to `wasm` for a measurement and back (tensors belong to one backend).
 *
 * @internal
 * @module
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** @internal The columns of the bench table, laminar first. */
export const LIBS = ['laminar', 'tfjs-cpu', 'tfjs-wasm', 'jax-js', 'numpy'] as const;
/** @internal One column of the bench table. */
export type Lib = (typeof LIBS)[number];

/** @internal The TensorFlow.js module (its CommonJS build). */
export type TfModule = typeof import('@tensorflow/tfjs');
/** @internal The jax-js module. */
export type JaxModule = typeof import('@jax-js/jax');

/** @internal The peers that loaded, and one line per library saying what it runs on. */
export interface Peers {
  /** TensorFlow.js with its `cpu` backend active, or null. */
  tf: TfModule | null;
  /** Whether tfjs's `wasm` backend initialised (switch with {@link onTfBackend}). */
  tfWasm: boolean;
  /** jax-js with its `wasm` device initialised and made the default, or null. */
  jax: JaxModule | null;
  /** The Python interpreter that imports numpy, or null. */
  python: string | null;
  /** What each loaded library runs on (version, SIMD, threads). */
  info: Partial<Record<Lib, string>>;
}

/** @internal Whether `lib`'s column can be measured. */
export function has(peers: Peers, lib: Lib): boolean {
  switch (lib) {
    case 'laminar':
      return true;
    case 'tfjs-cpu':
      return peers.tf !== null;
    case 'tfjs-wasm':
      return peers.tf !== null && peers.tfWasm;
    case 'jax-js':
      return peers.jax !== null;
    case 'numpy':
      return peers.python !== null;
  }
}

function warn(lib: string, e: unknown): void {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  console.warn(`${lib} could not be loaded (${msg}); its column shows '-'`);
}

/**
 * @internal Loads the peers: tfjs-cpu when `tfjs`, and tfjs-wasm, jax-js and
 * numpy when `others` too.
 */
export async function loadPeers(opts: { tfjs: boolean; others: boolean }): Promise<Peers> {
  const peers: Peers = { tf: null, tfWasm: false, jax: null, python: null, info: {} };
  if (opts.tfjs) {
    try {
      // The CommonJS build: tfjs's ESM build uses directory imports Node cannot load.
      const tf = require('@tensorflow/tfjs') as TfModule;
      await tf.setBackend('cpu');
      await tf.ready();
      peers.tf = tf;
      peers.info['tfjs-cpu'] = `@tensorflow/tfjs ${tf.version.tfjs}, backend 'cpu' (plain JS, 1 thread)`;
    } catch (e) {
      warn('TensorFlow.js', e);
    }
  }
  if (opts.tfjs && opts.others && peers.tf) {
    const tf = peers.tf;
    try {
      const wasm = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number; version_wasm: string };
      if (!(await tf.setBackend('wasm'))) throw new Error(`tf.setBackend('wasm') returned false`);
      await tf.ready();
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      const threads = wasm.getThreadsCount();
      peers.tfWasm = true;
      peers.info['tfjs-wasm'] =
        `@tensorflow/tfjs-backend-wasm ${wasm.version_wasm}, backend 'wasm' (XNNPACK): SIMD ${simd ? 'on' : 'off'}, ` +
        `${threads} thread${threads === 1 ? '' : 's'}${mt ? '' : ' (tfjs turns wasm threads off under Node)'}`;
    } catch (e) {
      warn('@tensorflow/tfjs-backend-wasm', e);
    } finally {
      await tf.setBackend('cpu');
      await tf.ready();
    }
  }
  if (opts.others) {
    try {
      const jax = (await import('@jax-js/jax')) as JaxModule;
      const devices = await jax.init('wasm');
      if (!devices.includes('wasm')) throw new Error(`init('wasm') gave devices [${devices.join(', ')}]`);
      jax.defaultDevice('wasm');
      peers.jax = jax;
      const pkg = JSON.parse(readFileSync(join(dirname(require.resolve('@jax-js/jax')), '..', 'package.json'), 'utf8')) as { version: string };
      // jax-js starts its worker pool only when both SharedArrayBuffer and a global Worker exist; Node 20 has no global Worker.
      const pool = typeof SharedArrayBuffer !== 'undefined' && typeof (globalThis as { Worker?: unknown }).Worker !== 'undefined';
      peers.info['jax-js'] = `@jax-js/jax ${pkg.version}, device 'wasm' (generated SIMD kernels): ${pool ? 'worker pool' : '1 thread (Node has no global Worker, so its worker pool is off)'}; train steps under jit`;
    } catch (e) {
      warn('@jax-js/jax', e);
    }
    try {
      // BENCH_PYTHON picks another interpreter (default python3).
      const python = process.env.BENCH_PYTHON || 'python3';
      const out = runNumpy({ task: 'info' }, 60_000, python) as { version: string; blas: string; threads: number | null };
      peers.python = python;
      peers.info.numpy = `numpy ${out.version} (${out.blas}${out.threads ? `, ${out.threads} threads` : ''}) via ${python}; backward passes hand-written`;
    } catch (e) {
      warn(`numpy (${process.env.BENCH_PYTHON || 'python3'} -c 'import numpy')`, e);
    }
  }
  return peers;
}

/**
 * @internal Runs `fn` with tfjs's `backend` active and makes `cpu` active
 * again afterwards. Tensors created inside belong to that backend: dispose
 * them inside.
 */
export async function onTfBackend<T>(tf: TfModule, backend: 'cpu' | 'wasm', fn: () => Promise<T>): Promise<T> {
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  try {
    return await fn();
  } finally {
    if (backend !== 'cpu') {
      await tf.setBackend('cpu');
      await tf.ready();
    }
  }
}

/**
 * The NumPy side. One task per process: `info`, `M` (median ms of a
 * 1024³ float32 matmul), `W1` / `W2` (the nets of bench/workloads.ts with
 * hand-written backward passes: median ms per step, peak RSS, steps run).
 */
const NUMPY_SCRIPT = String.raw`
import sys, json, time, resource
import numpy as np
t = json.loads(sys.argv[1])
task = t['task']

def median(xs):
    s = sorted(xs)
    return s[len(s) // 2]

def timed(fn, reps, warmup):
    for _ in range(warmup): fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); out.append((time.perf_counter() - t0) * 1000)
    return median(out)

res = {}
if task == 'info':
    res['version'] = np.__version__
    try:
        res['blas'] = np.__config__.CONFIG['Build Dependencies']['blas']['name']
    except Exception:
        res['blas'] = 'unknown BLAS'
    res['threads'] = None
    try:
        import glob, os, ctypes
        for lib in glob.glob(os.path.join(os.path.dirname(np.__file__), '..', 'numpy.libs', '*openblas*')):
            d = ctypes.CDLL(lib)
            for name in ('scipy_openblas_get_num_threads64_', 'openblas_get_num_threads64_', 'openblas_get_num_threads'):
                f = getattr(d, name, None)
                if f is not None:
                    res['threads'] = int(f()); break
    except Exception:
        pass
elif task == 'M':
    rng = np.random.default_rng(1)
    n = 1024
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    res['ms'] = timed(lambda: a @ b, t['reps'], 2)
elif task in ('W1', 'W2'):
    res['loadedRssMB'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rng = np.random.default_rng(2)
    f32 = np.float32
    if task == 'W1':
        N = D = H = O = 1000
        lr = f32(0.01)
        x = rng.standard_normal((N, D), dtype=f32); y = rng.standard_normal((N, O), dtype=f32)
        lim1 = np.sqrt(6 / (D + H)); lim2 = np.sqrt(6 / (H + O))
        w1 = rng.uniform(-lim1, lim1, (D, H)).astype(f32); b1 = np.zeros(H, f32)
        w2 = rng.uniform(-lim2, lim2, (H, O)).astype(f32); b2 = np.zeros(O, f32)
        scale = f32(2 / (N * O))
        def step():
            global w1, b1, w2, b2
            h = x @ w1 + b1
            a = np.maximum(h, 0)
            d = a @ w2 + b2 - y
            loss = float(np.mean(d * d))
            g = d * scale
            gw2 = a.T @ g; gb2 = g.sum(0)
            gh = (g @ w2.T) * (h > 0)
            gw1 = x.T @ gh; gb1 = gh.sum(0)
            w1 -= lr * gw1; b1 -= lr * gb1; w2 -= lr * gw2; b2 -= lr * gb2
            return loss
    else:
        N, D, H, O = 64, 1000, 100, 10
        lr = f32(1e-6)
        x = rng.standard_normal((N, D), dtype=f32); y = rng.standard_normal((N, O), dtype=f32)
        w1 = (rng.standard_normal((D, H), dtype=f32) * f32(0.01)); w2 = (rng.standard_normal((H, O), dtype=f32) * f32(0.01))
        def step():
            global w1, w2
            h = x @ w1
            a = np.maximum(h, 0)
            d = a @ w2 - y
            loss = float(np.sum(d * d))
            g = d * f32(2)
            gw2 = a.T @ g
            gw1 = x.T @ ((g @ w2.T) * (h > 0))
            w1 -= lr * gw1; w2 -= lr * gw2
            return loss
    if 'budget_s' in t:
        # The W1 memory row: up to 'steps' steps or 'budget_s' seconds (at least 'min_steps'), first step untimed.
        times = []
        t_start = time.perf_counter()
        n = 0
        while n < t['steps'] and (n < t['min_steps'] or time.perf_counter() - t_start < t['budget_s']):
            t0 = time.perf_counter(); step(); times.append((time.perf_counter() - t0) * 1000); n += 1
        res['ms'] = median(times[1:] if len(times) > 1 else times)
        res['steps'] = n
        res['peakRssMB'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    else:
        res['ms'] = timed(step, t['reps'], t.get('warmup', 2))
print(json.dumps(res))
`;

/**
 * @internal Runs one NumPy task in a child Python process and returns its
 * JSON result. Throws when Python, numpy or the task fails.
 */
export function runNumpy(task: Record<string, unknown>, timeoutMs: number, python = 'python3'): unknown {
  const out = execFileSync(python, ['-c', NUMPY_SCRIPT, JSON.stringify(task)], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/** @internal `n` standard-normal float32 values from a fixed seed (mulberry32 + Box-Muller), the same for every library. */
export function seededNormal(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const a = 2 * Math.PI * next();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/** @internal The shape of a two-layer ReLU net trained by plain SGD (W1 and W2 of the bench). */
export interface NetSpec {
  N: number;
  D: number;
  H: number;
  O: number;
  /** Dense layers with biases (W1) or bare matmuls (W2, the seeds' net). */
  bias: boolean;
  /** 'mean': mean squared error (W1, Keras's MSE); 'sum': sum of squares (W2). */
  loss: 'mean' | 'sum';
  lr: number;
  /** Scale of the normal initial weights; 0 for Glorot-uniform-like scaling (normal with the same variance). */
  initScale: number;
}

/**
 * @internal A jax-js trainer for `spec`: `step()` runs one jit-compiled SGD
 * step (value and gradient of the loss, update of every parameter) and
 * resolves with the loss once the new parameters are computed.
 */
export function jaxNet(jax: JaxModule, spec: NetSpec, seed: number): { step(): Promise<number>; dispose(): void } {
  const { numpy: np, nn, jit, valueAndGrad, tree } = jax;
  type A = InstanceType<JaxModule['Array']>;
  type P = { w1: A; b1?: A; w2: A; b2?: A };
  const { N, D, H, O } = spec;
  const arr = (data: Float32Array, shape: number[]): A => np.array(data).reshape(shape);
  const std = (fanIn: number, fanOut: number) => spec.initScale || Math.sqrt(2 / (fanIn + fanOut));
  const scaled = (n: number, s: number, k: number) => seededNormal(n, k).map((v) => v * s);
  const x = arr(seededNormal(N * D, seed), [N, D]);
  const y = arr(seededNormal(N * O, seed + 1), [N, O]);
  let p: P = { w1: arr(scaled(D * H, std(D, H), seed + 2), [D, H]), w2: arr(scaled(H * O, std(H, O), seed + 3), [H, O]) };
  if (spec.bias) p = { ...p, b1: np.zeros([H]), b2: np.zeros([O]) };
  const loss = (q: P, xs: A, ys: A): A => {
    let h = np.matmul(xs, q.w1);
    if (q.b1) h = h.add(q.b1);
    let out = np.matmul(nn.relu(h), q.w2);
    if (q.b2) out = out.add(q.b2);
    const sq = np.square(out.sub(ys));
    return spec.loss === 'mean' ? np.mean(sq) : np.sum(sq);
  };
  const lr = spec.lr;
  const step = jit((q: P, xs: A, ys: A): [A, P] => {
    const [l, g] = valueAndGrad(loss)(tree.ref(q), xs, ys);
    return [l, tree.map((w: A, gw: A) => w.sub(gw.mul(lr)), q, g) as P];
  });
  return {
    async step() {
      const [l, q] = step(p, x.ref, y.ref);
      p = q;
      const v = (await l.data())[0];
      await jax.blockUntilReady(p);
      return v;
    },
    dispose() {
      tree.dispose(p);
      x.dispose();
      y.dispose();
      step.dispose();
    },
  };
}
