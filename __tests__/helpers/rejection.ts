// __tests__/helpers/rejection.ts
// rejection(): what a promise that must fail rejected with (the test fails when it resolves).

/** Awaits `promise` and returns its rejection reason, typed as the caller expects; throws when it resolves. */
export async function rejection<E = unknown>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the promise to reject');
}
