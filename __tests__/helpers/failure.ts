// __tests__/helpers/failure.ts
// failure(): the axios error a request rejects with (and a test failure if it resolves).
import type { AxiosError } from 'axios';

export async function failure(promise: Promise<unknown>): Promise<AxiosError> {
  try {
    await promise;
  } catch (error) {
    return error as AxiosError;
  }
  throw new Error('expected the request to fail');
}
