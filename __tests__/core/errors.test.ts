// __tests__/core/errors.test.ts
// GrafxAuthError: status, code, headers, safe JSON, and instanceof across the package's CommonJS and ESM copies.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRAFX_ERROR_CODES, GrafxAuthError, isGrafxAuthError } from 'express-grafx-auth';

describe('GrafxAuthError', () => {
  it('carries status, statusCode, code, integration, retryAfter and the retry-after header', () => {
    const error = new GrafxAuthError(GRAFX_ERROR_CODES.TOKEN_RATE_LIMITED, 'slow down', {
      status: 503,
      integration: 'acme',
      retryAfter: 7,
      headers: { allow: 'GET' },
    });
    expect(error).toMatchObject({ name: 'GrafxAuthError', status: 503, statusCode: 503, integration: 'acme' });
    expect(error.headers).toEqual({ allow: 'GET', 'retry-after': '7' });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'GrafxAuthError',
      code: 'GRAFX_TOKEN_RATE_LIMITED',
      status: 503,
      message: 'slow down',
      integration: 'acme',
      retryAfter: 7,
    });
    const copy = error.copy(3);
    expect(copy).not.toBe(error);
    expect(copy.retryAfter).toBe(3);
    expect(copy.headers).toEqual({ allow: 'GET', 'retry-after': '3' });
  });

  it('every code starts with GRAFX_', () => {
    for (const code of Object.values(GRAFX_ERROR_CODES)) expect(code).toMatch(/^GRAFX_[A-Z_]+$/);
  });

  it('is recognised by instanceof and isGrafxAuthError, and nothing else is', () => {
    const error = new GrafxAuthError(GRAFX_ERROR_CODES.INTEGRATION_UNKNOWN, 'x', { status: 400 });
    expect(error instanceof GrafxAuthError).toBe(true);
    expect(error instanceof Error).toBe(true);
    expect(isGrafxAuthError(error)).toBe(true);
    for (const other of [new Error('x'), { code: 'GRAFX_X', status: 400 }, null, 'GRAFX_X']) {
      expect(other instanceof GrafxAuthError).toBe(false);
      expect(isGrafxAuthError(other)).toBe(false);
    }
  });

  it('is recognised across the CommonJS and ESM copies of the package loaded in one process', () => {
    // errors.ts compiled twice, as the build does: two copies of the class, one per module format.
    const dir = mkdtempSync(join(tmpdir(), 'grafx-errors-'));
    try {
      const tsc = require.resolve('typescript/bin/tsc');
      for (const [format, module] of [
        ['cjs', 'commonjs'],
        ['esm', 'es2022'],
      ] as const) {
        const out = join(dir, format);
        execFileSync(process.execPath, [
          tsc,
          join(__dirname, '..', '..', 'lib', 'core', 'errors.ts'),
          '--outDir',
          out,
          '--module',
          module,
          '--target',
          'es2022',
          '--moduleResolution',
          module === 'commonjs' ? 'node10' : 'bundler',
          '--skipLibCheck',
        ]);
        writeFileSync(join(out, 'package.json'), JSON.stringify({ type: format === 'cjs' ? 'commonjs' : 'module' }));
      }
      const script = `
        const cjs = require(${JSON.stringify(join(dir, 'cjs', 'errors.js'))});
        import(${JSON.stringify(join(dir, 'esm', 'errors.js'))}).then((esm) => {
          const fromEsm = new esm.GrafxAuthError('GRAFX_TOKEN_TIMEOUT', 'x', { status: 504 });
          const fromCjs = new cjs.GrafxAuthError('GRAFX_TOKEN_TIMEOUT', 'x', { status: 504 });
          console.log(JSON.stringify([esm.GrafxAuthError !== cjs.GrafxAuthError, fromEsm instanceof cjs.GrafxAuthError,
            fromCjs instanceof esm.GrafxAuthError, cjs.isGrafxAuthError(fromEsm), new Error() instanceof esm.GrafxAuthError]));
        });`;
      const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual([true, true, true, true, false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
