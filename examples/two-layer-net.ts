/**
 * The seeds' first network: a two-layer ReLU net fitting random data with
 * autograd and plain gradient descent (N=64, D_in=1000, H=100, D_out=10).
 * It prints the falling loss, the time per step and the live tensor count,
 * which stays flat because every step runs in a tidy scope.
 *
 *   npm run demo
 */
import { memory, randomNormal, setSeed, tidy, variable, variableGrads, type Tensor } from '../src/index.js';

setSeed(0);
const [N, D_in, H, D_out] = [64, 1000, 100, 10];
const learningRate = 1e-6;
const steps = 500;

const x = randomNormal([N, D_in]);
const y = randomNormal([N, D_out]);
const w1 = variable(randomNormal([D_in, H]), { name: 'w1' });
const w2 = variable(randomNormal([H, D_out]), { name: 'w2' });

const loss = (): Tensor => x.matMul(w1).relu().matMul(w2).sub(y).square().sum();

console.log(`two-layer ReLU net: N=${N}, D_in=${D_in}, H=${H}, D_out=${D_out}, SGD lr=${learningRate}`);
const tensorsBefore = memory().numTensors;
const start = performance.now();
let first = NaN;
let last = NaN;
for (let step = 0; step < steps; step++) {
  const value = tidy(() => {
    const { value, grads } = variableGrads(loss);
    w1.assignSub(grads.w1.mul(learningRate));
    w2.assignSub(grads.w2.mul(learningRate));
    return value;
  });
  last = value.dataSync()[0];
  value.dispose();
  if (step === 0) first = last;
  if (step % 50 === 0 || step === steps - 1) console.log(`step ${String(step).padStart(3)}  loss ${last.toExponential(4)}`);
}
const msPerStep = (performance.now() - start) / steps;
console.log(`\nloss ${first.toExponential(3)} -> ${last.toExponential(3)} in ${steps} steps, ${msPerStep.toFixed(2)} ms/step`);
console.log(`live tensors: ${tensorsBefore} before, ${memory().numTensors} after (nothing leaked: ${tensorsBefore === memory().numTensors})`);
if (!(last < first / 100)) {
  console.error('the loss did not fall: something is wrong');
  process.exit(1);
}
