import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT } from './support/repo-paths';
import { runCommand } from './support/run-command';

/** The commands the start-up scripts use, found where the machine has them. */
const BASE_COMMANDS = ['bash', 'dirname', 'id', 'node', 'npm', 'zsh'];

describe('what npm start needs from the machine', () => {
  let bin: string;
  let run: (script: string) => ReturnType<typeof runCommand>;

  beforeAll(() => {
    // A PATH with Node.js and zsh only (and no apt-get: nothing may be installed behind our back).
    bin = mkdtempSync(join(tmpdir(), 'deploy-start-path-'));
    for (const command of BASE_COMMANDS) {
      const found = runCommand('bash', ['-c', `command -v ${command}`]).stdout.trim();
      if (!found) throw new Error(`${command} is not installed`);
      symlinkSync(found, join(bin, command));
    }
    run = (script) =>
      runCommand(join(bin, 'bash'), [`tools/scripts/${script}`], {
        cwd: REPO_ROOT,
        env: { PATH: bin, HOME: process.env['HOME'] ?? '/tmp' },
      });
  });

  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it('ensure-deps.sh (npm start) is satisfied by Node.js and zsh: no test tool demanded', () => {
    const result = run('ensure-deps.sh');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('ensure-test-tools.sh (npm run test:all) names each missing package once', () => {
    const result = run('ensure-test-tools.sh');
    expect(result.status).toBe(1);
    const listed = /install the Debian packages (.+?) \(e\.g\./.exec(result.stderr)?.[1] ?? '';
    const packages = listed.split(' ');
    expect(packages).toContain('prometheus');
    expect(packages).toContain('chromium');
    expect(new Set(packages).size).toBe(packages.length);
  });
});
