/**
 * A value that follows the flow of a computation across `await`: Node's
 * `AsyncLocalStorage` where it exists (found at run time, so the engine
 * stays loadable in browsers), else a stack, which is exact for
 * synchronous code and for async code that does not interleave.
 *
 * @internal
 * @module
 */

/** @internal */
export interface AsyncContext<T> {
  /** The innermost value, or undefined outside any `run`. */
  get(): T | undefined;
  /** Runs `fn` with `value` current; for a promise, until it settles. */
  run<R>(value: T, fn: () => R): R;
}

type AlsModule = { AsyncLocalStorage: new <V>() => { getStore(): V | undefined; run<R>(store: V, fn: () => R): R } };

function nodeAsyncHooks(): AlsModule | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:async_hooks') as AlsModule | undefined;
}

/** @internal */
export function createAsyncContext<T>(): AsyncContext<T> {
  const hooks = nodeAsyncHooks();
  if (hooks?.AsyncLocalStorage) {
    const als = new hooks.AsyncLocalStorage<T>();
    return { get: () => als.getStore(), run: (value, fn) => als.run(value, fn) };
  }
  let top: T | undefined;
  return {
    get: () => top,
    run<R>(value: T, fn: () => R): R {
      const saved = top;
      top = value;
      try {
        const r = fn();
        if (r instanceof Promise) {
          return r.finally(() => {
            top = saved;
          }) as R;
        }
        top = saved;
        return r;
      } catch (e) {
        top = saved;
        throw e;
      }
    },
  };
}
