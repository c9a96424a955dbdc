// __tests__/helpers/oidc-environment.mjs
// A jest environment that loads the ESM-only oidc-provider and jose natively (outside ts-jest) for in-process tests.
import { TestEnvironment } from 'jest-environment-node';

export default class OidcEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    // Node 20 is below oidc-provider 9's supported runtimes (it warns once on import); the tests show it works here.
    const warn = console.warn;
    console.warn = (...args) => {
      if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
    };
    try {
      this.global.oidcCounterparts = await import('./oidc-counterparts.mjs');
    } finally {
      console.warn = warn;
    }
  }
}
