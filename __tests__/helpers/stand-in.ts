// __tests__/helpers/stand-in.ts
// useStandIn(): one local platform stand-in for a test file (or describe block), reset to a clean state before each test.
import { type GrafxStandIn, type StandInOptions, startGrafxStandIn } from 'express-grafx-auth/testing';

/** The token lifetime each test starts with (ten hours, the platform's). */
export const DEFAULT_TEST_TOKEN_LIFETIME_SECONDS = 36_000;

/**
 * Starts a stand-in before the block's tests and closes it after them. Before each test it is reset: ten-hour
 * tokens, no delay, the output tasks of `options` (else the defaults), no fault, no token cached on the login
 * server, counts at zero. Returns the stand-in itself (a handle that forwards to the running one, so it can be used
 * in `describe` bodies before it starts).
 */
export function useStandIn(options?: StandInOptions): GrafxStandIn {
  let current: GrafxStandIn | undefined;
  beforeAll(async () => {
    current = await startGrafxStandIn(options);
  });
  afterAll(() => current?.close());
  beforeEach(async () => {
    const standIn = running();
    standIn.setTokenLifetime(DEFAULT_TEST_TOKEN_LIFETIME_SECONDS);
    standIn.setTokenDelay(0);
    standIn.setOutputTasks(options?.outputTasks ?? {});
    await standIn.clearFaults();
    standIn.revokeTokens();
    standIn.resetCounts();
  });
  const running = (): GrafxStandIn => {
    if (current === undefined) throw new Error('useStandIn(): the stand-in is used before its beforeAll ran');
    return current;
  };
  return new Proxy({} as GrafxStandIn, {
    get(_target, property) {
      const standIn = running();
      const value: unknown = Reflect.get(standIn, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(standIn) : value;
    },
  });
}
