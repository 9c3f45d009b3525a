/**
 * What SimpleRNN, LSTM and GRU share: their options, input and initial-state
 * checks, output shapes, configs, dropout masks, and the time loop. The
 * loop runs as a sequence of engine ops (the input projection for every
 * timestep first, in one matMul, then one cell step per timestep), so
 * autograd differentiates through time with no recurrent-specific code.
 *
 * @module
 */
import { z } from 'zod';
import {
  ShapeError,
  ValueError,
  add,
  clone,
  concat,
  dropout,
  expandDims,
  matMul,
  mul,
  ones,
  reshape,
  split,
  stack,
  tidy,
  unstack,
  zeros,
  type Tensor,
  type Variable,
} from '../../engine/index.js';
import type { ConfigDict } from '../config.js';
import { Layer, baseLayerOptions, fmtLayerShape, type CallArgs, type LayerShape } from '../layer.js';
import { activationOption, getActivation, serializeActivation, type Activation } from '../activations.js';
import { getInitializer, initializerOption, serializeInitializer, type Initializer } from '../initializers.js';
import { getRegularizer, regularizerOption, serializeRegularizer, type Regularizer } from '../regularizers.js';

const rate = z.number().min(0).lt(1);

/**
 * The zod shape of the options every recurrent layer accepts (Keras 3
 * names, camelCase); each layer spreads it into its own strict schema.
 *
 * @internal
 */
export const recurrentOptions = {
  ...baseLayerOptions,
  units: z.number().int().positive(),
  activation: activationOption.optional(),
  useBias: z.boolean().optional(),
  kernelInitializer: initializerOption.optional(),
  recurrentInitializer: initializerOption.optional(),
  biasInitializer: initializerOption.optional(),
  kernelRegularizer: regularizerOption.nullable().optional(),
  recurrentRegularizer: regularizerOption.nullable().optional(),
  biasRegularizer: regularizerOption.nullable().optional(),
  dropout: rate.optional(),
  recurrentDropout: rate.optional(),
  seed: z.number().int().min(0).nullable().optional(),
  returnSequences: z.boolean().optional(),
  returnState: z.boolean().optional(),
  goBackwards: z.boolean().optional(),
  stateful: z
    .boolean()
    .refine((v) => !v, {
      message: 'stateful RNNs are not supported (expected false); pass the final states back as initial states instead: layer.applyMany([x, ...states])',
    })
    .optional(),
  unroll: z.boolean().optional(),
};

const recurrentSchema = z.strictObject(recurrentOptions);

/** The validated common options, as the base constructor receives them. @internal */
export type RecurrentOptions = z.output<typeof recurrentSchema>;

/**
 * One timestep of a cell: the input projection of this step (`x·kernel +
 * input bias`, `[batch, gates·units]`) and the previous states; returns the
 * new states, the first of which is the step's output.
 *
 * @example
 * ```ts
 * // A SimpleRNN step: h' = tanh(projected + h·recurrentKernel)
 * const step: CellStep = (projected, [h]) => [tanh(add(projected, matMul(h, recurrentKernel)))];
 * ```
 */
export type CellStep = (projected: Tensor, states: readonly Tensor[]) => Tensor[];

/** Mixes a layer's seed with its draw counter so each call gets fresh masks, reproducibly, as Keras' SeedGenerator does. */
function mixSeed(seed: number, draw: number): number {
  let lo = (seed >>> 0) ^ Math.imul(draw + 1, 0x9e3779b9);
  lo = Math.imul(lo ^ (lo >>> 16), 0x7feb352d);
  lo = Math.imul(lo ^ (lo >>> 15), 0x846ca68b);
  lo ^= lo >>> 16;
  const hi = (Math.floor(seed / 2 ** 32) ^ Math.imul(draw + 1, 0x85ebca6b)) & 0x1fffff;
  return hi * 2 ** 32 + (lo >>> 0);
}

