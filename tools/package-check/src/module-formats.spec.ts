import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { build } from 'esbuild';

import { consumerProject, isomorphicLibs, node, pack, root } from './support/packages';

// Proves, from the packed tarballs in a scratch project, that the isomorphic libs work as ES
// modules and as CommonJS, that TypeScript resolves their types under both modern module
// resolutions, and that a browser bundle of runbook-format needs no Node built-in.

const names = isomorphicLibs.map((lib) => `@runbooks/${lib}`);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

describe('isomorphic libs from their tarballs', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'runbooks-formats-'));
  let project: string;
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  beforeAll(() => {
    const tarballs = isomorphicLibs.map((lib) =>
      join(scratch, pack(join(root, 'dist', 'libs', lib), scratch).filename),
    );
    project = consumerProject(join(scratch, 'consumer'), tarballs);
  });

  it('import and require give the same API, and it works from both', () => {
    const script = `
      const names = ${JSON.stringify(names)};
      const api = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort();
      const { createRequire } = await import('node:module');
      const require = createRequire(import.meta.url);
      const result = {};
      for (const name of names) result[name] = { esm: api(await import(name)), cjs: api(require(name)) };
      const { parseRunbook } = await import('@runbooks/runbook-format');
      const { evaluateClaims } = await import('@runbooks/rbac');
      const { SseParser } = await import('@runbooks/event-stream');
      result.parsed = parseRunbook('# Hello\\nA runbook.\\n').runbook.name;
      result.allowed = evaluateClaims({ roles: ['sre'] }, { roles: ['sre'] }).allowed;
      result.events = new SseParser().push('data: hi\\n\\n').length;
      const cjs = require('@runbooks/runbook-format');
      result.cjsParsed = cjs.parseRunbook('# Hello\\nA runbook.\\n').runbook.name;
      console.log(JSON.stringify(result));`;
    writeFileSync(join(project, 'check.mjs'), script);
    const result = JSON.parse(node(['check.mjs'], project)) as Record<string, unknown>;
    for (const name of names) {
      const { esm, cjs } = result[name] as { esm: string[]; cjs: string[] };
      expect({ name, esm }).toEqual({ name, esm: cjs });
    }
    expect((result['@runbooks/runbook-format'] as { esm: string[] }).esm).toContain('parseRunbook');
    expect(result).toMatchObject({ parsed: 'Hello', allowed: true, events: 1, cjsParsed: 'Hello' });
  });

  it.each([
    ['bundler', ['--module', 'preserve', '--moduleResolution', 'bundler'], ['consumer.ts']],
    [
      'node16',
      ['--module', 'node16', '--moduleResolution', 'node16'],
      ['consumer.mts', 'consumer.cts'],
    ],
  ])('TypeScript resolves the types with moduleResolution %s', (_name, options, files) => {
    const source = [
      "import { parseRunbook, type Runbook } from '@runbooks/runbook-format';",
      "import type { ValidateResponse } from '@runbooks/types';",
      "import { evaluateClaims, type ClaimsDecision } from '@runbooks/rbac';",
      "import { SseParser, type SseItem } from '@runbooks/event-stream';",
      "const parsed: Runbook = parseRunbook('# X').runbook;",
      "const decision: ClaimsDecision = evaluateClaims({ roles: ['sre'] }, { roles: ['sre'] });",
      "const items: SseItem[] = new SseParser().push('data: x\\n\\n');",
      "export const response: ValidateResponse = { success: decision.allowed && items.length > 0, runbook: parsed.name ?? '', errors: [], warnings: [] };",
      // A misspelt export must fail, or this check proves nothing.
      '// @ts-expect-error parseRunbok is not an export',
      "export { parseRunbok } from '@runbooks/runbook-format';",
    ].join('\n');
    for (const file of files) writeFileSync(join(project, file), source);
    execFileSync(
      'node',
      [tsc, '--noEmit', '--strict', '--target', 'es2022', ...options, ...files],
      { cwd: project, encoding: 'utf8' },
    );
  });

  it('bundles runbook-format for browsers without any Node built-in', async () => {
    writeFileSync(
      join(project, 'browser.mjs'),
      "import { parseRunbook } from '@runbooks/runbook-format';\nconsole.log(parseRunbook('# X').runbook.name);\n",
    );
    const result = await build({
      absWorkingDir: project,
      entryPoints: ['browser.mjs'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('node_modules/@runbooks/runbook-format/index.mjs');
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const imports = Object.values(result.metafile.inputs).flatMap((input) =>
      input.imports.map((i) => i.path),
    );
    expect(imports.filter((path) => builtins.has(path))).toEqual([]);
    const bundle = result.outputFiles[0]?.text ?? '';
    expect(bundle).not.toMatch(/\brequire\(|from ["']node:/);
  });
});
