/**
 * A small WebAssembly assembler: laminar's wasm kernels are written in
 * TypeScript against this builder and encoded to a binary module at run
 * time, so installing laminar needs no compiler toolchain, and variants
 * (relaxed SIMD or not, tile sizes) are generated instead of shipped.
 *
 * It covers what the kernels use: i32/f32/f64 scalar ops, 128-bit SIMD
 * (with the relaxed fused multiply-add), structured control flow, calls
 * between module functions, and one imported (optionally shared) memory.
 * Instruction methods return the builder, so code reads as a stack program:
 *
 * ```ts
 * f.get(a).get(b).i32Add().set(c);
 * ```
 *
 * @internal
 * @module
 */

/** A wasm value type. @internal */
export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

function section(out: number[], id: number, body: number[]): void {
  out.push(id);
  uleb(out, body.length);
  for (const b of body) out.push(b);
}

const f32Bytes = new Uint8Array(4);
const f32View = new DataView(f32Bytes.buffer);

/** Alignment exponents of the memory accesses (log2 of the natural alignment). */
const ALIGN = { i8: 0, i32: 2, f32: 2, f64: 3, v128: 4 } as const;

/**
 * Builds one function body. Parameters are locals `0..params.length-1`;
 * `local(type)` declares more. Control instructions (`block`, `loop`, `if_`)
 * must be closed with `end()`.
 * @internal
 */
export class FunctionBuilder {
  /** The encoded instructions. */
  readonly code: number[] = [];
  /** Declared locals after the parameters. */
  readonly locals: ValType[] = [];

  constructor(
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}

  /** Declares a local and returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  private simd(opcode: number): this {
    this.code.push(0xfd);
    uleb(this.code, opcode);
    return this;
  }

  private mem(opcode: number, align: number, offset: number): this {
    this.code.push(opcode);
    uleb(this.code, align);
    uleb(this.code, offset);
    return this;
  }

  private simdMem(opcode: number, align: number, offset: number): this {
    this.simd(opcode);
    uleb(this.code, align);
    uleb(this.code, offset);
    return this;
  }

  // ---- locals and constants ----
  /** `local.get`. */
  get(i: number): this {
    this.code.push(0x20);
    uleb(this.code, i);
    return this;
  }
  /** `local.set`. */
  set(i: number): this {
    this.code.push(0x21);
    uleb(this.code, i);
    return this;
  }
  /** `local.tee`. */
  tee(i: number): this {
    this.code.push(0x22);
    uleb(this.code, i);
    return this;
  }
  /** `i32.const`. */
  i32(v: number): this {
    this.code.push(0x41);
    sleb(this.code, v);
    return this;
  }
  /** `f32.const`. */
  f32(v: number): this {
    f32View.setFloat32(0, v, true);
    return this.op(0x43, ...f32Bytes);
  }

  // ---- control ----
  /** `block` (no result). */
  block(): this {
    return this.op(0x02, 0x40);
  }
  /** `loop` (no result). */
  loop(): this {
    return this.op(0x03, 0x40);
  }
  /** `if` (no result). */
  if_(): this {
    return this.op(0x04, 0x40);
  }
  /** `else`. */
  else_(): this {
    return this.op(0x05);
  }
  /** `end`. */
  end(): this {
    return this.op(0x0b);
  }
  /** `br depth`. */
  br(depth: number): this {
    this.code.push(0x0c);
    uleb(this.code, depth);
    return this;
  }
  /** `br_if depth`. */
  brIf(depth: number): this {
    this.code.push(0x0d);
    uleb(this.code, depth);
    return this;
  }
  /** `return`. */
  ret(): this {
    return this.op(0x0f);
  }
  /** `call` of a module function by index. */
  call(index: number): this {
    this.code.push(0x10);
    uleb(this.code, index);
    return this;
  }
  /** `drop`. */
  drop(): this {
    return this.op(0x1a);
  }
  /** `select` (numeric operands). */
  select(): this {
    return this.op(0x1b);
  }