/**
 * Base class of the recurrent layers (`SimpleRNN`, `LSTM`,
 * `GRU`): inputs `[batch, timesteps, features]`, optional initial
 * states as extra inputs (`apply([x, h0])`, `applyMany([x, h0, c0])`), the
 * last output `[batch, units]` or every output `[batch, timesteps, units]`
 * (`returnSequences`), and with `returnState` the list `[output, ...states]`
 * (use `applyMany`). Weights are `kernel` `[features, gates·units]`,
 * `recurrent_kernel` `[units, gates·units]` and `bias`, as Keras 3 names
 * them. Subclasses give the cell step.
 *
 * `unroll` is accepted for Keras compatibility and has no effect: the engine
 * is eager, so the time loop always runs as a sequence of engine ops (in
 * effect unrolled); there is no symbolic loop to choose instead.
 * `stateful: true` is rejected: pass the returned states back as initial
 * states instead.
 *
 * @example
 * ```ts
 * const lstm = layers.lstm({ units: 8, returnSequences: true });
 * lstm instanceof RecurrentLayer;              // true
 * lstm.apply(ones([4, 10, 3])).shape;          // [4, 10, 8]
 * ```
 */
export abstract class RecurrentLayer extends Layer {
  /** Size of the output and of each state. */
  readonly units: number;
  /** Applied to the candidate state (and, for LSTM, to the cell state on output). */
  readonly activation: Activation;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  /** Fraction of the input units dropped in training (one mask per call, shared by all timesteps). */
  readonly dropout: number;
  /** Fraction of the recurrent-state units dropped in training (one mask per call). */
  readonly recurrentDropout: number;
  /** Seed of the dropout masks (a new, reproducible mask each call), or undefined for the global generator. */
  readonly seed: number | undefined;
  /** Whether every timestep's output is returned, not only the last. */
  readonly returnSequences: boolean;
  /** Whether the final states are returned after the output. */
  readonly returnState: boolean;
  /** Whether the sequence is processed last timestep first (outputs come in processed order). */
  readonly goBackwards: boolean;
  /** Accepted and ignored (see the class documentation). */
  readonly unroll: boolean;
  /** `[features, gates·units]`, created by `build`. */
  kernel!: Variable;
  /** `[units, gates·units]`, created by `build`. */
  recurrentKernel!: Variable;
  /** The bias, when `useBias`. */
  bias: Variable | undefined;
  /** Initializer of `kernel`. */
  protected readonly kernelInitializer: Initializer;
  /** Initializer of `recurrent_kernel`. */
  protected readonly recurrentInitializer: Initializer;
  /** Initializer of `bias`. */
  protected readonly biasInitializer: Initializer;
  /** Penalty on `kernel`. */
  protected readonly kernelRegularizer: Regularizer | undefined;
  /** Penalty on `recurrent_kernel`. */
  protected readonly recurrentRegularizer: Regularizer | undefined;
  /** Penalty on `bias`. */
  protected readonly biasRegularizer: Regularizer | undefined;
  /** Number of gates: the kernels have `gates·units` columns. */
  protected readonly gates: number;
  /** Names of the states (`['h']` or `['h', 'c']`), for messages. */
  protected readonly stateNames: readonly string[];
  private inputSize: number | undefined;
  private maskDraws = 0;

