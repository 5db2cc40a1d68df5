/**
 * aws-local-stepfunctions 3 calls `Promise.withResolvers` (a Node 22 API) in every Task state. On
 * Node 20 every Task would fail with a TypeError that a `Catch: States.ALL` silently routes to the
 * failure branch. Installed once, before the first execution.
 */
export function installPromiseWithResolvers(): void {
  const promise = Promise as PromiseConstructor & { withResolvers?: unknown };
  if (typeof promise.withResolvers === 'function') return;
  promise.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const created = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise: created, resolve, reject };
  };
}
