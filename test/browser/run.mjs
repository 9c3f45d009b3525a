/**
 * The WebGPU backend in a real browser: serves the repository, opens
 * test/browser/index.html in headless Chromium (WebGPU on SwiftShader, so no
 * GPU is needed), and checks what the page reports: a matmul, the random
 * stream against the CPU, and a model.fit whose loss falls; and the CPU
 * backend's wasm SIMD kernels with Web Worker threads on a cross-origin
 * isolated page (a threaded matmul and conv against plain JS loops).
 *
 *   npm run build && node test/browser/run.mjs   # needs Debian's chromium (apt-get install chromium)
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const types = { '.js': 'text/javascript', '.html': 'text/html', '.json': 'application/json', '.map': 'application/json' };
let resolveResult;
const result = new Promise((r) => (resolveResult = r));
const server = createServer(async (req, res) => {
  if (req.method === 'POST' && req.url === '/result') {
    let body = '';
    for await (const chunk of req) body += chunk;
    res.end('ok');
    resolveResult(JSON.parse(body));
    return;
  }
  const path = normalize(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  if (!path.startsWith(root)) return void res.writeHead(403).end();
  try {
    const data = await readFile(path);
    // Cross-origin isolation (COOP + COEP) gives the page SharedArrayBuffer, which the CPU backend's wasm threads need.
    res
      .writeHead(200, {
        'content-type': types[extname(path)] ?? 'application/octet-stream',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      })
      .end(data);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/test/browser/index.html`;
const profile = mkdtempSync(join(tmpdir(), 'laminar-chromium-'));
const chromium = spawn(process.env.CHROMIUM ?? 'chromium', [
  '--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface',
  `--user-data-dir=${profile}`, url,
], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
chromium.stderr.on('data', (d) => (stderr += d));
const timeout = setTimeout(() => resolveResult({ ok: false, error: `no result after 120 s; chromium said:\n${stderr.slice(-2000)}` }), 120_000);
const r = await result;
clearTimeout(timeout);
const exited = new Promise((r) => chromium.once('exit', r));
chromium.kill();
await exited;
server.close();
try {
  // Chromium's helper processes may still be writing to the profile; a leftover temp dir is harmless.
  rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
} catch {}
console.log(JSON.stringify(r, null, 2));
const ok =
  r.ok &&
  JSON.stringify(r.checks.matMul) === '[3,7]' &&
  r.checks.normalMaxDiff < 1e-5 &&
  r.checks.loss[1] < r.checks.loss[0] / 2 &&
  r.checks.weightDevice === 'webgpu' &&
  r.checks.cpu.wasm === true &&
  r.checks.cpu.sharedMemory === true &&
  r.checks.cpu.workersReady >= 1 &&
  r.checks.cpuMatMulMaxErr < 1e-3 &&
  r.checks.cpuConvMaxErr < 1e-3;
console.log(ok ? 'browser WebGPU and CPU wasm checks passed' : 'browser check FAILED');
process.exit(ok ? 0 : 1);