  /**
   * `for (i = from; i < to; i += step) body()`, signed compare. `from` and
   * `to` emit one i32 each; `to` is evaluated on every iteration.
   */
  for_(i: number, from: () => void, to: () => void, step: number, body: () => void): this {
    from();
    this.set(i);
    this.block().loop();
    this.get(i);
    to();
    this.op(0x4e).brIf(1); // i32.ge_s
    body();
    this.get(i).i32(step).i32Add().set(i);
    this.br(0).end().end();
    return this;
  }

  /** `while (cond()) body()`; `cond` emits one i32. */
  while_(cond: () => void, body: () => void): this {
    this.block().loop();
    cond();
    this.i32Eqz().brIf(1);
    body();
    this.br(0).end().end();
    return this;
  }

  // ---- memory ----
  /** `i32.load`. */
  i32Load(offset = 0): this {
    return this.mem(0x28, ALIGN.i32, offset);
  }
  /** `f32.load`. */
  f32Load(offset = 0): this {
    return this.mem(0x2a, ALIGN.f32, offset);
  }
  /** `f64.load`. */
  f64Load(offset = 0): this {
    return this.mem(0x2b, ALIGN.f64, offset);
  }
  /** `i32.load8_u`. */
  i32Load8U(offset = 0): this {
    return this.mem(0x2d, ALIGN.i8, offset);
  }
  /** `i32.store`. */
  i32Store(offset = 0): this {
    return this.mem(0x36, ALIGN.i32, offset);
  }
  /** `f32.store`. */
  f32Store(offset = 0): this {
    return this.mem(0x38, ALIGN.f32, offset);
  }
  /** `f64.store`. */
  f64Store(offset = 0): this {
    return this.mem(0x39, ALIGN.f64, offset);
  }
  /** `i32.store8`. */
  i32Store8(offset = 0): this {
    return this.mem(0x3a, ALIGN.i8, offset);
  }
  /** `v128.load` (alignment hint 4 bytes: tensors are only float-aligned). */
  v128Load(offset = 0): this {
    return this.simdMem(0x00, ALIGN.f32, offset);
  }
  /** `v128.store` (alignment hint 4 bytes). */
  v128Store(offset = 0): this {
    return this.simdMem(0x0b, ALIGN.f32, offset);
  }
  /** `v128.load32_splat`. */
  v128Load32Splat(offset = 0): this {
    return this.simdMem(0x09, ALIGN.f32, offset);
  }
  /** `v128.load64_zero`: two floats into the low lanes. */
  v128Load64Zero(offset = 0): this {
    return this.simdMem(0x5d, ALIGN.f32, offset);
  }
  /** `memory.size` in pages. */
  memorySize(): this {
    return this.op(0x3f, 0x00);
  }

  // ---- i32 ----
  /** `i32.eqz`. */ i32Eqz(): this { return this.op(0x45); }
  /** `i32.eq`. */ i32Eq(): this { return this.op(0x46); }
  /** `i32.ne`. */ i32Ne(): this { return this.op(0x47); }
  /** `i32.lt_s`. */ i32LtS(): this { return this.op(0x48); }
  /** `i32.lt_u`. */ i32LtU(): this { return this.op(0x49); }
  /** `i32.gt_s`. */ i32GtS(): this { return this.op(0x4a); }
  /** `i32.le_s`. */ i32LeS(): this { return this.op(0x4c); }
  /** `i32.ge_s`. */ i32GeS(): this { return this.op(0x4e); }
  /** `i32.ge_u`. */ i32GeU(): this { return this.op(0x4f); }
  /** `i32.add`. */ i32Add(): this { return this.op(0x6a); }
  /** `i32.sub`. */ i32Sub(): this { return this.op(0x6b); }
  /** `i32.mul`. */ i32Mul(): this { return this.op(0x6c); }
  /** `i32.div_s`. */ i32DivS(): this { return this.op(0x6d); }
  /** `i32.div_u`. */ i32DivU(): this { return this.op(0x6e); }
  /** `i32.rem_s`. */ i32RemS(): this { return this.op(0x6f); }
  /** `i32.rem_u`. */ i32RemU(): this { return this.op(0x70); }
  /** `i32.and`. */ i32And(): this { return this.op(0x71); }
  /** `i32.or`. */ i32Or(): this { return this.op(0x72); }
  /** `i32.xor`. */ i32Xor(): this { return this.op(0x73); }
  /** `i32.shl`. */ i32Shl(): this { return this.op(0x74); }
  /** `i32.shr_s`. */ i32ShrS(): this { return this.op(0x75); }
  /** `i32.shr_u`. */ i32ShrU(): this { return this.op(0x76); }

