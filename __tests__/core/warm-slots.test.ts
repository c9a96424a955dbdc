// __tests__/core/warm-slots.test.ts
// A warm look-up serves the token of the key asked for, whatever happened to the slot it reads: reused, cooled, rotated.
import { type GrafxClient, type GrafxContext, type IntegrationConfig, createGrafxClient } from 'express-grafx-auth';
import { useStandIn } from '../helpers/stand-in.js';

const SECRET = 'warm-slot-secret';
const KEYS = ['a', 'b', 'c', 'd'];
const standIn = useStandIn({
  clients: [...KEYS, 'a-rotated'].map((key) => ({ clientId: `client-${key}`, clientSecret: SECRET })),
});

/** The client the stand-in issued `token` to, asked of its API with the token itself (the ground truth). */
async function issuedTo(token: string): Promise<string | undefined> {
  const answer = await fetch(`${standIn.apiBaseURL('env-check')}/templates`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await answer.arrayBuffer();
  return standIn.apiRequests.at(-1)?.clientId;
}

/** Waits (up to about 20 s on a busy machine) until `done()`; then asserts it. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done()).toBe(true);
}

/** A client of the keys, loaded on demand (a loader) or configured (static), holding at most `max`. */
function setup(max: number, kind: 'loaded' | 'static' = 'loaded') {
  let now = Date.now();
  const clientIds = new Map<string, string>();
  const loader = (key: string): IntegrationConfig => ({
    clientId: clientIds.get(key) ?? `client-${key}`,
    clientSecret: SECRET,
    environment: `env-${key}`,
  });
  const client = createGrafxClient({
    integrations: kind === 'loaded' ? loader : Object.fromEntries(KEYS.map((key) => [key, loader(key)])),
    tokenURL: standIn.tokenURL,
    apiBaseURL: standIn.apiBaseURL,
    cache: { max },
    ...(kind === 'loaded' ? { loading: { reloadAfterMs: 60_000 } } : {}),
    clock: () => now,
  });
  return { client, clientIds, advance: (ms: number) => (now += ms) };
}

/**
 * Each key's context is its own: its key, environment, and a token the stand-in issued to its client; `getToken`
 * agrees. Held keys answer at once (warm); `thenHeld` keys may have to be made or loaded first.
 */
async function expectServesOwn(
  client: GrafxClient,
  keys: readonly string[],
  clientOf = (key: string) => `client-${key}`,
  thenHeld: readonly string[] = [],
) {
  for (const key of [...keys, ...thenHeld]) {
    const found = client.context(key);
    if (keys.includes(key)) expect(found).not.toBeInstanceOf(Promise);
    const context = await found;
    expect(context.integration).toBe(key);
    expect(context.environment).toBe(`env-${key}`);
    expect(await client.getToken(key)).toBe(context.token);
    expect(await issuedTo(context.token)).toBe(clientOf(key));
  }
}

describe('a warm look-up, after what changes the slot it reads', () => {
  it.each([
    [
      'a tenant evicted: the tenant that evicted it takes its slot',
      2,
      async (client: GrafxClient) => {
        await client.context('a');
        await client.context('b');
        await client.context('c'); // evicts a
        return ['b', 'c'];
      },
    ],
    [
      'a tenant forgotten: the next tenant loaded takes its slot',
      4,
      async (client: GrafxClient) => {
        for (const key of ['a', 'b', 'c']) await client.context(key);
        client.forget('b');
        await client.context('d');
        return ['a', 'c', 'd'];
      },
    ],
    [
      'every tenant evicted and loaded again, in another order',
      2,
      async (client: GrafxClient) => {
        for (const key of ['a', 'b', 'c', 'd', 'b', 'a']) await client.context(key);
        return ['b', 'a'];
      },
    ],
    [
      'the tokens cleared',
      4,
      async (client: GrafxClient) => {
        for (const key of ['a', 'b', 'c']) await client.context(key);
        client.clearTokens();
        for (const key of ['c', 'a', 'b']) expect(client.context(key)).toBeInstanceOf(Promise);
        for (const key of ['c', 'a', 'b']) await client.context(key);
        return ['a', 'b', 'c'];
      },
    ],
  ])('%s', async (_name, max, change) => {
    const { client } = setup(max);
    const held = await change(client);
    await expectServesOwn(client, held);
    expect(client.health().tenants.held).toBe(held.length);
    await client.close();
  });

  // A configured integration is made at once when asked for: it takes the slot of the tenant it evicts then and there,
  // and answers from it only once its own token is there.
  it.each([
    ['each key asked for once, in turn', ['a', 'b', 'c', 'd'], ['c', 'd']],
    ['evicted keys asked for again', ['a', 'b', 'c', 'a', 'b', 'd', 'a'], ['d', 'a']],
    ['a key asked for again and again between the others', ['a', 'b', 'a', 'c', 'a', 'd', 'b'], ['d', 'b']],
  ])('configured integrations, max 2: %s', async (_name, uses, held) => {
    const { client } = setup(2, 'static');
    for (const key of uses) await expectServesOwn(client, [], undefined, [key]);
    await expectServesOwn(client, held);
    await client.close();
  });

  it('serves the token renewed after a 401, not the refused one', async () => {
    const { client } = setup(4);
    for (const key of ['a', 'b']) await client.context(key);
    const refused = (client.context('a') as GrafxContext).token;
    standIn.revokeTokens();
    expect((await (client.context('a') as GrafxContext).api.get('/templates')).status).toBe(200);
    expect((client.context('a') as GrafxContext).token).not.toBe(refused);
    await expectServesOwn(client, ['a']);
    await client.close();
  });

  it('serves the held token past its renewal time until the renewed one is there, then that one', async () => {
    const { client, advance } = setup(4);
    for (const key of ['a', 'b']) await client.context(key);
    const first = (client.context('a') as GrafxContext).token;
    advance(36_000_000 - 200_000); // past the renewal time (both tenants), before the end of the usable life
    standIn.revokeTokens(); // (the login server would hand the same token back while it is valid)
    expect((client.context('a') as GrafxContext).token).toBe(first); // a renewal starts in the background
    await until(() => (client.context('a') as GrafxContext).token !== first);
    await until(() => standIn.counts.tokenRequests === 3);
    await expectServesOwn(client, ['a']);
    await client.close();
  });

  it('serves the token of the new credentials once a reload rotated them, the held one until then', async () => {
    const { client, clientIds, advance } = setup(4);
    for (const key of ['a', 'b']) await client.context(key);
    const first = (client.context('a') as GrafxContext).token;
    clientIds.set('a', 'client-a-rotated');
    advance(60_000); // the reload time: the loader is asked again in the background
    expect((client.context('a') as GrafxContext).token).toBe(first);
    await until(() => (client.context('a') as GrafxContext).token !== first);
    await expectServesOwn(client, ['a'], () => 'client-a-rotated');
    await expectServesOwn(client, ['b']);
    await client.close();
  });
});
