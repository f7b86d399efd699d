/** Jest config for @runbooks/mcp: co-located specs plus test/, coverage enforced. */
module.exports = {
  displayName: 'mcp',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  coverageDirectory: '../../coverage/libs/mcp',
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts'],
  collectCoverage: true,
  coverageThreshold: { global: { lines: 85 } },
};
