/**
 * Black-box tests of the built `runbook` command (dist/apps/cli/main.js): every test spawns the
 * binary; remote tests run it against a real API process (dist/apps/api/main.js) on a free port.
 */
module.exports = {
  displayName: 'cli-e2e',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  collectCoverage: false,
  // Real processes and zsh scripts on a loaded 2-core machine: generous, never timing-based.
  testTimeout: 120_000,
  maxWorkers: 2,
};
