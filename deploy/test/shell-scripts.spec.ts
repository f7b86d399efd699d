import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './support/repo-paths';
import { runCommand } from './support/run-command';

/** Every POSIX/bash script in the repository: *.sh files and files with an sh/bash shebang. */
function shellScripts(): string[] {
  const listed = runCommand('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
  });
  expect(listed.status).toBe(0);
  return listed.stdout
    .split('\n')
    .filter(Boolean)
    .filter((file) => {
      if (file.endsWith('.sh')) return true;
      if (/\.[A-Za-z0-9]+$/.test(file)) return false;
      try {
        const firstLine = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n', 1)[0] ?? '';
        return /^#!\s*\S*(\/|env\s+)(ba|da)?sh(\s|$)/.test(firstLine);
      } catch {
        return false;
      }
    })
    .sort();
}

describe('shell scripts', () => {
  const scripts = shellScripts();

  it('finds the scripts CI and operators run', () => {
    for (const expected of [
      '.ci/run',
      'deploy/healthcheck.sh',
      'tools/scripts/ensure-deps.sh',
      'tools/scripts/start.sh',
      'tools/scripts/test-all.sh',
    ])
      expect(scripts).toContain(expected);
  });

  it('every shell script passes shellcheck (warnings and errors)', () => {
    const result = runCommand('shellcheck', ['--format=gcc', '--severity=warning', ...scripts], {
      cwd: REPO_ROOT,
    });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('the deploy scripts pass shellcheck at every severity, as POSIX sh where they say so', () => {
    const deploy = scripts.filter((s) => s.startsWith('deploy/'));
    const result = runCommand('shellcheck', ['--format=gcc', '--severity=style', ...deploy], {
      cwd: REPO_ROOT,
    });
    expect(result.stdout).toBe('');
    expect(readFileSync(join(REPO_ROOT, 'deploy/healthcheck.sh'), 'utf8')).toMatch(
      /^#!\/bin\/sh\n/,
    );
  });

  it('shellcheck really reports problems (guards against a silent no-op)', () => {
    const result = runCommand('shellcheck', ['--format=gcc', '-'], {
      input: '#!/bin/sh\nrm -rf $1/*\n',
    });
    expect(result.stdout).toContain('SC2115');
    expect(result.status).not.toBe(0);
  });
});
