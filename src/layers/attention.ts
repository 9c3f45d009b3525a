/**
 * MultiHeadAttention (Vaswani et al., 2017), Keras 3 semantics: project the
 * query, key and value per head, attend with scaled dot products, and
 * project the heads' concatenated results back.
 *
 * @module
 */
import { z } from 'zod';
import {
  ShapeError,
  Tensor,
  ValueError,
  add,
  expandDims,
  greater,
  matMul,
  mul,
  reshape,
  softmax,
  tidy,
  transpose,
  where,
  type Variable,
} from '../engine/index.js';
import type { ConfigDict } from './config.js';
import { Layer, baseLayerOptions, fmtLayerShape, parseLayerOptions, registerLayer, type BaseLayerArgs, type CallArgs, type LayerShape } from './layer.js';
import { getInitializer, initializerOption, serializeInitializer, type Initializer } from './initializers.js';
import { getRegularizer, regularizerOption, serializeRegularizer, type Regularizer } from './regularizers.js';
import type { SymbolicTensor } from './symbolic.js';
import { Dropout } from './core/dropout.js';

const mhaSchema = z.strictObject({
  ...baseLayerOptions,
  numHeads: z.number().int().positive(),
  keyDim: z.number().int().positive(),
  valueDim: z.number().int().positive().nullable().optional(),
  dropout: z.number().min(0).lt(1).optional(),
  useBias: z.boolean().optional(),
  outputShape: z.number().int().positive().nullable().optional(),
  kernelInitializer: initializerOption.optional(),
  biasInitializer: initializerOption.optional(),
  kernelRegularizer: regularizerOption.nullable().optional(),
  biasRegularizer: regularizerOption.nullable().optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
});

/**
 * Options of {@link MultiHeadAttention} (Keras 3 names and defaults).
 *
 * @example
 * ```ts
 * const opts: MultiHeadAttentionArgs = { numHeads: 8, keyDim: 64, dropout: 0.1 };
 * ```
 */
export type MultiHeadAttentionArgs = z.input<typeof mhaSchema> & BaseLayerArgs;

/** Keras's masked-softmax filler: exp of it is 0 in float32 and float64. */
const LARGE_NEGATIVE = -1e9;

const ROLES = ['query', 'value', 'key'] as const;

interface Projection {
  kernel: Variable;
  bias: Variable | undefined;
}

/**
 * Multi-head attention. Inputs are a list `[query, value]` or
 * `[query, value, key]` (the key defaults to the value), each of shape
 * `[batch, seq, features]`; self-attention is `apply([x, x])`. The output
 * has shape `[batch, Tq, outputShape ?? queryFeatures]`.
 *
 * Per head `h`: `Q = query·Wq[:, h] + bq[h]`, likewise K and V; the scores
 * are `softmax(Q·Kᵀ / sqrt(keyDim))` over the key positions, with dropout
 * in training; the heads' `scores·V` are projected by `attention_output`.
 *
 * Call arguments: `attentionMask`, a bool (or 0/1) tensor of shape
 * `[batch, Tq, Tk]` (or broadcastable to it) where `true` means "may
 * attend" (masked positions get -1e9 before the softmax, as in Keras); and
 * `returnAttentionScores`, which makes the layer return two outputs (use
 * `applyMany`): the output and the scores `[batch, numHeads, Tq, Tk]`
 * (before dropout), on concrete and symbolic inputs.
 *
 * Weights (Keras 3's EinsumDense sublayers, held as this layer's own):
 * `query/kernel` `[dQ, numHeads, keyDim]`, `query/bias` `[numHeads, keyDim]`,
 * `key/kernel` `[dK, numHeads, keyDim]`, `key/bias`, `value/kernel`
 * `[dV, numHeads, valueDim]`, `value/bias`, `attention_output/kernel`
 * `[numHeads, valueDim, outDim]` and `attention_output/bias` `[outDim]`
 * (biases only with `useBias`). With a `seed`, the dropout masks follow a
 * sequence the seed fixes (see `Dropout`).
 *
 * @example
 * ```ts
 * const mha = layers.multiHeadAttention({ numHeads: 2, keyDim: 16 });
 * const y = mha.apply([x, x]);                                       // self-attention, x: [batch, T, d]
 * const [out, scores] = mha.applyMany([q, v], { returnAttentionScores: true });
 * ```
 */
