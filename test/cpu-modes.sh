#!/usr/bin/env bash
# The conformance and gradient suites, and the wasm kernel tests, under each
# CPU kernel mode (`npm run test:cpu-modes`; CI runs it after `npm test`,
# which used the defaults: wasm SIMD, relaxed SIMD where detected, threads =
# cores). LAMINAR_PARALLEL_MIN_WORK=0 splits even the conformance rows'
# small kernels across threads, so the threaded paths see every row.
set -euo pipefail
cd "$(dirname "$0")/.."
for mode in "LAMINAR_WASM=0" \
            "LAMINAR_RELAXED_SIMD=0 LAMINAR_THREADS=1" \
            "LAMINAR_RELAXED_SIMD=0 LAMINAR_THREADS=2 LAMINAR_PARALLEL_MIN_WORK=0" \
            "LAMINAR_RELAXED_SIMD=1 LAMINAR_THREADS=1" \
            "LAMINAR_RELAXED_SIMD=1 LAMINAR_THREADS=2 LAMINAR_PARALLEL_MIN_WORK=0"; do
  echo "-- $mode"
  env $mode LAMINAR_TEST_WEBGPU=0 npx vitest run test/engine/conformance test/engine/backend/wasm-*.test.ts
done
