// __tests__/helpers/doc-run/platform.ts
// The package as a documentation sample sees it when the doc test runs it: the platform's URLs lead to the stand-in.
import * as lib from '../../../lib/index.js';

/**
 * The stand-in the doc test started (`DOC_RUN_TOKEN_URL`, `DOC_RUN_API_BASE_URL` with `{env}` for the environment):
 * options that name no `tokenURL` / `apiBaseURL` of their own get these, as if the platform were there.
 */
function onStandIn<T>(options: T): T {
  if (typeof options !== 'object' || options === null || lib.isGrafxClient(options)) return options;
  const tokenURL = process.env.DOC_RUN_TOKEN_URL;
  const apiBase = process.env.DOC_RUN_API_BASE_URL;
  if (tokenURL === undefined || apiBase === undefined)
    throw new Error('the doc test sets DOC_RUN_TOKEN_URL and DOC_RUN_API_BASE_URL');
  return {
    tokenURL,
    apiBaseURL: (environment: string) => apiBase.replaceAll('{env}', environment),
    ...options,
  };
}

export = {
  ...lib,
  grafxAuth: (options: never, adapterOptions?: never) => lib.grafxAuth(onStandIn(options), adapterOptions),
  createGrafxClient: (options: never) => lib.createGrafxClient(onStandIn(options)),
  grafxTokenHandler: (options: never, adapterOptions?: never) =>
    lib.grafxTokenHandler(onStandIn(options), adapterOptions),
};
