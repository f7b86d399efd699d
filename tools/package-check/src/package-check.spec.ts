import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { consumerProject, dualFormatLibs, libs, node, pack, root } from './support/packages';

// Proves the publishable libs work outside the monorepo: each built package contains only built
// files and says what npm shows about it, and the packed tarballs install into a scratch project
// where they can be required and type-checked.

interface Manifest {
  name: string;
  version: string;
  keywords?: string[];
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  exports?: Record<string, unknown>;
  sideEffects?: boolean;
  dependencies?: Record<string, string>;
  publishConfig?: { access?: string; provenance?: boolean };
}

const readManifest = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

describe('publishable packages', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'runbooks-pack-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each(libs)('%s packs only built files', (lib) => {
    const dist = join(root, 'dist', 'libs', lib);
    expect(existsSync(join(dist, 'package.json'))).toBe(true);
    const files = pack(dist, scratch).files.map((file) => file.path);
    const expected = ['package.json', 'index.js', 'index.d.ts', 'README.md', 'LICENSE'];
    if (dualFormatLibs.includes(lib)) expected.push('index.mjs', 'index.d.mts');
    expect(files).toEqual(expect.arrayContaining(expected));
    const unexpected = files.filter(
      (file) =>
        !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|.*\.m?js|.*\.d\.m?ts)$/.test(file),
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((file) => /\.spec\.|\.map$|(^|\/)test\//.test(file))).toEqual([]);
  });

  it.each(libs)('%s says where it comes from and what it exports', (lib) => {
    const manifest = readManifest(join(root, 'dist', 'libs', lib));
    const workspace = readManifest(root);
    expect(manifest.repository).toEqual({ ...workspace.repository, directory: `libs/${lib}` });
    expect(manifest.homepage).toBe(`${String(workspace.homepage)}/tree/main/libs/${lib}#readme`);
    expect(manifest.bugs).toEqual(workspace.bugs);
    expect(manifest.keywords?.length).toBeGreaterThan(2);
    expect(manifest.publishConfig).toEqual({ access: 'public', provenance: true });
    expect(manifest.exports?.['./package.json']).toBe('./package.json');
    if (dualFormatLibs.includes(lib)) {
      expect(manifest.sideEffects).toBe(false);
      expect(manifest.exports?.['.']).toEqual({
        import: { types: './index.d.mts', default: './index.mjs' },
        require: { types: './index.d.ts', default: './index.js' },
      });
    } else {
      expect(manifest.exports?.['.']).toEqual({ types: './index.d.ts', default: './index.js' });
    }
    // Internal dependencies are ranges on the version released together with this one.
    for (const [name, range] of Object.entries(manifest.dependencies ?? {}))
      if (name.startsWith('@runbooks/')) expect(range).toBe(`^${manifest.version}`);
  });

  it('installs from the tarballs and runs parseRunbook outside the monorepo', () => {
    const tarballs = readdirSync(scratch).filter((file) => file.endsWith('.tgz'));
    expect(tarballs.length).toBe(libs.length);
    const project = consumerProject(
      join(scratch, 'consumer'),
      tarballs.map((t) => join('..', t)),
    );
    const sample = readFileSync(
      join(root, 'libs', 'runbook-format', 'test', 'fixtures', 'valid-simple.md'),
      'utf8',
    );
    writeFileSync(join(project, 'sample.md'), sample);
    const script = [
      "const { parseRunbook, validateRunbook } = require('@runbooks/runbook-format');",
      "const { runbook } = parseRunbook(require('fs').readFileSync('sample.md', 'utf8'), { filename: 'valid-simple.md' });",
      "const result = validateRunbook(runbook, { env: { TEST_VAR: 'x' }, fileExists: () => true });",
      'console.log(JSON.stringify({ name: runbook.name, claims: runbook.requiredClaims, valid: result.valid }));',
    ].join('\n');
    expect(JSON.parse(node(['-e', script], project))).toEqual({
      name: 'valid-simple',
      claims: { roles: ['sre', 'api'] },
      valid: true,
    });
  });
});
