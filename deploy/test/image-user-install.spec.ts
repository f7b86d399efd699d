import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { IMAGE_UID } from './support/api-server';
import { installForImageUser } from './support/image-user-install';

const isRoot = process.getuid?.() === 0;

/** Runs `node <main>` as the image user (as root) or as the caller, with an invalid API_PORT. */
function runWithInvalidConfig(main: string) {
  const node = [process.execPath, main];
  const [command, ...args] = isRoot
    ? ['setpriv', `--reuid=${IMAGE_UID}`, `--regid=${IMAGE_UID}`, '--clear-groups', ...node]
    : node;
  return spawnSync(command ?? 'node', args, {
    cwd: '/',
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], API_PORT: 'not-a-port' },
    timeout: 60_000,
  });
}

describe('the server copy the image user runs (deploy tests as root)', () => {
  it('loads every module the server needs from the copy, wherever the checkout lives', () => {
    const install = installForImageUser(IMAGE_UID);
    try {
      const run = runWithInvalidConfig(install.main);
      // Configuration is checked after every module has loaded: this exit proves they all did.
      expect(run.stderr).not.toContain('Cannot find module');
      expect(run.stderr).toContain('Configuration is invalid');
      expect(run.status).toBe(2);
    } finally {
      install.remove();
    }
  });

  it('explains a temporary folder the image user cannot reach instead of "Cannot find module"', () => {
    const privateDir = mkdtempSync(join(tmpdir(), 'deploy-private-'));
    const unreachable = join(privateDir, 'tmp');
    mkdirSync(unreachable, { mode: 0o777 });
    try {
      if (isRoot)
        expect(() => installForImageUser(IMAGE_UID, unreachable)).toThrow(
          /image user 10001 cannot read .*main\.js: a folder above it is private\. Point TMPDIR/,
        );
      // Any other user runs the server itself, and owns the folder.
      else installForImageUser(IMAGE_UID, unreachable).remove();
    } finally {
      rmSync(privateDir, { recursive: true, force: true });
    }
  });
});
