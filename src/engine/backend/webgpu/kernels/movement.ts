/**
 * WebGPU kernels: transpose, slice, stridedSlice, stridedSliceGrad, concat,
 * pad, reverse, tile, broadcastTo, gather, unsortedSegmentSum.
 *
 * As on the CPU, almost every movement op is one strided copy
 * ({@link copyBlock}): transpose permutes the source strides, slice and
 * stridedSlice offset and scale them, reverse negates them, tile and
 * broadcastTo set them to 0, and pad, concat and the strided-slice gradient
 * write into a strided destination. Dimensions contiguous on both sides are
 * merged first, so most copies are short-rank; a copy that is one
 * contiguous run becomes a buffer copy, a transpose (the source's
 * unit-stride dimension is not the innermost) runs in 32×32 tiles through
 * workgroup memory so both sides are coalesced, and everything else runs one
 * thread per element with the rank baked into the shader and the counts,
 * strides and offsets as uniforms.
 *
 * Copies move 32-bit words and never look at them, so one pipeline serves
 * every dtype; only concat's promotions (bool/int32 into a wider result)
 * convert.
 *
 * gather and unsortedSegmentSum check their indices on the GPU (one
 * workgroup finds the first bad one in flat order, as the CPU reports it)
 * and report through {@link WebGPUBackend.deferredCheck}; the main kernel
 * writes 0 for (gather) or drops (unsortedSegmentSum) an out-of-range index.
 *
 * @internal
 * @module
 */
