/** Unit tests of the CLI's own modules; the built binary is tested from outside in apps/cli-e2e. */
module.exports = {
  displayName: 'cli',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  coverageDirectory: '../../coverage/apps/cli',
  collectCoverageFrom: [
    'src/**/*.ts',
    '!src/**/*.spec.ts',
    '!src/main.ts',
    '!src/testing/**',
    // Served over stdio and a pseudo-terminal: covered from outside by cli-e2e (mcp.spec.ts,
    // typed-inputs.spec.ts) against the built binary, not by unit specs yet.
    '!src/app/mcp/**',
    '!src/app/commands/mcp-command.ts',
    '!src/app/prompt-variables.ts',
  ],
  collectCoverage: true,
  coverageThreshold: { global: { lines: 90 } },
};
