/** Jest config for @runbooks/history: co-located specs plus test/, coverage enforced. */
module.exports = {
  displayName: 'history',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  coverageDirectory: '../../coverage/libs/history',
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts'],
  collectCoverage: true,
  // Specs spawn real node processes; a loaded 2-core CI machine needs more than the 5 s default.
  testTimeout: 30_000,
  coverageThreshold: { global: { lines: 90 } },
};
