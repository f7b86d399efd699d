#!/usr/bin/env node
// Adds the ES module build to an isomorphic lib that `@nx/js:tsc` already built as CommonJS
// (`build-cjs`): dist/<lib>/index.mjs, one file bundling the lib's own modules (npm packages and
// the other @runbooks libs stay imports), and index.d.mts, its types for `import` under
// moduleResolution node16/nodenext. The lib's package.json `exports` routes `import` and
// `require` to the two builds. Usage: node tools/scripts/build-esm.mjs libs/<lib>
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { build } from 'esbuild';

const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: node tools/scripts/build-esm.mjs libs/<lib>');
  process.exit(2);
}
const root = join(import.meta.dirname, '..', '..');
const outdir = join(root, 'dist', projectRoot);

await build({
  absWorkingDir: root,
  entryPoints: [join(projectRoot, 'src', 'index.ts')],
  outfile: join(outdir, 'index.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  packages: 'external',
  external: ['@runbooks/*'],
  tsconfig: join(projectRoot, 'tsconfig.lib.json'),
  logLevel: 'warning',
});
// The ESM entry's types are the CommonJS ones: the same declarations, seen from an ES module.
writeFileSync(join(outdir, 'index.d.mts'), "export * from './index.js';\n");
