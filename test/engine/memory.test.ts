/**
 * Memory: tidy / keep / dispose / `using`, async scopes (including two
 * interleaved ones), scopes inside gradient functions, per-device
 * accounting, shared storage, the finalizer, and a training loop that must
 * not leak.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { signedValues } from '../helpers/rng.js';
import {
  DisposedError,
  Tensor,
  add,
  dispose,
  grad,
  keep,
  matMul,
  memory,
  ones,
  relu,
  sub,
  tensor,
  tidy,
  variable,
  variableGrads,
  zeros,
} from '../../src/index.js';

const live = (): number => memory().numTensors;

describe('tidy', () => {
  it('frees intermediates and keeps the returned tensor', () => {
    const before = live();
    let intermediate: Tensor | undefined;
    const y = tidy(() => {
      intermediate = ones([3]).mul(2);
      return intermediate.add(1);
    });
    expect(live()).toBe(before + 1);
    expect(intermediate!.isDisposed).toBe(true);
    expect(y.isDisposed).toBe(false);
    expect(Array.from(y.dataSync())).toEqual([3, 3, 3]);
    y.dispose();
    expect(live()).toBe(before);
  });

  it('keeps every tensor of a returned container', () => {
    const before = live();
    const out = tidy(() => {
      const a = ones([2]);
      const b = a.mul(3);
      a.add(5); // dropped
      return { b, list: [b.add(1)], map: new Map([['m', b.neg()]]), label: 'not a tensor' };
    });
    expect(live()).toBe(before + 3);
    expect(Array.from(out.b.dataSync())).toEqual([3, 3]);
    expect(Array.from(out.list[0].dataSync())).toEqual([4, 4]);
    expect(Array.from(out.map.get('m')!.dataSync())).toEqual([-3, -3]);
    expect(out.label).toBe('not a tensor');
    dispose(out);
    expect(live()).toBe(before);
  });

  it('accepts a name first, as TensorFlow.js does', () => {
    const before = live();
    const y = tidy('named', () => ones([2]).add(ones([2])));
    expect(Array.from(y.dataSync())).toEqual([2, 2]);
    expect(live()).toBe(before + 1);
    y.dispose();
  });

  it('nested: the inner scope frees its intermediates when it ends, its result moves to the outer scope', () => {
    const before = live();
    let innerTemp: Tensor | undefined;
    let innerResult: Tensor | undefined;
    const y = tidy(() => {
      const a = ones([2]);
      innerResult = tidy(() => {
        innerTemp = a.mul(10);
        return innerTemp.add(1);
      });
      expect(innerTemp!.isDisposed).toBe(true);
      expect(innerResult.isDisposed).toBe(false);
      expect(live()).toBe(before + 2); // a and innerResult
      return innerResult.mul(2);
    });
    expect(innerResult!.isDisposed).toBe(true); // owned by the outer scope, not returned from it
    expect(Array.from(y.dataSync())).toEqual([22, 22]);
    expect(live()).toBe(before + 1);
    y.dispose();
  });

  it('keep() protects a tensor from its scope until it is disposed', () => {
    const before = live();
    let kept: Tensor | undefined;
    let dropped: Tensor | undefined;
    tidy(() => {
      kept = keep(ones([4]).mul(2));
      dropped = ones([4]);
    });
    expect(kept!.isDisposed).toBe(false);
    expect(dropped!.isDisposed).toBe(true);
    expect(Array.from(kept!.dataSync())).toEqual([2, 2, 2, 2]);
    expect(live()).toBe(before + 1);
    // Kept tensors survive nested scopes too.
    tidy(() => {
      tidy(() => kept!.add(1));
    });
    expect(kept!.isDisposed).toBe(false);
    kept!.dispose();
    expect(live()).toBe(before);
  });

  it('a sync tidy that throws frees what it created and rethrows', () => {
    const before = live();
    const outside = ones([2]);
    let created: Tensor | undefined;
    expect(() =>
      tidy(() => {
        created = outside.add(1);
        ones([100]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(created!.isDisposed).toBe(true);
    expect(outside.isDisposed).toBe(false);
    expect(live()).toBe(before + 1);
    outside.dispose();
  });

  it('an op that throws inside tidy leaves nothing behind', () => {
    const before = live();
    expect(() => tidy(() => add(ones([2, 3]), ones([4])))).toThrow(/add: shapes \[2,3\] and \[4\] do not broadcast/);
    expect(live()).toBe(before);
  });

  it('rejects a non-function', () => {
    expect(() => tidy(42 as never)).toThrow(/tidy: expected a function/);
  });

  it('does not dispose tensors created before it, even when they are used inside', () => {
    const x = ones([2]);
    const y = tidy(() => x.add(x));
    expect(x.isDisposed).toBe(false);
    expect(Array.from(y.dataSync())).toEqual([2, 2]);
    dispose([x, y]);
  });
});

describe('dispose, using', () => {
  it('dispose() frees a tensor, is idempotent, and reading it afterwards throws DisposedError naming the call', async () => {
    const before = live();
    const t = ones([3]);
    expect(live()).toBe(before + 1);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(live()).toBe(before);
    expect(() => t.dataSync()).toThrow(DisposedError);
    expect(() => t.dataSync()).toThrow(/^dataSync: tensor \d+ \(shape \[3\], float32\) was disposed/);
    await expect(t.data()).rejects.toThrow(/^data: tensor \d+ .* was disposed/);
  });

  it('dispose(container) frees tensors in arrays, objects and Maps, once each', () => {
    const before = live();
    const a = ones([2]);
    const container = { a, list: [zeros([3]), a], nested: { deep: [ones([1])] }, map: new Map([['k', ones([5])]]), n: 3, s: 'x', nothing: null };
    expect(live()).toBe(before + 4);
    dispose(container);
    expect(live()).toBe(before);
    expect(a.isDisposed).toBe(true);
    expect(container.map.get('k')!.isDisposed).toBe(true);
    dispose(container); // twice is harmless
    expect(live()).toBe(before);
  });

  it('`using` disposes at the end of the block', () => {
    const before = live();
    let escaped: Tensor | undefined;
    {
      using t = ones([8]);
      escaped = t;
      expect(t.isDisposed).toBe(false);
      expect(live()).toBe(before + 1);
      using doubled = t.mul(2);
      expect(Array.from(doubled.dataSync())).toEqual(new Array(8).fill(2));
      expect(live()).toBe(before + 2);
    }
    expect(escaped.isDisposed).toBe(true);
    expect(live()).toBe(before);
  });
});

describe('async tidy', () => {
  it('survives await and frees intermediates after the promise settles', async () => {
    const before = live();
    const created: Tensor[] = [];
    const pending = tidy(async () => {
      const a = ones([2]);
      created.push(a);
      await sleep(2);
      const b = a.mul(3);
      created.push(b);
      await sleep(2);
      expect(a.isDisposed).toBe(false);
      return b.add(1);
    });
    const result = await pending;
    expect(created.every((t) => t.isDisposed)).toBe(true);
    expect(Array.from(result.dataSync())).toEqual([4, 4]);
    expect(live()).toBe(before + 1);
    result.dispose();
  });

  it('an async tidy that rejects frees what it created', async () => {
    const before = live();
    await expect(
      tidy(async () => {
        ones([3]);
        await sleep(1);
        ones([3]).add(1);
        throw new Error('async boom');
      }),
    ).rejects.toThrow('async boom');
    expect(live()).toBe(before);
  });

  it('two interleaved async tidies each free exactly their own tensors (tfjs#8223)', async () => {
    const before = live();
    const createdA: Tensor[] = [];
    const createdB: Tensor[] = [];
    const track = (list: Tensor[], t: Tensor): Tensor => (list.push(t), t);

    // A starts first and finishes last; B runs entirely between A's awaits.
    const runA = tidy(async () => {
      const a1 = track(createdA, tensor([1, 2, 3]));
      await sleep(5);
      const a2 = track(createdA, a1.mul(10));
      await sleep(30); // B finishes during this await
      // If B's scope had taken A's tensors, they would be disposed by now.
      expect(a1.isDisposed).toBe(false);
      expect(a2.isDisposed).toBe(false);
      const a3 = track(createdA, a2.add(a1));
      await sleep(1);
      return a3.sub(1);
    });
    const runB = tidy(async () => {
      await sleep(1);
      const b1 = track(createdB, tensor([100, 200]));
      await sleep(8); // A creates a2 during this await
      const b2 = track(createdB, b1.add(1));
      await sleep(1);
      return { sum: b2.mul(2), same: b1 };
    });
    const [ra, rb] = await Promise.all([runA, runB]);

    // Each scope returned its own results intact...
    expect(Array.from(ra.dataSync())).toEqual([10, 21, 32]);
    expect(Array.from(rb.sum.dataSync())).toEqual([202, 402]);
    expect(Array.from(rb.same.dataSync())).toEqual([100, 200]);
    // ...and freed exactly its own intermediates.
    expect(createdA.map((t) => t.isDisposed)).toEqual([true, true, true]);
    expect(createdB.map((t) => t.isDisposed)).toEqual([false, true]); // b1 was returned
    expect(live()).toBe(before + 3);
    dispose([ra, rb]);
    expect(live()).toBe(before);
  });

  it('many concurrent async tidies with random interleaving leak nothing and mix nothing', async () => {
    const before = live();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, k) =>
        tidy(async () => {
          let acc = tensor([k]);
          for (let step = 0; step < 5; step++) {
            await sleep((k * 7 + step * 3) % 5);
            acc = acc.add(1);
          }
          return acc;
        }),
      ),
    );
    expect(results.map((r) => r.dataSync()[0])).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(live()).toBe(before + 8);
    dispose(results);
    expect(live()).toBe(before);
  });

  it('a sync tidy nested in an async tidy belongs to that async scope', async () => {
    const before = live();
    const result = await tidy(async () => {
      const a = ones([2]);
      await sleep(1);
      const b = tidy(() => a.add(1).mul(2));
      await sleep(1);
      return b;
    });
    expect(Array.from(result.dataSync())).toEqual([4, 4]);
    expect(live()).toBe(before + 1);
    result.dispose();
  });
});

describe('scopes and gradients', () => {
  it('tidy inside a gradient function does not free what the tape needs', () => {
    const before = live();
    const x = tensor([1, -2, 0.5]);
    const g = grad((t) =>
      tidy(() => {
        const squared = t.mul(t); // an intermediate the tape needs: d(s*s)/ds = 2s
        return squared.mul(squared).sum();
      }),
    )(x);
    // d/dx x^4 = 4x^3
    expect(Array.from(g.dataSync())).toEqual([4, -32, 0.5]);
    expect(live()).toBe(before + 2); // x and g
    dispose([x, g]);
    expect(live()).toBe(before);
  });

  it('a tape-held tensor disposed explicitly inside f is freed after the gradient', () => {
    const before = live();
    const x = tensor([3]);
    const g = grad((t) => {
      const cube = t.mul(t).mul(t);
      const y = cube.mul(2).sum();
      cube.dispose(); // deferred: the tape still needs it
      return y;
    })(x);
    expect(Array.from(g.dataSync())).toEqual([54]); // 6x^2
    expect(live()).toBe(before + 2);
    dispose([x, g]);
  });

  it('grad inside tidy leaves only the returned gradient', () => {
    const before = live();
    const x = tensor([1, 2]);
    const g = tidy(() => grad((t) => t.exp().mul(t).sum())(x));
    const e = Math.exp(1);
    const e2 = Math.exp(2);
    const values = Array.from(g.dataSync());
    expect(values[0]).toBeCloseTo(2 * e, 5);
    expect(values[1]).toBeCloseTo(3 * e2, 4);
    expect(live()).toBe(before + 2);
    dispose([x, g]);
  });
});

describe('memory()', () => {
  it('counts tensors and bytes per device and per dtype width', () => {
    const m0 = memory();
    const f32 = zeros([10]);
    const i32 = zeros([3], 'int32');
    const f64 = zeros([4], 'float64');
    const b = zeros([5], 'bool');
    const m1 = memory();
    expect(m1.numTensors - m0.numTensors).toBe(4);
    expect(m1.numBytes - m0.numBytes).toBe(10 * 4 + 3 * 4 + 4 * 8 + 5 * 1);
    expect(m1.numDataBuffers - m0.numDataBuffers).toBe(4);
    expect(m1.byDevice.cpu.numTensors - (m0.byDevice.cpu?.numTensors ?? 0)).toBe(4);
    expect(m1.byDevice.cpu.numBytes - (m0.byDevice.cpu?.numBytes ?? 0)).toBe(89);
    expect(m1.numTensors).toBe(Object.values(m1.byDevice).reduce((n, d) => n + d.numTensors, 0));
    dispose([f32, i32, f64, b]);
    const m2 = memory();
    expect(m2.numTensors).toBe(m0.numTensors);
    expect(m2.numBytes).toBe(m0.numBytes);
    expect(m2.byDevice.cpu.numDataBuffers).toBe(m0.byDevice.cpu?.numDataBuffers ?? 0);
  });

  it('reshape shares storage: one more tensor, no more buffers or bytes', () => {
    const m0 = memory();
    const x = tensor([1, 2, 3, 4, 5, 6]);
    const m1 = memory();
    const y = x.reshape([2, 3]);
    const m2 = memory();
    expect(m2.numTensors).toBe(m1.numTensors + 1);
    expect(m2.numDataBuffers).toBe(m1.numDataBuffers);
    expect(m2.numBytes).toBe(m1.numBytes);
    expect(m1.numBytes - m0.numBytes).toBe(24);
    // The storage lives while either handle does.
    x.dispose();
    expect(memory().numDataBuffers).toBe(m1.numDataBuffers);
    expect(y.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    y.dispose();
    const m3 = memory();
    expect(m3.numDataBuffers).toBe(m0.numDataBuffers);
    expect(m3.numBytes).toBe(m0.numBytes);
    expect(m3.numTensors).toBe(m0.numTensors);
  });

  it('a variable shares its initial value storage; assign swaps it and frees the old one', () => {
    const m0 = memory();
    const init = zeros([4]);
    const v = variable(init);
    const m1 = memory();
    expect(m1.numTensors - m0.numTensors).toBe(2);
    expect(m1.numDataBuffers - m0.numDataBuffers).toBe(1);
    init.dispose();
    const next = ones([4]);
    v.assign(next);
    next.dispose();
    const m2 = memory();
    expect(m2.numTensors - m0.numTensors).toBe(1);
    expect(m2.numDataBuffers - m0.numDataBuffers).toBe(1);
    expect(m2.numBytes - m0.numBytes).toBe(16);
    expect(Array.from(v.dataSync())).toEqual([1, 1, 1, 1]);
    v.dispose();
    expect(memory().numBytes).toBe(m0.numBytes);
  });
});

describe('finalizer', () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;

  async function collect(until: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !until(); i++) {
      gc();
      await sleep(5);
    }
  }

  it('reclaims tensors that were dropped without dispose() and reports them', async () => {
    // Flush garbage other tests may have left, so the counts below are exact.
    let last = -1;
    await collect(() => {
      const r = memory().reclaimedByFinalizer;
      const settled = r === last;
      last = r;
      return settled;
    });
    const before = memory();
    const N = 25;
    (function leak(): void {
      for (let i = 0; i < N; i++) ones([1000]); // 4000 bytes each, never disposed
    })();
    const leaked = memory();
    expect(leaked.numTensors).toBe(before.numTensors + N);
    expect(leaked.numBytes).toBe(before.numBytes + N * 4000);
    await collect(() => memory().reclaimedByFinalizer >= before.reclaimedByFinalizer + N);
    const after = memory();
    expect(after.reclaimedByFinalizer - before.reclaimedByFinalizer).toBe(N);
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
  });

  it('never reclaims a tensor that is still referenced', async () => {
    const held = ones([10]);
    const before = memory().reclaimedByFinalizer;
    for (let i = 0; i < 5; i++) {
      gc();
      await sleep(2);
    }
    expect(memory().reclaimedByFinalizer).toBe(before);
    expect(Array.from(held.dataSync())).toEqual(new Array(10).fill(1));
    held.dispose();
  });
});

describe('a training loop leaks nothing', () => {
  const values = signedValues;

  it('200 steps of a two-layer ReLU net end with the same tensors and bytes, and the loss falls', () => {
    const [N, D, H, DOut] = [32, 50, 20, 5];
    const x = tensor(values(N * D, 1), [N, D]);
    const y = tensor(values(N * DOut, 2), [N, DOut]);
    // variable() shares the initial tensor's storage; dispose the initial handle so the variable owns it alone.
    const weight = (shape: number[], seed: number, name: string) => {
      const init = tensor(values(shape[0] * shape[1], seed).map((v) => v * 0.3), shape);
      const w = variable(init, { name });
      init.dispose();
      return w;
    };
    const w1 = weight([D, H], 3, 'memtest/w1');
    const w2 = weight([H, DOut], 4, 'memtest/w2');
    const learningRate = 0.05;

    const start = memory();
    const losses: number[] = [];
    for (let step = 0; step < 200; step++) {
      const loss = tidy(() => {
        const { value, grads } = variableGrads(() => {
          const hidden = relu(matMul(x, w1));
          const prediction = matMul(hidden, w2);
          return sub(prediction, y).square().sum().div(N * DOut);
        });
        w1.assignSub(grads['memtest/w1'].mul(learningRate));
        w2.assignSub(grads['memtest/w2'].mul(learningRate));
        return value;
      });
      losses.push(loss.dataSync()[0]);
      loss.dispose();
    }
    const end = memory();
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBytes).toBe(start.numBytes);
    expect(end.numDataBuffers).toBe(start.numDataBuffers);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[199]).toBeLessThan(losses[0] * 0.4);
    // Full-batch gradient descent with a small step: the loss never rises by much.
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1] * 1.001);
    dispose([x, y, w1, w2]);
  });
});
