// __tests__/helpers/thenable.ts
// Promises that are not native Promises (as Bluebird, an old ORM or a library's own thenable hands out), for resolvers.

/** A thenable that fulfils with `value` on a later turn, without being a Promise. */
export function thenable<T>(value: T): PromiseLike<T> {
  return {
    then(onFulfilled) {
      return new Promise((resolve) => setImmediate(() => resolve(onFulfilled ? onFulfilled(value) : value))) as never;
    },
  };
}

/** A thenable that rejects with `reason` on a later turn, without being a Promise. */
export function rejectingThenable(reason: unknown): PromiseLike<never> {
  return {
    then(_onFulfilled, onRejected) {
      return new Promise((resolve) => setImmediate(() => resolve(onRejected?.(reason)))) as never;
    },
  };
}
