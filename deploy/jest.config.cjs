/**
 * Jest config for the deploy proofs: real promtool, nginx, shellcheck and API processes.
 * No coverage: this project has no source of its own, only checks of deploy/ and the server.
 */
module.exports = {
  displayName: 'deploy',
  preset: '../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Servers start, scripts sleep past proxy timeouts: generous on a loaded 2-core machine.
  testTimeout: 120_000,
};
