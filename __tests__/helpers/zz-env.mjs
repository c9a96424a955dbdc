import { TestEnvironment } from 'jest-environment-node';
export default class OidcEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    const { default: Provider } = await import('oidc-provider');
    const jose = await import('jose');
    this.global.__esm = { Provider, jose };
  }
}
