import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Proves the publishable libs work outside the monorepo: each built package contains only built
// files, and the packed tarballs install into a scratch project where they can be required.

const root = join(__dirname, '..', '..', '..');
const libs = readdirSync(join(root, 'libs')).filter((lib) =>
  existsSync(join(root, 'libs', lib, 'package.json')),
);
const npmEnv = {
  ...process.env,
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    env: npmEnv,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

describe('publishable packages', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'runbooks-pack-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each(libs)('%s packs only built files', (lib) => {
    const dist = join(root, 'dist', 'libs', lib);
    expect(existsSync(join(dist, 'package.json'))).toBe(true);
    const [pack] = JSON.parse(
      npm(['pack', '--json', '--pack-destination', scratch], dist),
    ) as PackResult[];
    const files = pack?.files.map((file) => file.path) ?? [];
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'index.js', 'index.d.ts', 'README.md', 'LICENSE']),
    );
    const unexpected = files.filter(
      (file) => !/^(package\.json|README\.md|LICENSE|.*\.js|.*\.d\.ts)$/.test(file),
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((file) => /\.spec\.|\.map$|(^|\/)test\//.test(file))).toEqual([]);
  });

  it('installs from the tarballs and runs parseRunbook outside the monorepo', () => {
    const tarballs = readdirSync(scratch).filter((file) => file.endsWith('.tgz'));
    expect(tarballs.length).toBe(libs.length);
    const project = join(scratch, 'consumer');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true }),
    );
    // Native addons (better-sqlite3) are not rebuilt here: this checks packaging, not compilers.
    npm(
      ['install', '--ignore-scripts', '--prefer-offline', ...tarballs.map((t) => join('..', t))],
      project,
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
    const output = execFileSync('node', ['-e', script], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({
      name: 'valid-simple',
      claims: { roles: ['sre', 'api'] },
      valid: true,
    });
    const consumerTs = [
      "import { parseRunbook, type Runbook } from '@runbooks/runbook-format';",
      "import type { ValidateResponse } from '@runbooks/types';",
      "const parsed: Runbook = parseRunbook('# X').runbook;",
      "const response: ValidateResponse = { success: true, runbook: parsed.name ?? '', errors: [], warnings: [] };",
      'export default response;',
    ].join('\n');
    writeFileSync(join(project, 'consumer.ts'), consumerTs);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(
      'node',
      [
        tsc,
        '--noEmit',
        '--target',
        'es2022',
        '--strict',
        '--module',
        'commonjs',
        '--moduleResolution',
        'node',
        '--skipLibCheck',
        'false',
        'consumer.ts',
      ],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
  });
});