  // ---- f32 / f64 scalar ----
  /** `f32.eq`. */ f32Eq(): this { return this.op(0x5b); }
  /** `f32.ne`. */ f32Ne(): this { return this.op(0x5c); }
  /** `f32.lt`. */ f32Lt(): this { return this.op(0x5d); }
  /** `f32.gt`. */ f32Gt(): this { return this.op(0x5e); }
  /** `f32.le`. */ f32Le(): this { return this.op(0x5f); }
  /** `f32.ge`. */ f32Ge(): this { return this.op(0x60); }
  /** `f32.abs`. */ f32Abs(): this { return this.op(0x8b); }
  /** `f32.neg`. */ f32Neg(): this { return this.op(0x8c); }
  /** `f32.sqrt`. */ f32Sqrt(): this { return this.op(0x91); }
  /** `f32.add`. */ f32Add(): this { return this.op(0x92); }
  /** `f32.sub`. */ f32Sub(): this { return this.op(0x93); }
  /** `f32.mul`. */ f32Mul(): this { return this.op(0x94); }
  /** `f32.div`. */ f32Div(): this { return this.op(0x95); }
  /** `f32.min` (NaN-propagating). */ f32Min(): this { return this.op(0x96); }
  /** `f32.max` (NaN-propagating). */ f32Max(): this { return this.op(0x97); }
  /** `f64.add`. */ f64Add(): this { return this.op(0xa0); }
  /** `f64.sub`. */ f64Sub(): this { return this.op(0xa1); }
  /** `f64.mul`. */ f64Mul(): this { return this.op(0xa2); }
  /** `f64.div`. */ f64Div(): this { return this.op(0xa3); }
  /** `f32.demote_f64`. */ f32DemoteF64(): this { return this.op(0xb6); }
  /** `f64.promote_f32`. */ f64PromoteF32(): this { return this.op(0xbb); }
  /** `f32.convert_i32_s`. */ f32ConvertI32S(): this { return this.op(0xb2); }

