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
  coverageThreshold: { global: { lines: 90 } },
};
