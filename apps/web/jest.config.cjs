/** Unit tests of the web console: components and services, zoneless, in jsdom. */
const { createCjsPreset } = require('jest-preset-angular/presets');

const preset = createCjsPreset({ tsconfig: '<rootDir>/tsconfig.spec.json' });

module.exports = {
  ...preset,
  displayName: 'web',
  rootDir: __dirname,
  testEnvironment: 'jest-preset-angular/environments/jest-jsdom-env',
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // Angular ships .mjs; marked is ESM-only: let the Angular transformer compile both.
  transformIgnorePatterns: ['node_modules/(?!(.*\\.mjs$|marked/))'],
  moduleNameMapper: {
    '^@runbooks/types$': '<rootDir>/../../libs/types/src/index.ts',
    '^@runbooks/event-stream$': '<rootDir>/../../libs/event-stream/src/index.ts',
    '^@runbooks/runbook-format$': '<rootDir>/../../libs/runbook-format/src/index.ts',
  },
  coverageDirectory: '../../coverage/apps/web',
  collectCoverageFrom: ['src/app/**/*.ts', '!src/**/*.spec.ts'],
  collectCoverage: true,
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90 } },
};
