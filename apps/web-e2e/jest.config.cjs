/**
 * Real-browser tests of the web console: Debian's Chromium (driven by playwright-core) against the
 * built API process serving the built console. One server and one browser per spec file.
 */
module.exports = {
  displayName: 'web-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  collectCoverage: false,
  // Real scripts and a real browser on a loaded 2-core machine: generous, never timing-based.
  testTimeout: 120_000,
  maxWorkers: 1,
};
