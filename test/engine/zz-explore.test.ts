import { it } from 'vitest';
import * as lm from '../../src/index.js';
it('explore', () => {
  const log = (...a: unknown[]) => console.log(...a);
  { using t = lm.ones([2]); log('using ok', t.isDisposed); }
  log(String(lm.tensor([[1, 2], [3, 4]])));
  log(String(lm.tensor([[1.5, -2], [3, 4e10]])));
  log(String(lm.range(0, 2000).reshape([2, 1000])));
  log(String(lm.tensor([true, false])));
  log(String(lm.scalar(3)));
  log(lm.round(lm.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5])).dataSync());
  try { lm.add(lm.tensor([true]), lm.tensor([1], [1], 'int32')); } catch (e) { log(String(e)); }
  log(lm.memory());
});
