// __tests__/core/context-memo.test.ts
// context() remembers the last context it handed out: every change to the tenants or tokens is seen at once.
import { createGrafxClient } from 'express-grafx-auth';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn();

const three = (extra: object = {}) =>
  createGrafxClient({
    integrations: Object.fromEntries(
      ['a', 'b', 'c'].map((key) => [
        key,
        { clientId: standIn.clientId, clientSecret: standIn.clientSecret, environment: `cp-${key}` },
      ]),
    ),
    tokenURL: standIn.tokenURL,
    apiBaseURL: standIn.apiBaseURL,
    ...extra,
  });

describe('the context of a warm key, asked for again', () => {
  it('is fetched anew after clearTokens(), forget() and close()', async () => {
    const client = createGrafxClient(standIn.options('cp-test'));
    const first = await client.context();
    expect(client.context()).not.toBeInstanceOf(Promise);
    client.clearTokens();
    standIn.revokeTokens();
    const cleared = client.context();
    expect(cleared).toBeInstanceOf(Promise);
    const second = await cleared;
    expect(second.token).not.toBe(first.token);
    client.forget('default');
    expect(client.context()).toBeInstanceOf(Promise);
    await client.context();
    expect(standIn.counts.tokenRequests).toBe(3);
    await client.close();
    await expect(client.context()).rejects.toMatchObject({ code: 'GRAFX_CLIENT_CLOSED' });
  });

  it('carries the renewed token once a 401 renewed it', async () => {
    const client = createGrafxClient(standIn.options('cp-test'));
    const before = (await client.context()).token;
    standIn.revokeTokens();
    expect((await client.api().get('/templates')).status).toBe(200);
    const after = client.context();
    expect(after).not.toBeInstanceOf(Promise);
    expect((after as Awaited<typeof after>).token).not.toBe(before);
    expect((after as Awaited<typeof after>).token).toBe(await client.getToken());
    await client.close();
  });

  it('is the context of the key asked for, key after key', async () => {
    const client = three();
    await client.ready();
    for (const key of ['a', 'a', 'b', 'a', 'c', 'c', 'b']) {
      const context = client.context(key);
      expect(context).not.toBeInstanceOf(Promise);
      expect((context as Awaited<typeof context>).integration).toBe(key);
      expect((context as Awaited<typeof context>).environment).toBe(`cp-${key}`);
    }
    await client.close();
  });

  it('keeps the LRU order right: the key asked for again and again stays the most recent', async () => {
    const client = three({ cache: { max: 2 } });
    await client.context('b');
    for (let i = 0; i < 5; i++) await client.context('a'); // a, again and again: b is the least recent
    await client.context('c'); // evicts b, not a
    expect(client.context('a')).not.toBeInstanceOf(Promise);
    const b = client.context('b');
    expect(b).toBeInstanceOf(Promise);
    await b; // evicts c (a was asked for after c)
    expect(client.context('a')).not.toBeInstanceOf(Promise);
    const c = client.context('c');
    expect(c).toBeInstanceOf(Promise);
    await c;
    expect(standIn.counts.tokenRequests).toBe(5);
    await client.close();
  });

  it('is renewed in the background once its renewal time passes, as without the memory', async () => {
    let now = Date.now();
    const client = createGrafxClient({ ...standIn.options('cp-test'), clock: () => now });
    const first = await client.context();
    for (let i = 0; i < 3; i++) expect(client.context()).not.toBeInstanceOf(Promise);
    now += 36_000_000 - 200_000; // past the renewal time, before the end of the usable life
    standIn.revokeTokens();
    const during = client.context();
    expect(during).not.toBeInstanceOf(Promise);
    expect((during as Awaited<typeof during>).token).toBe(first.token);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(standIn.counts.tokenRequests).toBe(2);
    const renewed = client.context();
    expect(renewed).not.toBeInstanceOf(Promise);
    expect((renewed as Awaited<typeof renewed>).token).not.toBe(first.token);
    await client.close();
  });
});
