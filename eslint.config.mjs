// eslint.config.mjs
// typescript-eslint strict rules for the package, its tests, examples and benchmark.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '**/*.cjs', '**/*.mjs', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  // The architecture, checked: the core knows nothing of Express, the adapter knows nothing of OAuth.
  {
    files: ['lib/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'express', message: 'lib/core/ knows nothing of Express: put this in lib/express/.' }],
          patterns: [
            {
              group: ['express/*', '@types/express', '@types/express/*'],
              message: 'lib/core/ knows nothing of Express.',
            },
            {
              group: [
                '../express',
                '../express/*',
                '../redis',
                '../redis/*',
                '../testing',
                '../testing/*',
                '../cli',
                '../cli/*',
              ],
              message: 'lib/core/ imports nothing from the adapter, the Redis store, the stand-in or the command line.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/express/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'axios', message: 'lib/express/ knows nothing of HTTP clients or OAuth: use the GrafxClient.' },
            { name: 'lru-cache', message: 'lib/express/ keeps no tokens: use the GrafxClient.' },
          ],
          patterns: [
            {
              group: ['../core/*', '!../core/index.js', '!../core/option-keys.js'],
              message: "lib/express/ uses the core only through its public surface: import from '../core/index.js'.",
            },
            {
              group: ['../redis', '../redis/*', '../testing', '../testing/*'],
              message: 'lib/express/ does not import the Redis store or the stand-in.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/redis/**/*.ts', 'lib/testing/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'express', message: 'lib/redis/ and lib/testing/ know nothing of Express.' }],
          patterns: [
            {
              group: ['../express', '../express/*'],
              message: 'lib/redis/ and lib/testing/ do not import the Express adapter.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'express', message: 'lib/cli/ knows nothing of Express.' }],
          patterns: [
            {
              group: ['../core/*', '!../core/index.js', '../testing/*', '!../testing/index.js'],
              message:
                "lib/cli/ uses the core and the stand-in only through their public entry points: '../core/index.js', '../testing/index.js'.",
            },
            {
              group: ['../express', '../express/*', '../redis', '../redis/*', 'axios', 'lru-cache'],
              message:
                'lib/cli/ goes through the GrafxClient (the core) only: no adapter, store or HTTP client of its own.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['examples/**', 'bench/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['__tests__/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