export class MultiHeadAttention extends Layer {
  static override readonly className: string = 'MultiHeadAttention';
  /** Number of attention heads. */
  readonly numHeads: number;
  /** Size of each head's query and key projections. */
  readonly keyDim: number;
  /** Size of each head's value projection. */
  readonly valueDim: number;
  /** Dropout rate on the attention scores in training. */
  readonly dropout: number;
  /** Whether the projections add biases. */
  readonly useBias: boolean;
  /** Size of the output's last axis; `undefined`: the query's. */
  readonly outputShape: number | undefined;
  /** The seed of the dropout masks' sequence, if any. */
  readonly seed: number | undefined;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | undefined;
  private readonly biasRegularizer: Regularizer | undefined;
  private query!: Projection;
  private key!: Projection;
  private value!: Projection;
  private attentionOutput!: Projection;
  private outDim = 0;
  /** Keras's `_dropout_layer`: a seeded layer draws a fresh mask per training call from its seed's sequence. */
  private readonly scoreDropout: Dropout;

  /** @param args Options; see {@link MultiHeadAttentionArgs}. */
  constructor(args: MultiHeadAttentionArgs) {
    const o = parseLayerOptions(mhaSchema, args, 'MultiHeadAttention');
    const { numHeads, keyDim, valueDim, dropout: rate, useBias, outputShape, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, seed, ...base } = o;
    super(base);
    this.numHeads = numHeads;
    this.keyDim = keyDim;
    this.valueDim = valueDim ?? keyDim;
    this.dropout = rate ?? 0;
    this.useBias = useBias ?? true;
    this.outputShape = outputShape ?? undefined;
    this.kernelInitializer = getInitializer(kernelInitializer ?? 'glorotUniform', `${this.name}: kernelInitializer`);
    this.biasInitializer = getInitializer(biasInitializer ?? 'zeros', `${this.name}: biasInitializer`);
    this.kernelRegularizer = getRegularizer(kernelRegularizer ?? null, `${this.name}: kernelRegularizer`);
    this.biasRegularizer = getRegularizer(biasRegularizer ?? null, `${this.name}: biasRegularizer`);
    this.seed = seed ?? undefined;
    this.scoreDropout = new Dropout({ rate: this.dropout, seed: this.seed ?? null, name: `${this.name}_dropout`, dtype: this.dtype });
  }

  /** The `[query, value, key]` shapes (key defaulting to value), checked. */
  private roleShapes(inputShape: LayerShape | LayerShape[]): [LayerShape, LayerShape, LayerShape] {
    const isList = inputShape.length > 0 && Array.isArray(inputShape[0]);
    const shapes = isList ? (inputShape as LayerShape[]) : [];
    if (!isList || shapes.length < 2 || shapes.length > 3) {
      const got = isList ? `a list of ${shapes.length}` : `a single input of shape ${fmtLayerShape(inputShape as LayerShape)}`;
      throw new ValueError(`${this.name}: expected a list [query, value] or [query, value, key] of [batch, seq, features] inputs, got ${got}`);
    }
    shapes.forEach((s, i) => {
      if (s.length !== 3) throw new ShapeError(`${this.name}: expected ${ROLES[i]} of rank 3 ([batch, seq, features]), got shape ${fmtLayerShape(s)}`);
      if (s[2] === null) throw new ShapeError(`${this.name}: expected ${ROLES[i]} with a known last axis (features), got shape ${fmtLayerShape(s)}`);
    });
    const [q, v, k = v] = shapes;
    const fmtAll = `query ${fmtLayerShape(q)}, value ${fmtLayerShape(v)}${shapes.length === 3 ? `, key ${fmtLayerShape(k)}` : ''}`;
    const clash = (a: number | null, b: number | null): boolean => a !== null && b !== null && a !== b;
    if (clash(k[1], v[1])) throw new ShapeError(`${this.name}: expected key and value of the same length (axis 1), got ${fmtAll}`);
    if (clash(q[0], v[0]) || clash(q[0], k[0]) || clash(k[0], v[0])) throw new ShapeError(`${this.name}: expected query, value and key of the same batch size, got ${fmtAll}`);
    return [q, v, k];
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const [q, v, k] = this.roleShapes(inputShape);
    const [dQ, dV, dK] = [q[2], v[2], k[2]] as number[];
    const { numHeads: h, keyDim, valueDim } = this;
    const outDim = this.outputShape ?? dQ;
    const project = (name: string, kernelShape: number[], biasShape: number[]): Projection => ({
      kernel: this.addWeight(`${name}/kernel`, kernelShape, { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer }),
      bias: this.useBias ? this.addWeight(`${name}/bias`, biasShape, { initializer: this.biasInitializer, regularizer: this.biasRegularizer }) : undefined,
    });
    this.query = project('query', [dQ, h, keyDim], [h, keyDim]);
    this.key = project('key', [dK, h, keyDim], [h, keyDim]);
    this.value = project('value', [dV, h, valueDim], [h, valueDim]);
    this.attentionOutput = project('attention_output', [h, valueDim, outDim], [outDim]);
    this.outDim = outDim;
    this.inputSpec = [
      { ndim: 3, axes: { [-1]: dQ } },
      { ndim: 3, axes: { [-1]: dV } },
      { ndim: 3, axes: { [-1]: dK } },
    ];
  }

