// examples/readiness.ts
// reportReadiness(): at start-up, fetch every integration's token (client.ready) and print which are ready and what failed.
import { type GrafxClient, isGrafxAuthError } from 'express-grafx-auth';

/**
 * Calls `client.ready(key)` for every integration, together, and prints one line per integration: ready, or the
 * failure's code and message (never a secret: the package's errors hold none). Resolves with the keys that failed.
 */
export async function reportReadiness(
  client: GrafxClient,
  print: (line: string, ready: boolean) => void,
): Promise<string[]> {
  const results = await Promise.allSettled(client.integrations.map((key) => client.ready(key)));
  const failed: string[] = [];
  results.forEach((result, index) => {
    const key = client.integrations[index] ?? '';
    if (result.status === 'fulfilled') {
      const seconds = client.health().integrations[key]?.expiresInSeconds;
      print(`GraFx integration ${key}: ready (its token expires in ${seconds} s)`, true);
      return;
    }
    failed.push(key);
    const error: unknown = result.reason;
    const why = isGrafxAuthError(error) ? `${error.code}: ${error.message}` : String(error);
    print(`GraFx integration ${key}: NOT READY, ${why} (/health/grafx answers 503 until it gets a token)`, false);
  });
  return failed;
}
