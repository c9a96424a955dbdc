// __tests__/helpers/doc-run/preload.cjs
// Loaded (--require) before a documentation sample the doc test runs: its app listens on a free loopback port and
// says which on stdout; what a sample only declares (`declare const db`) is given from the environment.
'use strict';
const express = require('express');

const listen = express.application.listen;
/** `app.listen(3000)` and the like: port 0 on 127.0.0.1 instead, the port printed once listening. */
express.application.listen = function listenOnAFreePort(...args) {
  const callback = typeof args.at(-1) === 'function' ? args.at(-1) : undefined;
  const server =
    callback === undefined ? listen.call(this, 0, '127.0.0.1') : listen.call(this, 0, '127.0.0.1', callback);
  server.once('listening', () => process.stdout.write(`DOC-RUN LISTENING ${server.address().port}\n`));
  return server;
};

// The many-tenants guide's `declare const db`: the tenants the doc test gives, by key.
if (process.env.DOC_RUN_TENANTS !== undefined) {
  const tenants = JSON.parse(process.env.DOC_RUN_TENANTS);
  globalThis.db = {
    grafxIntegration: async (tenantId) => (Object.hasOwn(tenants, tenantId) ? tenants[tenantId] : undefined),
  };
}
