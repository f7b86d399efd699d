/**
 * Unit tests of the API's own pieces: config, helpers, and the run core (lifecycle, submission,
 * worker, cancellation, events) on real adapters — SQLite, dispatch's in-process ports, the real
 * executor. Black-box tests live in api-e2e. Coverage is enforced on the core those specs own.
 */
module.exports = {
  displayName: 'api',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  coverageDirectory: '../../coverage/apps/api',
  collectCoverage: true,
  collectCoverageFrom: [
    'src/app/runs/**/*.ts',
    'src/app/errors/**/*.ts',
    'src/app/history/**/*.ts',
    'src/app/config/**/*.ts',
    'src/app/http/**/*.ts',
    '!src/**/*.spec.ts',
  ],
  coverageThreshold: { global: { lines: 70 } },
  // Real servers, zsh and SQLite on a loaded 2-core machine: generous, never timing-based.
  testTimeout: 60_000,
};
