// bench/shared.ts
// What the bench processes agree on: stand-in endpoints, the bench clients' credentials, the integration keys.

/** Stands for the environment name in `apiBaseURLTemplate`. */
export const ENV_PLACEHOLDER = 'BENCH-ENV';
/** The environment of the single-integration apps. */
export const BENCH_ENVIRONMENT = 'bench';

/** How an app process reaches a stand-in running in the stand-in process. */
export interface StandInEndpoints {
  tokenURL: string;
  /** `apiBaseURL(env)` of the stand-in with {@link ENV_PLACEHOLDER} for the environment. */
  apiBaseURLTemplate: string;
  /** The stand-in's default client. */
  clientId: string;
  clientSecret: string;
}

export function benchClientId(i: number): string {
  return `bench-client-${i}`;
}

export function benchClientSecret(i: number): string {
  return `bench-secret-${i}`;
}

export const TENANT_PREFIX = 'tenant-';

/** The key of the i-th integration of the multi-integration apps (also the path segment `/t/:tenant`). */
export function tenantKey(i: number): string {
  return `${TENANT_PREFIX}${i}`;
}

export function apiBaseURL(endpoints: StandInEndpoints, environment: string): string {
  return endpoints.apiBaseURLTemplate.replace(ENV_PLACEHOLDER, encodeURIComponent(environment));
}

/** Scenario 10's candidates: the package and the two floors of scenario 6 (bench/floor-tenants.ts). */
export const COLD_LOAD_CANDIDATES = ['package', 'floor', 'floor, an axios instance per tenant'] as const;
/** Scenario 10's candidate of BENCH_COLD_LOAD_BASE: another build of the package, measured in the same rounds. */
export const BASE_BUILD = 'package, base build';
export type ColdLoadCandidate = (typeof COLD_LOAD_CANDIDATES)[number] | typeof BASE_BUILD;