  /** `[batch, T, d]` → `[batch, heads, T, size]`. */
  private project(x: Tensor, p: Projection, size: number): Tensor {
    const [batch, length, d] = x.shape;
    let y = matMul(x, reshape(p.kernel, [d, this.numHeads * size]));
    y = reshape(y, [batch, length, this.numHeads, size]);
    if (p.bias) y = add(y, p.bias);
    return transpose(y, [0, 2, 1, 3]);
  }

  /** The mask as a bool tensor broadcasting against the scores `[batch, heads, Tq, Tk]`. */
  private maskFor(mask: Tensor, batch: number, tq: number, tk: number): Tensor {
    const want = [batch, tq, tk].slice(3 - mask.rank);
    const fits = (mask.rank === 2 || mask.rank === 3) && mask.shape.every((d, i) => d === want[i] || d === 1);
    if (!fits) {
      throw new ShapeError(`${this.name}: expected attentionMask of shape [${batch},${tq},${tk}] ([batch, Tq, Tk], or broadcastable to it), got ${fmtLayerShape(mask.shape)}`);
    }
    const allowed = mask.dtype === 'bool' ? mask : greater(mask, 0.5);
    return mask.rank === 3 ? expandDims(allowed, 1) : allowed;
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const [queryShape, , keyShape] = this.roleShapes(Array.isArray(inputs) ? inputs.map((t) => t.shape) : inputs.shape);
    const list = inputs as Tensor[];
    const [query, value, key = value] = list;
    const mask = args.attentionMask;
    if (mask !== undefined && !(mask instanceof Tensor)) throw new ValueError(`${this.name}: expected attentionMask to be a Tensor, got ${typeof mask}`);
    const batch = queryShape[0] as number;
    const [tq, tk] = [queryShape[1] as number, keyShape[1] as number];
    const training = args.training === true;
    const returnScores = args.returnAttentionScores === true;
    return tidy(() => {
      const allowed = mask ? this.maskFor(mask, batch, tq, tk) : undefined;
      const q = this.project(query, this.query, this.keyDim);
      const k = this.project(key, this.key, this.keyDim);
      const v = this.project(value, this.value, this.valueDim);
      // Scaling the query (not the logits) is Keras's order; it keeps the values the same in float32.
      let logits = matMul(mul(q, 1 / Math.sqrt(this.keyDim)), k, false, true);
      if (allowed) logits = where(allowed, logits, LARGE_NEGATIVE);
      const scores = softmax(logits, -1);
      const attended = training && this.dropout > 0 ? this.scoreDropout.apply(scores, { training: true }) : scores;
      const heads = transpose(matMul(attended, v), [0, 2, 1, 3]);
      let out = matMul(reshape(heads, [batch, tq, this.numHeads * this.valueDim]), reshape(this.attentionOutput.kernel, [this.numHeads * this.valueDim, this.outDim]));
      if (this.attentionOutput.bias) out = add(out, this.attentionOutput.bias);
      return returnScores ? [out, scores] : out;
    });
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[], args?: CallArgs): LayerShape | LayerShape[] {
    const [q, , k] = this.roleShapes(inputShape);
    const out: LayerShape = [q[0], q[1], this.outputShape ?? q[2]];
    return args?.returnAttentionScores === true ? [out, [q[0], this.numHeads, q[1], k[1]]] : out;
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputShape ?? null,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : null,
      biasRegularizer: this.biasRegularizer ? serializeRegularizer(this.biasRegularizer) : null,
      seed: this.seed ?? null,
    };
  }
}
registerLayer(MultiHeadAttention);
