/** Jest config for @runbooks/types: co-located specs plus test/, coverage enforced. */
module.exports = {
  displayName: 'types',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  coverageDirectory: '../../coverage/libs/types',
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts'],
};