  /**
   * @param o The validated options.
   * @param cell The number of gates and the names of the states.
   */
  constructor(o: RecurrentOptions, cell: { gates: number; stateNames: readonly string[] }) {
    super(o);
    this.units = o.units;
    this.activation = getActivation(o.activation === undefined ? 'tanh' : o.activation, this.name);
    this.useBias = o.useBias ?? true;
    this.dropout = o.dropout ?? 0;
    this.recurrentDropout = o.recurrentDropout ?? 0;
    this.seed = o.seed ?? undefined;
    this.returnSequences = o.returnSequences ?? false;
    this.returnState = o.returnState ?? false;
    this.goBackwards = o.goBackwards ?? false;
    this.unroll = o.unroll ?? false;
    this.kernelInitializer = getInitializer(o.kernelInitializer ?? 'glorotUniform', `${this.name}: kernelInitializer`);
    this.recurrentInitializer = getInitializer(o.recurrentInitializer ?? 'orthogonal', `${this.name}: recurrentInitializer`);
    this.biasInitializer = getInitializer(o.biasInitializer ?? 'zeros', `${this.name}: biasInitializer`);
    this.kernelRegularizer = getRegularizer(o.kernelRegularizer ?? null, `${this.name}: kernelRegularizer`);
    this.recurrentRegularizer = getRegularizer(o.recurrentRegularizer ?? null, `${this.name}: recurrentRegularizer`);
    this.biasRegularizer = getRegularizer(o.biasRegularizer ?? null, `${this.name}: biasRegularizer`);
    this.gates = cell.gates;
    this.stateNames = cell.stateNames;
  }

  /** The shape of `bias`. Default `[gates·units]`. */
  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  /** How `bias` is filled. Default: the `biasInitializer`. */
  protected biasFill(): Initializer {
    return this.biasInitializer;
  }

  /** The bias added to the input projection, `[gates·units]` (called inside the call's scope). */
  protected inputBias(): Tensor | undefined {
    return this.bias;
  }

  /**
   * The cell's step function for one call; `recurrentMasks` are the
   * recurrent dropout masks (`[batch, units]`, one shared by all gates or one
   * per gate), absent outside training. Per-call work (kernel slices) goes
   * here, outside the time loop.
   */
  protected abstract makeStep(recurrentMasks: readonly Tensor[] | undefined): CellStep;

  override build(inputShape: LayerShape | LayerShape[]): void {
    const shapes = isShapeList(inputShape) ? inputShape : [inputShape];
    this.checkShapes(shapes);
    const features = shapes[0][2] as number;
    const width = this.gates * this.units;
    this.kernel = this.addWeight('kernel', [features, width], { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, width], {
      initializer: this.recurrentInitializer,
      regularizer: this.recurrentRegularizer,
    });
    if (this.useBias) this.bias = this.addWeight('bias', this.biasShape(), { initializer: this.biasFill(), regularizer: this.biasRegularizer });
    this.inputSize = features;
  }

  /** The recurrent layers check their inputs and initial states themselves, with messages that say which is which. */
  protected override checkInputSpec(shapes: LayerShape[]): void {
    this.checkShapes(shapes);
  }

