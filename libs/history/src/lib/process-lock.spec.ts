import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

import { readProcessLockOwner, tryProcessLock } from './process-lock';

describe('tryProcessLock', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'process-lock-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets one holder have it at a time and names the holder', () => {
    const path = join(dir, 'server.lock');
    const first = tryProcessLock(path);
    expect(first).not.toBeNull();
    const owner = readProcessLockOwner(path);
    expect(owner).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(owner?.acquiredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(tryProcessLock(path)).toBeNull();
    first?.release();
    first?.release();
    expect(readProcessLockOwner(path)).toBeNull();
    const second = tryProcessLock(path);
    expect(second).not.toBeNull();
    second?.release();
  });

  it('is free again once its holder is killed, with no stale lock left behind', async () => {
    const path = join(dir, 'server.lock');
    // Another process takes the lock the same way, says so, then waits to be killed.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(path)}, { timeout: 0 });
         d.pragma('locking_mode = EXCLUSIVE'); d.exec('BEGIN EXCLUSIVE');
         process.stdout.write('held\\n'); setInterval(() => {}, 1000);`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('held')) resolve();
      });
      holder.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
    });
    expect(tryProcessLock(path)).toBeNull();
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    const taken = tryProcessLock(path);
    expect(taken).not.toBeNull();
    taken?.release();
  });

  it('reports no owner for a missing or unreadable owner file', () => {
    expect(readProcessLockOwner(join(dir, 'nothing.lock'))).toBeNull();
  });
});