  // ---- SIMD ----
  /** `f32x4.splat`. */ f32x4Splat(): this { return this.simd(0x13); }
  /** `i32x4.splat`. */ i32x4Splat(): this { return this.simd(0x11); }
  /** `f32x4.extract_lane`. */
  f32x4ExtractLane(lane: number): this {
    return this.simd(0x1f).op(lane);
  }
  /** `f32x4.replace_lane`. */
  f32x4ReplaceLane(lane: number): this {
    return this.simd(0x20).op(lane);
  }
  /** `i8x16.shuffle` with 16 lane indices. */
  i8x16Shuffle(lanes: readonly number[]): this {
    return this.simd(0x0d).op(...lanes);
  }
  /** `f32x4.eq`. */ f32x4Eq(): this { return this.simd(0x41); }
  /** `f32x4.ne`. */ f32x4Ne(): this { return this.simd(0x42); }
  /** `f32x4.lt`. */ f32x4Lt(): this { return this.simd(0x43); }
  /** `f32x4.gt`. */ f32x4Gt(): this { return this.simd(0x44); }
  /** `f32x4.le`. */ f32x4Le(): this { return this.simd(0x45); }
  /** `f32x4.ge`. */ f32x4Ge(): this { return this.simd(0x46); }
  /** `v128.not`. */ v128Not(): this { return this.simd(0x4d); }
  /** `v128.and`. */ v128And(): this { return this.simd(0x4e); }
  /** `v128.andnot`. */ v128AndNot(): this { return this.simd(0x4f); }
  /** `v128.or`. */ v128Or(): this { return this.simd(0x50); }
  /** `v128.xor`. */ v128Xor(): this { return this.simd(0x51); }
  /** `v128.bitselect` (a where mask, else b). */ v128Bitselect(): this { return this.simd(0x52); }
  /** `v128.any_true`. */ v128AnyTrue(): this { return this.simd(0x53); }
  /** `i32x4.add`. */ i32x4Add(): this { return this.simd(0xae); }
  /** `i32x4.sub`. */ i32x4Sub(): this { return this.simd(0xb1); }
  /** `i32x4.mul`. */ i32x4Mul(): this { return this.simd(0xb5); }
  /** `i32x4.shl`. */ i32x4Shl(): this { return this.simd(0xab); }
  /** `i32x4.shr_s`. */ i32x4ShrS(): this { return this.simd(0xac); }
  /** `f32x4.abs`. */ f32x4Abs(): this { return this.simd(0xe0); }
  /** `f32x4.neg`. */ f32x4Neg(): this { return this.simd(0xe1); }
  /** `f32x4.sqrt`. */ f32x4Sqrt(): this { return this.simd(0xe3); }
  /** `f32x4.add`. */ f32x4Add(): this { return this.simd(0xe4); }
  /** `f32x4.sub`. */ f32x4Sub(): this { return this.simd(0xe5); }
  /** `f32x4.mul`. */ f32x4Mul(): this { return this.simd(0xe6); }
  /** `f32x4.div`. */ f32x4Div(): this { return this.simd(0xe7); }
  /** `f32x4.min` (NaN-propagating). */ f32x4Min(): this { return this.simd(0xe8); }
  /** `f32x4.max` (NaN-propagating). */ f32x4Max(): this { return this.simd(0xe9); }
  /** `f32x4.pmin`. */ f32x4Pmin(): this { return this.simd(0xea); }
  /** `f32x4.pmax`. */ f32x4Pmax(): this { return this.simd(0xeb); }
  /** `f32x4.convert_i32x4_s`. */ f32x4ConvertI32x4S(): this { return this.simd(0xfa); }
  /** `i32x4.trunc_sat_f32x4_s`. */ i32x4TruncSatF32x4S(): this { return this.simd(0xf8); }
  /** `f32x4.relaxed_madd`: a·b + c, fused or not (relaxed SIMD). */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }

  // ---- elementwise kernels (ew-*.ts): f64 scalar/SIMD, rounding, constants ----
  /** `f64.const`. */
  f64(v: number): this {
    this.code.push(0x44);
    const b = new Uint8Array(new Float64Array([v]).buffer);
    for (const x of b) this.code.push(x);
    return this;
  }
  /** `v128.const` from 16 little-endian bytes. */
  v128Const(bytes: ArrayLike<number>): this {
    this.simd(0x0c);
    for (let i = 0; i < 16; i++) this.code.push(bytes[i] & 0xff);
    return this;
  }
  /** `f32x4` constant with four equal lanes (`v128.const`). */
  f32x4Const(v: number): this {
    return this.v128Const(new Uint8Array(new Float32Array([v, v, v, v]).buffer));
  }
  /** `f64x2` constant with two equal lanes (`v128.const`). */
  f64x2Const(v: number): this {
    return this.v128Const(new Uint8Array(new Float64Array([v, v]).buffer));
  }
  /** `f64.eq`. */ f64Eq(): this { return this.op(0x61); }
  /** `f64.ne`. */ f64Ne(): this { return this.op(0x62); }
  /** `f64.lt`. */ f64Lt(): this { return this.op(0x63); }
  /** `f64.gt`. */ f64Gt(): this { return this.op(0x64); }
  /** `f64.le`. */ f64Le(): this { return this.op(0x65); }
  /** `f64.ge`. */ f64Ge(): this { return this.op(0x66); }
  /** `f32.ceil`. */ f32Ceil(): this { return this.op(0x8d); }
  /** `f32.floor`. */ f32Floor(): this { return this.op(0x8e); }
  /** `f32.nearest` (round half to even). */ f32Nearest(): this { return this.op(0x90); }
  /** `f64.abs`. */ f64Abs(): this { return this.op(0x99); }
  /** `f64.neg`. */ f64Neg(): this { return this.op(0x9a); }
  /** `f64.ceil`. */ f64Ceil(): this { return this.op(0x9b); }
  /** `f64.floor`. */ f64Floor(): this { return this.op(0x9c); }
  /** `f64.nearest` (round half to even). */ f64Nearest(): this { return this.op(0x9e); }
  /** `f64.sqrt`. */ f64Sqrt(): this { return this.op(0x9f); }
  /** `f64.min` (NaN-propagating). */ f64Min(): this { return this.op(0xa4); }
  /** `f64.max` (NaN-propagating). */ f64Max(): this { return this.op(0xa5); }
  /** `f64x2.splat`. */ f64x2Splat(): this { return this.simd(0x14); }
  /** `f64x2.extract_lane`. */
  f64x2ExtractLane(lane: number): this {
    return this.simd(0x21).op(lane);
  }
  /** `f64x2.replace_lane`. */
  f64x2ReplaceLane(lane: number): this {
    return this.simd(0x22).op(lane);
  }
  /** `f64x2.eq`. */ f64x2Eq(): this { return this.simd(0x47); }
  /** `f64x2.ne`. */ f64x2Ne(): this { return this.simd(0x48); }
  /** `f64x2.lt`. */ f64x2Lt(): this { return this.simd(0x49); }
  /** `f64x2.gt`. */ f64x2Gt(): this { return this.simd(0x4a); }
  /** `f64x2.le`. */ f64x2Le(): this { return this.simd(0x4b); }
  /** `f64x2.ge`. */ f64x2Ge(): this { return this.simd(0x4c); }
  /** `f32x4.demote_f64x2_zero`: two doubles rounded into the low lanes. */ f32x4DemoteF64x2Zero(): this { return this.simd(0x5e); }
  /** `f64x2.promote_low_f32x4`: the two low floats widened. */ f64x2PromoteLowF32x4(): this { return this.simd(0x5f); }
  /** `f32x4.ceil`. */ f32x4Ceil(): this { return this.simd(0x67); }
  /** `f32x4.floor`. */ f32x4Floor(): this { return this.simd(0x68); }
  /** `f32x4.nearest` (round half to even). */ f32x4Nearest(): this { return this.simd(0x6a); }
  /** `f64x2.ceil`. */ f64x2Ceil(): this { return this.simd(0x74); }
  /** `f64x2.floor`. */ f64x2Floor(): this { return this.simd(0x75); }
  /** `f64x2.nearest` (round half to even). */ f64x2Nearest(): this { return this.simd(0x94); }
  /** `f64x2.abs`. */ f64x2Abs(): this { return this.simd(0xec); }
  /** `f64x2.neg`. */ f64x2Neg(): this { return this.simd(0xed); }
  /** `f64x2.sqrt`. */ f64x2Sqrt(): this { return this.simd(0xef); }
  /** `f64x2.add`. */ f64x2Add(): this { return this.simd(0xf0); }
  /** `f64x2.sub`. */ f64x2Sub(): this { return this.simd(0xf1); }
  /** `f64x2.mul`. */ f64x2Mul(): this { return this.simd(0xf2); }
  /** `f64x2.div`. */ f64x2Div(): this { return this.simd(0xf3); }
  /** `f64x2.min` (NaN-propagating). */ f64x2Min(): this { return this.simd(0xf4); }
  /** `f64x2.max` (NaN-propagating). */ f64x2Max(): this { return this.simd(0xf5); }
  // ---- end of the elementwise block ----

  // ---- pooling kernels (pool.ts) ----
  /** `f64.convert_i32_s`. */ f64ConvertI32S(): this { return this.op(0xb7); }
  /** `i32x4.eq`. */ i32x4Eq(): this { return this.simd(0x37); }
  // ---- end of the pooling block ----
}

