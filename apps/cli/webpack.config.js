// Bundles the `runbook` command and the workspace libs it imports into dist/apps/cli/main.js
// (npm packages stay external), marks it executable, and writes the package.json that makes
// `npm install -g ./dist/apps/cli` (and `npm publish dist/apps/cli`) work.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { BannerPlugin } = require('webpack');
const { CliPackagePlugin } = require('./webpack/cli-package-plugin');
const { join } = require('path');

module.exports = {
  output: {
    path: join(__dirname, '../../dist/apps/cli'),
    clean: true,
    ...(process.env.NODE_ENV !== 'production' && {
      devtoolModuleFilenameTemplate: '[absolute-resource-path]',
    }),
  },
  module: {
    rules: [
      // Our libs have no import-time side effects: modules the CLI does not use (the SQLite run
      // store and its native driver) are left out of the bundle instead of being required at start.
      { test: /[\\/]libs[\\/][^\\/]+[\\/]src[\\/]/, sideEffects: false },
    ],
  },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.app.json',
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: false,
      externalDependencies: 'all',
      sourceMap: true,
    }),
    new BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true }),
    new CliPackagePlugin({
      packageJson: join(__dirname, 'package.json'),
      rootPackageJson: join(__dirname, '../../package.json'),
      readme: join(__dirname, 'README.md'),
      extraFiles: [join(__dirname, '../../LICENSE'), join(__dirname, 'CHANGELOG.md')],
      executable: 'main.js',
    }),
  ],
};