  private checkShapes(shapes: readonly LayerShape[]): void {
    const [x, ...states] = shapes;
    const layout = '([batch, timesteps, features])';
    if (x.length !== 3) throw new ShapeError(`${this.name}: expected input of rank 3 ${layout}, got shape ${fmtLayerShape(x)}`);
    const [batch, steps, features] = x;
    if (features === null) throw new ShapeError(`${this.name}: expected input with a known features axis ${layout}, got shape ${fmtLayerShape(x)}`);
    if (this.inputSize !== undefined && features !== this.inputSize) {
      throw new ShapeError(`${this.name}: expected input of shape ${fmtLayerShape([batch, steps, this.inputSize])} ${layout}, got shape ${fmtLayerShape(x)}`);
    }
    if (steps === 0) throw new ShapeError(`${this.name}: expected at least one timestep, got input of shape ${fmtLayerShape(x)}`);
    const names = this.stateNames.map((s) => `${s}0`);
    if (states.length !== 0 && states.length !== names.length) {
      throw new ValueError(
        `${this.name}: expected the input alone or [input, ${names.join(', ')}] (${names.length} initial state${names.length > 1 ? 's' : ''} of shape [batch, ${this.units}]), got ${states.length} tensor${states.length > 1 ? 's' : ''} after the input`,
      );
    }
    states.forEach((s, i) => {
      const okBatch = s[0] === null || batch === null || s[0] === batch;
      if (s.length !== 2 || s[1] !== this.units || !okBatch) {
        throw new ShapeError(`${this.name}: expected initial state ${names[i]} of shape ${fmtLayerShape([batch, this.units])} ([batch, units]), got ${fmtLayerShape(s)}`);
      }
    });
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    this.checkShapes(list.map((t) => t.shape));
    const [x, ...initial] = list;
    const training = args.training === true;
    const [batch, , features] = x.shape;
    // Keras switches LSTM and GRU cells to per-gate kernels (and one dropout mask per gate) whenever recurrentDropout > 0.
    const maskCount = this.recurrentDropout > 0 ? this.gates : 1;
    return tidy(() => {
      const inputMasks = training && this.dropout > 0 ? this.drawMasks([batch, features], this.dropout, maskCount) : undefined;
      const recurrentMasks = training && this.recurrentDropout > 0 ? this.drawMasks([batch, this.units], this.recurrentDropout, maskCount) : undefined;
      const steps = unstack(this.projectInputs(x, inputMasks), 1);
      if (this.goBackwards) steps.reverse();
      const step = this.makeStep(recurrentMasks);
      let states: Tensor[] = initial.length > 0 ? initial : this.stateNames.map(() => zeros([batch, this.units], this.dtype));
      const outputs: Tensor[] = [];
      for (const projected of steps) {
        states = step(projected, states);
        outputs.push(states[0]);
      }
      const output = this.returnSequences ? stack(outputs, 1) : outputs[outputs.length - 1];
      if (!this.returnState) return output;
      // Distinct tensors, so callers may dispose each output they get.
      return [output, ...states.map((s) => (s === output ? clone(s) : s))];
    });
  }

  /** `x·kernel + input bias` for every timestep at once: `[batch, timesteps, gates·units]`. */
  private projectInputs(x: Tensor, masks: readonly Tensor[] | undefined): Tensor {
    const [batch, steps, features] = x.shape;
    const flat = (mask: Tensor | undefined): Tensor => reshape(mask ? mul(x, expandDims(mask, 1)) : x, [batch * steps, features]);
    let projected: Tensor;
    if (masks && masks.length > 1) {
      const kernels = split(this.kernel, masks.length, 1);
      projected = concat(masks.map((m, g) => matMul(flat(m), kernels[g])), 1);
    } else {
      projected = matMul(flat(masks?.[0]), this.kernel);
    }
    const bias = this.inputBias();
    if (bias) projected = add(projected, bias);
    return reshape(projected, [batch, steps, this.gates * this.units]);
  }

  private drawMasks(shape: number[], dropRate: number, count: number): Tensor[] {
    return Array.from({ length: count }, () => dropout(ones(shape, this.dtype), dropRate, undefined, this.seed === undefined ? undefined : mixSeed(this.seed, this.maskDraws++)));
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape | LayerShape[] {
    const [batch, steps] = isShapeList(inputShape) ? inputShape[0] : inputShape;
    const output: LayerShape = this.returnSequences ? [batch, steps, this.units] : [batch, this.units];
    return this.returnState ? [output, ...this.stateNames.map((): LayerShape => [batch, this.units])] : output;
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: serializeActivation(this.activation, this.name),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      recurrentInitializer: serializeInitializer(this.recurrentInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : null,
      recurrentRegularizer: this.recurrentRegularizer ? serializeRegularizer(this.recurrentRegularizer) : null,
      biasRegularizer: this.biasRegularizer ? serializeRegularizer(this.biasRegularizer) : null,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed ?? null,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: false,
      unroll: this.unroll,
    };
  }
}

function isShapeList(s: LayerShape | LayerShape[]): s is LayerShape[] {
  return s.length > 0 && Array.isArray(s[0]);
}
