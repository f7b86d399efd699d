import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, withFileLock } from './file-lock';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runbooks-history-lock-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('withFileLock', () => {
  it('holds an O_EXCL lock file with pid, host and time while fn runs, then removes it', async () => {
    const lock = join(dir, 'x.lock');
    const seen = await withFileLock(lock, () =>
      Promise.resolve(JSON.parse(readFileSync(lock, 'utf8')) as unknown),
    );
    expect(seen).toMatchObject({ pid: process.pid });
    expect(Object.keys(seen as object)).toEqual(['pid', 'hostname', 'acquiredAt', 'token']);
    expect(existsSync(lock)).toBe(false);
  });

  it('releases the lock when fn throws', async () => {
    const lock = join(dir, 'x.lock');
    await expect(withFileLock(lock, () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(existsSync(lock)).toBe(false);
  });

  it('runs holders one at a time', async () => {
    const lock = join(dir, 'x.lock');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(lock, async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((resolve) => setTimeout(resolve, 2));
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('does not delete a lock that was taken over while it was held', async () => {
    const lock = join(dir, 'x.lock');
    await withFileLock(lock, () => {
      writeFileSync(
        lock,
        JSON.stringify({ pid: process.pid, hostname: 'h', acquiredAt: 'now', token: 'other' }),
      );
      return Promise.resolve();
    });
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ token: 'other' });
  });

  it('surfaces file system errors other than an existing lock', async () => {
    await expect(
      withFileLock(join(dir, 'missing', 'x.lock'), () => Promise.resolve()),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('isProcessAlive', () => {
  it('sees this process and rejects impossible pids', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-1)).toBe(false);
    expect(isProcessAlive(1.5)).toBe(false);
  });
});
