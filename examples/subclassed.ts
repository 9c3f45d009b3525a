/**
 * A PyTorch-style model: `class TwoLayerNet extends Model`, its layers
 * created in the constructor and kept as properties, `call(x)` written by
 * hand. It trains with the same `compile` / `fit` as `sequential()` and
 * functional models, here on the seeds' random data (N=64, D_in=1000,
 * H=100, D_out=10).
 *
 *   npx tsx examples/subclassed.ts [--epochs 100] [--seed 0]
 */
import { parseArgs } from 'node:util';
import { Model, layers, optimizers, randomNormal, setSeed, type CallArgs, type Dense, type Tensor } from '../src/index.js';

class TwoLayerNet extends Model {
  // Layers held in properties are tracked (as Keras tracks attributes): their weights are the model's weights.
  readonly hidden: Dense;
  readonly out: Dense;

  constructor(hiddenUnits: number, outputs: number) {
    super({ name: 'two_layer_net' });
    this.hidden = layers.dense({ units: hiddenUnits, activation: 'relu' });
    this.out = layers.dense({ units: outputs });
  }

  // `args.training` is true inside fit and false in predict/evaluate; pass it on for layers that care (dropout, batch norm).
  call(x: Tensor, args: CallArgs = {}): Tensor {
    const h = this.hidden.apply(x, args);
    return this.out.apply(h, args);
  }
}

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '100' },
    seed: { type: 'string', default: '0' },
  },
});
const epochs = Number(values.epochs);
if (!Number.isInteger(epochs) || epochs <= 0) throw new Error(`--epochs: expected a positive integer, got ${values.epochs}`);
setSeed(Number(values.seed));

const [N, D_in, H, D_out] = [64, 1000, 100, 10];
const x = randomNormal([N, D_in]);
const y = randomNormal([N, D_out]);

const net = new TwoLayerNet(H, D_out);
const optimizer = optimizers.sgd({ learningRate: 0.005 });
net.compile({ optimizer, loss: 'mse' });

// The weights do not exist until the first call: shapes come from the data, as in PyTorch's lazy modules.
console.log(`before fit: built=${net.built}, ${net.weights.length} weights`);
const start = performance.now();
const history = await net.fit(x, y, {
  epochs,
  batchSize: 16,
  verbose: 0,
  callbacks: {
    onEpochEnd: (epoch, logs) => {
      if (epoch % 20 === 0 || epoch === epochs - 1) console.log(`epoch ${String(epoch + 1).padStart(3)}  loss ${(logs?.loss ?? Number.NaN).toFixed(6)}`);
    },
  },
});
const seconds = (performance.now() - start) / 1000;
console.log(`after fit:  built=${net.built}, weights ${net.weights.map((w) => `${w.name} [${w.shape.join(',')}]`).join(', ')}`);
net.summary();

const losses = history.history.loss;
const { loss } = await net.evaluate(x, y, { batchSize: N });
console.log(`loss ${losses[0].toFixed(4)} -> ${losses[losses.length - 1].toFixed(6)} over ${epochs} epochs of 4 batches (${seconds.toFixed(1)} s); evaluate: ${loss.toFixed(6)}`);

net.dispose();
optimizer.dispose();
x.dispose();
y.dispose();
if (epochs >= 20 && !(losses[losses.length - 1] < losses[0] / 10)) {
  console.error('the loss did not fall: something is wrong');
  process.exit(1);
}