import type { DType } from '../../../dtype.js';
import { ValueError } from '../../../errors.js';
import { sizeOf, stridesOf } from '../../../shape.js';
import type { KernelTable } from '../../backend.js';
import { Uniforms, type WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';
import { grid1d, storageType, WG } from '../wgsl.js';
import { broadcastPlan, gatherGeometry, mergeCopyDims, positionOf, reversePlan, tilePlan, transposedAxis } from '../../layout.js';

/** Edge of the square tiles a transpose is copied in. */
const TILE = 32;
/** Rows of threads per transpose tile (each thread moves TILE / TILE_ROWS elements). */
const TILE_ROWS = 8;
/** Dispatch limit per dimension (WebGPU's guaranteed minimum). */
const MAX_GROUPS = 65535;

/** A storage buffer with its dtype. */
interface Side {
  data: GpuData;
  dtype: DType;
}

/** The WGSL that converts a loaded word of `from`'s storage type to `to`'s (concat promotes bool < int32 < float32). */
function convertExpr(from: DType, to: DType, v: string): string {
  const s = storageType(from);
  const d = storageType(to);
  return s === d ? v : `${d}(${v})`;
}

/** Array element types of a copy's two sides: raw words unless the copy converts. */
function copyTypes(from: DType, to: DType): { src: string; dst: string; conv: boolean } {
  const s = storageType(from);
  const d = storageType(to);
  return s === d ? { src: 'u32', dst: 'u32', conv: false } : { src: s, dst: d, conv: true };
}

/** One thread per element of `counts`; rank baked in. */
function genericSource(rank: number, from: DType, to: DType): string {
  const t = copyTypes(from, to);
  const fields: string[] = ['n: u32', 'row: u32', 'sbase: i32', 'dbase: i32'];
  for (let k = 0; k < rank; k++) fields.push(`c${k}: u32`);
  for (let k = 0; k < rank; k++) fields.push(`s${k}: i32`);
  for (let k = 0; k < rank; k++) fields.push(`d${k}: i32`);
  const lines = [
    `@group(0) @binding(0) var<storage, read> src: array<${t.src}>;`,
    `@group(0) @binding(1) var<storage, read_write> dst: array<${t.dst}>;`,
    `struct U { ${fields.join(', ')} }`,
    '@group(0) @binding(2) var<uniform> u: U;',
    `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {`,
    '  let i = g.x + g.y * u.row;',
    '  if (i >= u.n) { return; }',
    '  var rem = i;',
    '  var s = u.sbase;',
    '  var d = u.dbase;',
  ];
  for (let k = rank - 1; k >= 0; k--) {
    if (k > 0) lines.push(`  { let c = i32(rem % u.c${k}); rem = rem / u.c${k}; s = s + c * u.s${k}; d = d + c * u.d${k}; }`);
    else lines.push(`  { let c = i32(rem); s = s + c * u.s0; d = d + c * u.d0; }`);
  }
  lines.push(`  dst[d] = ${t.conv ? convertExpr(from, to, 'src[s]') : 'src[s]'};`, '}');
  return lines.join('\n');
}

/**
 * A transpose in tiles: dimension A (the innermost, unit stride in the
 * destination, stride `sa` in the source) against dimension B (unit stride
 * in the source, stride `db` in the destination); the `outer` remaining
 * dimensions come from the workgroup's z index.
 */
function tiledSource(outer: number, from: DType, to: DType): string {
  const t = copyTypes(from, to);
  const fields: string[] = ['sbase: i32', 'dbase: i32', 'na: u32', 'nb: u32', 'sa: i32', 'db: i32'];
  for (let k = 0; k < outer; k++) fields.push(`c${k}: u32`);
  for (let k = 0; k < outer; k++) fields.push(`s${k}: i32`);
  for (let k = 0; k < outer; k++) fields.push(`d${k}: i32`);
  const P = TILE + 1;
  const lines = [
    `@group(0) @binding(0) var<storage, read> src: array<${t.src}>;`,
    `@group(0) @binding(1) var<storage, read_write> dst: array<${t.dst}>;`,
    `struct U { ${fields.join(', ')} }`,
    '@group(0) @binding(2) var<uniform> u: U;',
    `var<workgroup> tile: array<${t.src}, ${TILE * P}>;`,
    `@compute @workgroup_size(${TILE}, ${TILE_ROWS}) fn main(@builtin(workgroup_id) w: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {`,
    '  var rem = w.z;',
    '  var s = u.sbase;',
    '  var d = u.dbase;',
  ];
  for (let k = outer - 1; k >= 0; k--) {
    lines.push(`  { let c = i32(rem % u.c${k}); rem = rem / u.c${k}; s = s + c * u.s${k}; d = d + c * u.d${k}; }`);
  }
  lines.push(
    `  let a0 = w.x * ${TILE}u;`,
    `  let b0 = w.y * ${TILE}u;`,
    // Load: consecutive threads walk B, the source's unit-stride dimension.
    `  for (var k = 0u; k < ${TILE}u; k = k + ${TILE_ROWS}u) {`,
    '    let a = a0 + l.y + k;',
    '    let b = b0 + l.x;',
    `    if (a < u.na && b < u.nb) { tile[(l.y + k) * ${P}u + l.x] = src[s + i32(a) * u.sa + i32(b)]; }`,
    '  }',
    '  workgroupBarrier();',
    // Store: consecutive threads walk A, the destination's unit-stride dimension.
    `  for (var k = 0u; k < ${TILE}u; k = k + ${TILE_ROWS}u) {`,
    '    let a = a0 + l.x;',
    '    let b = b0 + l.y + k;',
    `    if (a < u.na && b < u.nb) { dst[d + i32(b) * u.db + i32(a)] = ${t.conv ? convertExpr(from, to, `tile[l.x * ${P}u + l.y + k]`) : `tile[l.x * ${P}u + l.y + k]`}; }`,
    '  }',
    '}',
  );
  return lines.join('\n');
}

/**
 * For every index `i` below `counts`: `dst[dOff + i·dStrides] = src[sOff + i·sStrides]`
 * (strides may be negative or 0), converting when the dtypes differ. The
 * GPU form of the CPU's `copyBlock`.
 *
 * @internal
 */
export function copyBlock(
  b: WebGPUBackend,
  src: Side,
  sOff: number,
  sStrides: readonly number[],
  dst: Side,
  dOff: number,
  dStrides: readonly number[],
  counts: readonly number[],
): void {
  const merged = mergeCopyDims(sStrides, dStrides, counts);
  if (!merged) return;
  const { counts: c, src: ss, dst: ds } = merged;
  const rank = c.length;
  const same = storageType(src.dtype) === storageType(dst.dtype);
  // One contiguous run: a buffer copy.
  if (same && (rank === 0 || (rank === 1 && ss[0] === 1 && ds[0] === 1))) {
    b.copy(src.data, sOff * 4, dst.data, dOff * 4, (rank === 0 ? 1 : c[0]) * 4);
    return;
  }
  const dtypes = same ? 'raw' : `${src.dtype}>${dst.dtype}`;
  const last = rank - 1;
  // A transpose: the source's unit-stride dimension is not the innermost one. Copy in tiles over those two.
  const tiled = transposedAxis(c, ss, ds);
  if (tiled >= 0) {
    const outer: number[] = [];
    for (let k = 0; k < last; k++) if (k !== tiled) outer.push(k);
    const groups = [Math.ceil(c[last] / TILE), Math.ceil(c[tiled] / TILE), sizeOf(outer.map((k) => c[k]))] as const;
    if (groups.every((g) => g <= MAX_GROUPS)) {
      const u = new Uniforms().i32(sOff, dOff).u32(c[last], c[tiled]).i32(ss[last], ds[tiled]);
      u.u32(...outer.map((k) => c[k])).i32(...outer.map((k) => ss[k])).i32(...outer.map((k) => ds[k]));
      b.dispatch({
        key: `movement.transpose:o${outer.length}:${dtypes}`,
        source: () => tiledSource(outer.length, src.dtype, dst.dtype),
        inputs: [src.data],
        outputs: [dst.data],
        uniforms: u,
        workgroups: groups,
      });
      return;
    }
  }
  const n = sizeOf(c);
  const grid = grid1d(n);
  const u = new Uniforms().u32(n, grid.rowStride).i32(sOff, dOff).u32(...c).i32(...ss).i32(...ds);
  b.dispatch({
    key: `movement.copy:r${rank}:${dtypes}`,
    source: () => genericSource(rank, src.dtype, dst.dtype),
    inputs: [src.data],
    outputs: [dst.data],
    uniforms: u,
    workgroups: grid.workgroups,
  });
}

/** Writes the 32-bit pattern of `value` (in `dtype`'s storage) into the first `n` words of `d`. */
function fill(b: WebGPUBackend, d: GpuData, n: number, value: number, dtype: DType): void {
  if (n === 0) return;
  // As on the CPU, -0 counts as 0.
  if (value === 0) {
    b.clear(d);
    return;
  }
  // The CPU's typed-array conversions: Float32Array rounds, Int32Array wraps (ToInt32), bool is already 0/1.
  const bits =
    dtype === 'float32' ? new Uint32Array(Float32Array.of(value).buffer)[0] : dtype === 'int32' ? Int32Array.of(value)[0] >>> 0 : value ? 1 : 0;
  const grid = grid1d(n);
  b.dispatch({
    key: 'movement.fill',
    source: () =>
      [
        '@group(0) @binding(0) var<storage, read_write> dst: array<u32>;',
        'struct U { n: u32, row: u32, bits: u32 }',
        '@group(0) @binding(1) var<uniform> u: U;',
        `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {`,
        '  let i = g.x + g.y * u.row;',
        '  if (i < u.n) { dst[i] = u.bits; }',
        '}',
      ].join('\n'),
    inputs: [],
    outputs: [d],
    uniforms: new Uniforms().u32(n, grid.rowStride, bits),
    workgroups: grid.workgroups,
  });
}


const INT32_MIN = -2147483648;

/**
 * Checks `lo <= ids[i] < hi` for all `n` ids, one workgroup per run of ids
 * and the runs in order, so the id reported through the backend's deferred
 * check is the first bad one in flat order (the one the CPU names).
 */
function checkIndices(b: WebGPUBackend, ids: GpuData, n: number, lo: number, hi: number, describe: (position: number, value: number) => Error): void {
  if (n === 0) return;
  const { status, code } = b.deferredCheck(describe);
  // Dispatches in order, each a run of ids short enough for llvmpipe's loop limit: the first bad id reported wins.
  const chunk = WG * LOOP_CHUNK;
  for (let start = 0; start < n; start += chunk) {
    b.dispatch({
      key: 'movement.checkIndices',
      source: () =>
        [
          '@group(0) @binding(0) var<storage, read> ids: array<i32>;',
          '@group(0) @binding(1) var<storage, read_write> status: array<atomic<u32>>;',
          'struct U { start: u32, end: u32, lo: i32, hi: i32, code: u32 }',
          '@group(0) @binding(2) var<uniform> u: U;',
          'var<workgroup> first: atomic<u32>;',
          `@compute @workgroup_size(${WG}) fn main(@builtin(local_invocation_index) l: u32) {`,
          '  if (l == 0u) { atomicStore(&first, 0xffffffffu); }',
          '  workgroupBarrier();',
          '  var best = 0xffffffffu;',
          `  for (var i = u.start + l; i < u.end; i = i + ${WG}u) {`,
          '    let v = ids[i];',
          '    if (v < u.lo || v >= u.hi) { best = i; break; }',
          '  }',
          '  atomicMin(&first, best);',
          '  workgroupBarrier();',
          '  if (l == 0u) {',
          '    let p = atomicLoad(&first);',
          '    if (p != 0xffffffffu) {',
          '      if (atomicCompareExchangeWeak(&status[0], 0u, u.code).exchanged) {',
          '        atomicStore(&status[1], p);',
          '        atomicStore(&status[2], bitcast<u32>(ids[p]));',
          '      }',
          '    }',
          '  }',
          '}',
        ].join('\n'),
      inputs: [ids],
      outputs: [status],
      uniforms: new Uniforms().u32(start, Math.min(start + chunk, n)).i32(lo, hi).u32(code),
      workgroups: [1],
    });
  }
}


function offsetOf(begin: readonly number[], strides: readonly number[]): number {
  let o = 0;
  for (let i = 0; i < begin.length; i++) o += begin[i] * strides[i];
  return o;
}

/**
 * The most loop iterations one shader invocation runs: Mesa's llvmpipe
 * silently ends a thread's loops after 65535 iterations in all, so longer
 * walks are split over dispatches.
 */
const LOOP_CHUNK = 32768;
/** Threads unsortedSegmentSum aims for (each scans every index of its batch). */
const SEGMENT_THREADS_GPU = 16384;
const SEGMENT_THREADS_SOFTWARE = 256;

/** @internal */
export function movementKernels(b: WebGPUBackend): KernelTable<GpuData> {
  const out1 = (meta: { shape: readonly number[]; dtype: DType }, op: string) => ({ data: b.alloc(sizeOf(meta.shape), op), dtype: meta.dtype });
  return {
    transpose: ([x], { perm }, [out]) => {
      const y = out1(out, 'transpose');
      const xs = stridesOf(x.shape);
      copyBlock(b, x, 0, perm.map((p) => xs[p]), y, 0, stridesOf(out.shape), out.shape);
      return [y.data];
    },

    slice: ([x], { begin, size }, [out]) => {
      const y = out1(out, 'slice');
      const xs = stridesOf(x.shape);
      copyBlock(b, x, offsetOf(begin, xs), xs, y, 0, stridesOf(size), size);
      return [y.data];
    },

    stridedSlice: ([x], { begin, strides, sizes }, [out]) => {
      const y = out1(out, 'stridedSlice');
      const xs = stridesOf(x.shape);
      copyBlock(b, x, offsetOf(begin, xs), xs.map((s, i) => s * strides[i]), y, 0, stridesOf(sizes), sizes);
      return [y.data];
    },

    stridedSliceGrad: ([dy], { shape, begin, strides, sizes }, [out]) => {
      const dx = out1(out, 'stridedSliceGrad');
      if (sizeOf(shape) === 0) return [dx.data];
      b.clear(dx.data);
      const xs = stridesOf(shape);
      // Strided selections never hit an element twice, so the transpose is a plain scatter.
      copyBlock(b, dy, 0, stridesOf(sizes), dx, offsetOf(begin, xs), xs.map((s, i) => s * strides[i]), sizes);
      return [dx.data];
    },

    concat: (inputs, { axis }, [out]) => {
      const y = out1(out, 'concat');
      const ys = stridesOf(out.shape);
      let offset = 0;
      for (const x of inputs) {
        copyBlock(b, x, 0, stridesOf(x.shape), y, offset * ys[axis], ys, x.shape);
        offset += x.shape[axis];
      }
      return [y.data];
    },

    pad: ([x], { paddings, constantValue }, [out]) => {
      const y = out1(out, 'pad');
      const n = sizeOf(out.shape);
      if (n > x.size) fill(b, y.data, n, constantValue, out.dtype);
      const ys = stridesOf(out.shape);
      copyBlock(b, x, 0, stridesOf(x.shape), y, offsetOf(paddings.map((p) => p[0]), ys), ys, x.shape);
      return [y.data];
    },

    reverse: ([x], { axes }, [out]) => {
      const y = out1(out, 'reverse');
      if (x.size === 0) return [y.data];
      const p = reversePlan(x.shape, axes);
      copyBlock(b, x, p.srcOffset, p.src, y, 0, p.dst, p.counts);
      return [y.data];
    },

    tile: ([x], { reps }, [out]) => {
      const y = out1(out, 'tile');
      const p = tilePlan(x.shape, out.shape, reps);
      copyBlock(b, x, p.srcOffset, p.src, y, 0, p.dst, p.counts);
      return [y.data];
    },

    broadcastTo: ([x], { shape }, [out]) => {
      const y = out1(out, 'broadcastTo');
      const p = broadcastPlan(x.shape, shape);
      copyBlock(b, x, p.srcOffset, p.src, y, 0, p.dst, p.counts);
      return [y.data];
    },

    gather: ([x, indices], { axis, batchDims }, [out]) => {
      const n = sizeOf(out.shape);
      const y = b.alloc(n, 'gather');
      const { outer, axisSize, inner, numIndices } = gatherGeometry(x.shape, indices.shape, axis, batchDims);
      const xShape = x.shape.slice();
      const iShape = indices.shape.slice();
      checkIndices(
        b,
        indices.data,
        indices.size,
        0,
        axisSize,
        (p, v) =>
          new ValueError(
            `gather: indices${positionOf(p, iShape)} = ${v} is out of range for axis ${axis} of x (shape [${xShape.join(',')}]); expected 0 <= index < ${axisSize}`,
          ),
      );
      if (n === 0) return [y];
      const flat = inner === 1;
      const grid = grid1d(n);
      b.dispatch({
        key: `movement.gather:${flat ? 'inner1' : 'rows'}`,
        source: () =>
          [
            '@group(0) @binding(0) var<storage, read> x: array<u32>;',
            '@group(0) @binding(1) var<storage, read> idx: array<i32>;',
            '@group(0) @binding(2) var<storage, read_write> y: array<u32>;',
            'struct U { n: u32, row: u32, inner: u32, nidx: u32, outer: u32, axis: u32 }',
            '@group(0) @binding(3) var<uniform> u: U;',
            `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {`,
            '  let i = g.x + g.y * u.row;',
            '  if (i >= u.n) { return; }',
            flat ? '  let j = 0u;\n  let t = i;' : '  let j = i % u.inner;\n  let t = i / u.inner;',
            '  let q = t % u.nidx;',
            '  let br = t / u.nidx;',
            '  let v = idx[(br / u.outer) * u.nidx + q];',
            '  var r = 0u;',
            `  if (v >= 0 && u32(v) < u.axis) { r = x[${flat ? 'br * u.axis + u32(v)' : '(br * u.axis + u32(v)) * u.inner + j'}]; }`,
            '  y[i] = r;',
            '}',
          ].join('\n'),
        inputs: [x.data, indices.data],
        outputs: [y],
        uniforms: new Uniforms().u32(n, grid.rowStride, inner, numIndices, outer, axisSize),
        workgroups: grid.workgroups,
      });
      return [y];
    },

    unsortedSegmentSum: ([data, segmentIds], { numSegments, axis, batchDims }, [out]) => {
      const n = sizeOf(out.shape);
      const y = b.alloc(n, 'unsortedSegmentSum');
      const { batch, outer, inner, numIndices } = gatherGeometry(out.shape, segmentIds.shape, axis, batchDims);
      const iShape = segmentIds.shape.slice();
      checkIndices(
        b,
        segmentIds.data,
        segmentIds.size,
        INT32_MIN,
        numSegments,
        (p, v) =>
          new ValueError(
            `unsortedSegmentSum: segmentIds${positionOf(p, iShape)} = ${v} is out of range; expected an id below numSegments = ${numSegments} (negative ids are dropped)`,
          ),
      );
      if (n === 0) return [y];
      b.clear(y);
      const cols = batch * outer * inner;
      if (numIndices === 0 || cols === 0) return [y];
      // Each thread owns one column of a range of segments and walks the ids in order, so every sum runs in
      // the CPU's order with no atomics; splitting the segments into ranges gives enough threads.
      const target = b.info?.software ? SEGMENT_THREADS_SOFTWARE : SEGMENT_THREADS_GPU;
      const groups = Math.max(1, Math.min(numSegments, Math.ceil(target / cols)));
      const per = Math.ceil(numSegments / groups);
      const used = Math.ceil(numSegments / per);
      const threads = used * cols;
      const t = storageType(out.dtype);
      const grid = grid1d(threads);
      // A run of ids per dispatch, in order: llvmpipe cuts a thread off after 65535 loop iterations.
      for (let k0 = 0; k0 < numIndices; k0 += LOOP_CHUNK) {
        b.dispatch({
          key: `movement.unsortedSegmentSum:${t}`,
          source: () =>
            [
              `@group(0) @binding(0) var<storage, read> x: array<${t}>;`,
              '@group(0) @binding(1) var<storage, read> ids: array<i32>;',
              `@group(0) @binding(2) var<storage, read_write> y: array<${t}>;`,
              'struct U { n: u32, row: u32, inner: u32, outer: u32, batch: u32, nidx: u32, nseg: u32, per: u32, k0: u32, k1: u32 }',
              '@group(0) @binding(3) var<uniform> u: U;',
              `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {`,
              '  let i = g.x + g.y * u.row;',
              '  if (i >= u.n) { return; }',
              '  let j = i % u.inner;',
              '  var q = i / u.inner;',
              '  let r = q % u.outer;',
              '  q = q / u.outer;',
              '  let bb = q % u.batch;',
              '  let lo = i32((q / u.batch) * u.per);',
              '  let hi = i32(min(u32(lo) + u.per, u.nseg));',
              '  let br = bb * u.outer + r;',
              '  let ybase = br * u.nseg;',
              '  let xbase = br * u.nidx;',
              '  let ibase = bb * u.nidx;',
              '  for (var k = u.k0; k < u.k1; k = k + 1u) {',
              '    let id = ids[ibase + k];',
              '    if (id >= lo && id < hi) {',
              '      let o = (ybase + u32(id)) * u.inner + j;',
              '      y[o] = y[o] + x[(xbase + k) * u.inner + j];',
              '    }',
              '  }',
              '}',
            ].join('\n'),
          inputs: [data.data, segmentIds.data],
          outputs: [y],
          uniforms: new Uniforms().u32(threads, grid.rowStride, inner, outer, batch, numIndices, numSegments, per, k0, Math.min(k0 + LOOP_CHUNK, numIndices)),
          workgroups: grid.workgroups,
        });
      }
      return [y];
    },
  };
}