/** One function of a module under construction. */
interface FuncEntry {
  name: string;
  exported: boolean;
  fn: FunctionBuilder;
}

/**
 * The imported memory's limits, in 64 KiB pages.
 * @internal
 */
export interface MemorySpec {
  /** Pages at instantiation (the memory passed in must have at least this many). */
  initial: number;
  /** Maximum pages (required for shared memory). */
  maximum: number;
  /** A shared memory (threads). */
  shared: boolean;
}

/**
 * Builds a module that imports one memory as `env.memory` and defines
 * functions. Function indices follow declaration order, so a function can
 * call any function declared before it.
 * @internal
 */
export class ModuleBuilder {
  private readonly funcs: FuncEntry[] = [];

  constructor(private readonly memory: MemorySpec) {}

  /**
   * Declares a function and builds its body with `build`. Returns its index
   * for `call`.
   */
  func(name: string, params: readonly ValType[], results: readonly ValType[], build: (f: FunctionBuilder) => void, exported = true): number {
    const fn = new FunctionBuilder(params, results);
    build(fn);
    fn.end();
    this.funcs.push({ name, exported, fn });
    return this.funcs.length - 1;
  }

  /** Encodes the module. */
  toBytes(): Uint8Array<ArrayBuffer> {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    // Types: one per distinct signature.
    const sigs: string[] = [];
    const typeOf: number[] = [];
    const types: number[] = [];
    for (const { fn } of this.funcs) {
      const key = `${fn.params.join(',')}->${fn.results.join(',')}`;
      let idx = sigs.indexOf(key);
      if (idx < 0) {
        idx = sigs.length;
        sigs.push(key);
        types.push(0x60);
        uleb(types, fn.params.length);
        for (const p of fn.params) types.push(VALTYPE[p]);
        uleb(types, fn.results.length);
        for (const r of fn.results) types.push(VALTYPE[r]);
      }
      typeOf.push(idx);
    }
    const typeSec: number[] = [];
    uleb(typeSec, sigs.length);
    typeSec.push(...types);
    section(out, 1, typeSec);

    const importSec: number[] = [];
    uleb(importSec, 1);
    name(importSec, 'env');
    name(importSec, 'memory');
    importSec.push(0x02, this.memory.shared ? 0x03 : 0x01);
    uleb(importSec, this.memory.initial);
    uleb(importSec, this.memory.maximum);
    section(out, 2, importSec);

    const funcSec: number[] = [];
    uleb(funcSec, this.funcs.length);
    for (const t of typeOf) uleb(funcSec, t);
    section(out, 3, funcSec);

    const exported = this.funcs.map((f, i) => [f, i] as const).filter(([f]) => f.exported);
    const exportSec: number[] = [];
    uleb(exportSec, exported.length);
    for (const [f, i] of exported) {
      name(exportSec, f.name);
      exportSec.push(0x00);
      uleb(exportSec, i);
    }
    section(out, 7, exportSec);

    const codeSec: number[] = [];
    uleb(codeSec, this.funcs.length);
    for (const { fn } of this.funcs) {
      const body: number[] = [];
      // Locals, run-length encoded by type.
      const groups: [number, ValType][] = [];
      for (const t of fn.locals) {
        const last = groups[groups.length - 1];
        if (last && last[1] === t) last[0]++;
        else groups.push([1, t]);
      }
      uleb(body, groups.length);
      for (const [count, t] of groups) {
        uleb(body, count);
        body.push(VALTYPE[t]);
      }
      for (const b of fn.code) body.push(b);
      uleb(codeSec, body.length);
      for (const b of body) codeSec.push(b);
    }
    section(out, 10, codeSec);
    return new Uint8Array(out);
  }
}
