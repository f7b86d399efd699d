/**
 * Black-box tests of the built API (dist/apps/api/main.js): every spec starts real server
 * processes on free ports with temp folders and talks HTTP to them.
 */
module.exports = {
  displayName: 'api-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  collectCoverage: false,
  // Servers, zsh scripts and sub-runbooks on a loaded 2-core machine: generous, never timing-based.
  testTimeout: 90_000,
  maxWorkers: 2,
};
