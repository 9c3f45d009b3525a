/**
 * Embedding: maps integer ids to rows of a trainable table.
 *
 * @module
 */
import { z } from 'zod';
import { DTypeError, ShapeError, ValueError, cast, gather, type Tensor, type Variable } from '../../engine/index.js';
import type { ConfigDict, ConfigValue } from '../config.js';
import { Layer, baseLayerOptions, fmtLayerShape, parseLayerOptions, registerLayer, type BaseLayerArgs, type LayerShape } from '../layer.js';
import { getInitializer, initializerOption, serializeInitializer, type Initializer } from '../initializers.js';
import { getRegularizer, regularizerOption, serializeRegularizer, type Regularizer } from '../regularizers.js';

const embeddingSchema = z.strictObject({
  ...baseLayerOptions,
  inputDim: z.number().int().positive(),
  outputDim: z.number().int().positive(),
  embeddingsInitializer: initializerOption.optional(),
  embeddingsRegularizer: regularizerOption.nullable().optional(),
  maskZero: z.boolean().optional(),
  inputLength: z.union([z.number().int().positive(), z.array(z.number().int().positive().nullable()).min(1)]).nullable().optional(),
});

/**
 * Options of {@link Embedding} (Keras / TensorFlow.js names): `inputDim`
 * (the vocabulary size: ids are in `[0, inputDim)`), `outputDim` (the
 * vector size), `embeddingsInitializer` (default `'randomUniform'`, uniform
 * in ±0.05 as in Keras), `embeddingsRegularizer`, `maskZero` (kept in the
 * config; masks are not propagated) and TensorFlow.js's `inputLength` (the
 * sequence length(s), used for symbolic output shapes).
 *
 * @example
 * ```ts
 * const opts: EmbeddingArgs = { inputDim: 10000, outputDim: 64, embeddingsInitializer: 'randomNormal' };
 * ```
 */
export type EmbeddingArgs = z.input<typeof embeddingSchema> & BaseLayerArgs;

/**
 * Turns integer ids into dense vectors: each id `i` becomes row `i` of the
 * `[inputDim, outputDim]` table `embeddings`, so ids of shape `[batch, ...]`
 * give an output of shape `[batch, ..., outputDim]`. Ids may be int32 or
 * floats holding integers; an id outside `[0, inputDim)` is an error.
 *
 * @example
 * ```ts
 * const emb = layers.embedding({ inputDim: 1000, outputDim: 8 });
 * emb.apply(tensor([[4, 20, 7]], [1, 3], 'int32')).shape; // [1, 3, 8]
 * emb.embeddings.name;                                    // 'embedding_1/embeddings'
 * ```
 */
export class Embedding extends Layer {
  static override readonly className: string = 'Embedding';
  /** The vocabulary size. */
  readonly inputDim: number;
  /** The size of each vector. */
  readonly outputDim: number;
  /** Whether id 0 stands for padding (kept for configs; no mask is propagated). */
  readonly maskZero: boolean;
  /** The sequence length(s) for symbolic shapes, if given. */
  readonly inputLength: number | readonly (number | null)[] | undefined;
  private readonly embeddingsInitializer: Initializer;
  private readonly embeddingsRegularizer: Regularizer | undefined;
  /** The `[inputDim, outputDim]` table, created by `build`. */
  embeddings!: Variable;

  /** @param args Options; see {@link EmbeddingArgs}. */
  constructor(args: EmbeddingArgs) {
    const o = parseLayerOptions(embeddingSchema, args, 'Embedding');
    const { inputDim, outputDim, embeddingsInitializer, embeddingsRegularizer, maskZero, inputLength, ...base } = o;
    super(base);
    this.autoCast = false;
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.maskZero = maskZero ?? false;
    this.inputLength = inputLength ?? undefined;
    this.embeddingsInitializer = getInitializer(embeddingsInitializer ?? 'randomUniform', `${this.name}: embeddingsInitializer`);
    this.embeddingsRegularizer = getRegularizer(embeddingsRegularizer ?? null, `${this.name}: embeddingsRegularizer`);
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    void inputShape;
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], {
      initializer: this.embeddingsInitializer,
      regularizer: this.embeddingsRegularizer,
    });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    if (x.dtype === 'bool') throw new DTypeError(`${this.name}: expected integer ids (int32, or floats holding integers), got dtype bool`);
    // Reading ids costs nothing on the CPU, so check them there for an error that names the layer; other devices rely on gather's own check.
    if (x.device === 'cpu') this.checkIds(x);
    const ids = x.dtype === 'int32' ? x : cast(x, 'int32');
    try {
      return gather(this.embeddings, ids);
    } finally {
      if (ids !== x) ids.dispose();
    }
  }

  private checkIds(x: Tensor): void {
    const data = x.dataSync();
    for (let i = 0; i < data.length; i++) {
      const id = Number(data[i]);
      if (!Number.isInteger(id)) {
        throw new ValueError(`${this.name}: expected integer ids, got ${id} at flat position ${i} of the input (shape ${fmtLayerShape(x.shape)})`);
      }
      if (id < 0 || id >= this.inputDim) {
        throw new ValueError(
          `${this.name}: id ${id} at flat position ${i} of the input (shape ${fmtLayerShape(x.shape)}) is out of range; expected ids in [0, ${this.inputDim}) (inputDim ${this.inputDim})`,
        );
      }
    }
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = inputShape as LayerShape;
    if (this.inputLength === undefined) return [...shape, this.outputDim];
    const lengths = typeof this.inputLength === 'number' ? [this.inputLength] : this.inputLength;
    if (lengths.length !== shape.length - 1) {
      throw new ShapeError(`${this.name}: inputLength is ${fmtLayerShape(lengths)}, but the input has shape ${fmtLayerShape(shape)}`);
    }
    const resolved = lengths.map((len, k) => {
      const given = shape[k + 1];
      if (len !== null && given !== null && len !== given) {
        throw new ShapeError(`${this.name}: inputLength is ${fmtLayerShape(lengths)}, but the input has shape ${fmtLayerShape(shape)}`);
      }
      return len ?? given;
    });
    return [shape[0], ...resolved, this.outputDim];
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(this.embeddingsInitializer),
      embeddingsRegularizer: this.embeddingsRegularizer ? serializeRegularizer(this.embeddingsRegularizer) : null,
      maskZero: this.maskZero,
      inputLength: this.inputLength === undefined ? null : typeof this.inputLength === 'number' ? this.inputLength : ([...this.inputLength] as ConfigValue[]),
    };
  }
}
registerLayer(Embedding);
