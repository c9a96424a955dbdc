// __tests__/helpers/failure.ts
// rejection() / failure(): what a promise that must fail rejected with (and a test failure if it resolves).
import type { AxiosError } from 'axios';

/** Awaits `promise` and returns its rejection reason, typed as the caller expects; throws when it resolves. */
export async function rejection<E = unknown>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the promise to reject');
}

/** The axios error a request rejects with. */
export const failure = (promise: Promise<unknown>): Promise<AxiosError> => rejection<AxiosError>(promise);
