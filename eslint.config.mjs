// Workspace ESLint flat config: Nx module boundaries with the DESIGN.md tag matrix, type-aware
// TypeScript rules at error level, Prettier owns formatting. The Angular console (apps/web) also
// gets angular-eslint: component/directive rules and its templates (.html files and inline ones).
import nx from '@nx/eslint-plugin';
import angular from 'angular-eslint';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'crypto',
  'stream',
  'util',
  'events',
  'url',
  'worker_threads',
  'net',
  'http',
  'https',
  'zlib',
  'buffer',
  'process',
];
const frameworks = ['@nestjs/*', '@angular/*', 'rxjs', 'rxjs/*'];
const webTs = ['apps/web/**/*.ts'];
// External templates, and the inline ones the processor extracts as `<file>.ts/<n>_inline-template-….html`.
const webTemplates = ['apps/web/**/*.html'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/dist',
      '**/coverage',
      '**/node_modules',
      '**/.nx',
      '**/tmp',
      '**/*.cjs',
      'jest.preset.js',
    ],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      ...Object.fromEntries(
        tseslint.configs.recommendedTypeCheckedOnly.flatMap((c) => Object.entries(c.rules ?? {})),
      ),
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          banTransitiveDependencies: false,
          depConstraints: [
            { sourceTag: 'type:types', onlyDependOnLibsWithTags: [] },
            {
              sourceTag: 'type:lib',
              onlyDependOnLibsWithTags: ['type:types'],
              bannedExternalImports: frameworks,
            },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:types'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:types'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:types'] },
            {
              sourceTag: 'platform:any',
              onlyDependOnLibsWithTags: ['platform:any'],
              bannedExternalImports: [...nodeBuiltins, ...frameworks],
            },
            {
              sourceTag: 'platform:browser',
              onlyDependOnLibsWithTags: ['platform:any', 'platform:browser'],
              bannedExternalImports: [...nodeBuiltins, '@nestjs/*'],
            },
            {
              sourceTag: 'platform:node',
              onlyDependOnLibsWithTags: ['platform:any', 'platform:node'],
            },
          ],
        },
      ],
    },
  },
  {
    // platform:any libs run in browsers too: no Node built-ins (Nx bans only npm packages).
    files: [
      'libs/types/src/**/*.ts',
      'libs/runbook-format/src/**/*.ts',
      'libs/rbac/src/**/*.ts',
      'libs/event-stream/src/**/*.ts',
    ],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'platform:any libs may not import Node built-ins.' },
          ],
        },
      ],
    },
  },
  ...angular.configs.tsRecommended.map((config) => ({ ...config, files: webTs })),
  {
    files: webTs,
    processor: angular.processInlineTemplates,
    rules: {
      '@angular-eslint/component-selector': [
        'error',
        { type: 'element', prefix: 'rb', style: 'kebab-case' },
      ],
      '@angular-eslint/directive-selector': [
        'error',
        { type: 'attribute', prefix: 'rb', style: 'camelCase' },
      ],
    },
  },
  ...angular.configs.templateRecommended.map((config) => ({ ...config, files: webTemplates })),
  ...angular.configs.templateAccessibility.map((config) => ({ ...config, files: webTemplates })),
  {
    // Specs may use Node built-ins (real files, real processes) even in isomorphic libs.
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
];
