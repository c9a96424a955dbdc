// __tests__/helpers/oidc-provider.ts
// Typed access to the oidc-provider and jose counterparts that oidc-environment.mjs loads natively (they are ESM-only).

export interface OidcProviderHandle {
  readonly issuer: string;
  readonly tokenURL: string;
  readonly jwksURL: string;
  /** POST /token requests received so far. */
  readonly tokenRequests: number;
  readonly currentKid: string;
  setLifetime(seconds: number): void;
  rotateKeys(): Promise<void>;
  close(): Promise<void>;
}

export interface JwtApiHandle {
  readonly baseURL: string;
  readonly ok: number;
  readonly rejected: number;
  /** The `kid` of every token it accepted. */
  readonly kids: string[];
  /** Why it refused each token it refused (jose's error codes). */
  readonly rejections: string[];
  reloadKeys(): void;
  close(): Promise<void>;
}

/** A client registration, as oidc-provider takes it. */
export interface OidcClient {
  client_id: string;
  client_secret: string;
  grant_types: string[];
  response_types: string[];
  redirect_uris: string[];
  token_endpoint_auth_method: 'client_secret_post' | 'client_secret_basic';
  scope?: string;
}

interface OidcCounterparts {
  startProvider(options: {
    clients: OidcClient[];
    resources: Record<string, string>;
    lifetime?: number;
  }): Promise<OidcProviderHandle>;
  startJwtApi(options: { issuer: string; jwksURL: string; audience: string }): Promise<JwtApiHandle>;
}

/** The counterparts; only in a test file run with `@jest-environment ./__tests__/helpers/oidc-environment.mjs`. */
export function oidcCounterparts(): OidcCounterparts {
  const found = (globalThis as { oidcCounterparts?: OidcCounterparts }).oidcCounterparts;
  if (found === undefined) {
    throw new Error(
      'oidcCounterparts(): run the test file with @jest-environment ./__tests__/helpers/oidc-environment.mjs',
    );
  }
  return found;
}
