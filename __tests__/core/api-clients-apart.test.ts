// __tests__/core/api-clients-apart.test.ts
// The API clients of two GrafxClients in one process share axios's core, never their tokens, defaults or limits.
import axios, { type AxiosAdapter, AxiosHeaders } from 'axios';
import { createGrafxClient } from 'express-grafx-auth';
import { useStandIn } from '../helpers/stand-in.js';

const standIn = useStandIn({
  clients: [
    { clientId: 'client-one', clientSecret: 'secret-one' },
    { clientId: 'client-two', clientSecret: 'secret-two' },
  ],
});

const clientOf = (clientId: string, clientSecret: string, extra: object = {}) =>
  createGrafxClient({
    integrations: {
      a: { clientId, clientSecret, environment: 'cp-a' },
      b: { clientId, clientSecret, environment: 'cp-b' },
    },
    tokenURL: standIn.tokenURL,
    apiBaseURL: standIn.apiBaseURL,
    ...extra,
  });

it("keeps two clients of one process apart: each API client sends its own client's token, under its own limits", async () => {
  const one = clientOf('client-one', 'secret-one');
  const two = clientOf('client-two', 'secret-two', { apiMaxResponseBytes: 4096 });
  const sent: unknown[] = [];
  const http = axios.getAdapter('http');
  const adapter: AxiosAdapter = (config) => {
    sent.push(AxiosHeaders.from(config.headers).get('Authorization'));
    return http(config);
  };
  // Interleaved, so that each request reads its defaults and header right after the other client's request did.
  for (const [client, key] of [
    [one, 'a'],
    [two, 'a'],
    [one, 'b'],
    [two, 'a'],
    [one, 'a'],
  ] as const) {
    expect((await client.api(key).get('/templates', { adapter })).status).toBe(200);
  }
  const [oneA, oneB, twoA] = [await one.getToken('a'), await one.getToken('b'), await two.getToken('a')];
  expect(new Set([oneA, twoA]).size).toBe(2);
  expect(sent).toEqual([oneA, twoA, oneB, twoA, oneA].map((token) => `Bearer ${token}`));
  expect(two.api('a').defaults.maxContentLength).toBe(4096);
  expect(one.api('a').defaults.maxContentLength).not.toBe(4096);
  expect(one.api('b').defaults.baseURL).toBe(standIn.apiBaseURL('cp-b'));
  expect(two.api('a').defaults.baseURL).toBe(standIn.apiBaseURL('cp-a'));
  await one.close();
  await two.close();
});
