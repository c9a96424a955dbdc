// jest.config.js
// ts-jest (transpile only: `tsc --noEmit` type-checks) over __tests__/, with the package's own name mapped to lib/.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleNameMapper: {
    '^express-grafx-auth$': '<rootDir>/lib/index.ts',
    '^express-grafx-auth/testing$': '<rootDir>/lib/testing/index.ts',
    '^express-grafx-auth/redis$': '<rootDir>/lib/redis/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20000,
};
