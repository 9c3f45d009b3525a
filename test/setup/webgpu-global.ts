/**
 * Vitest global setup: finds out once whether a WebGPU adapter can be
 * created here and tells every test file (`inject('webgpu')`). Without one,
 * the WebGPU tests skip and this prints one line saying how to enable them;
 * with `LAMINAR_REQUIRE_WEBGPU=1` (set by `.ci/run`) the run fails instead.
 * `LAMINAR_TEST_WEBGPU=0` skips them on purpose (CI's CPU-mode reruns).
 */
import type { TestProject } from 'vitest/node';
import { ready, getDeviceInfo } from '../../src/index.js';
import { ENABLE_HINT } from '../../src/engine/backend/webgpu/setup.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Whether the 'webgpu' device can be created on this machine. */
    webgpu: boolean;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  if (process.env.LAMINAR_TEST_WEBGPU === '0') {
    console.log('WebGPU tests skipped: LAMINAR_TEST_WEBGPU=0');
    project.provide('webgpu', false);
    return;
  }
  let available = false;
  let reason = '';
  try {
    await ready('webgpu');
    available = true;
    const info = getDeviceInfo();
    console.log(`WebGPU tests run on: ${info?.device || info?.description} (${info?.backend}, ${info?.featureLevel})`);
  } catch (e) {
    reason = (e as Error).message;
  }
  if (!available) {
    if (process.env.LAMINAR_REQUIRE_WEBGPU === '1') {
      throw new Error(`LAMINAR_REQUIRE_WEBGPU=1 but no WebGPU adapter could be created: ${reason}`);
    }
    console.log(`WebGPU tests skipped: no adapter here; to run them, ${ENABLE_HINT}.`);
  }
  project.provide('webgpu', available);
}
