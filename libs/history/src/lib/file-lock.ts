import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { HistoryError } from './history-error';

/** Who holds a lock file: written as JSON into the file when it is created. */
export interface FileLockOwner {
  pid: number;
  hostname: string;
  acquiredAt: string;
  /** Random per acquisition, so a holder never deletes a lock that is no longer its own. */
  token: string;
}

/** How long and how politely to wait for a lock file. */
export interface FileLockOptions {
  /** Give up with HISTORY_LOCK_TIMEOUT after this long; default 10 000 ms. */
  timeoutMs?: number;
  /**
   * Age after which a lock whose owner cannot be checked (another host, unreadable content) is
   * broken; default 60 000 ms. A lock whose owner pid is dead on this host is broken at once.
   */
  staleMs?: number;
  /** First retry delay (doubles, with jitter, up to `retryMaxMs`); default 5 ms. */
  retryMinMs?: number;
  /** Largest retry delay; default 100 ms. */
  retryMaxMs?: number;
  /** Called after a stale lock was broken, with its owner when readable. */
  onStaleLockBroken?: (owner: FileLockOwner | null) => Promise<void> | void;
}

interface LockSnapshot {
  raw: string;
  owner: FileLockOwner | null;
  ageMs: number;
}

/** True when a process with this pid exists on this host (EPERM means it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding an exclusive lock file at `lockPath`, created with O_EXCL (`wx`) and
 * holding the owner's pid, host and time. Works across processes; waits with backoff; breaks stale
 * locks (dead owner pid); throws HistoryError HISTORY_LOCK_TIMEOUT when the wait is too long.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const owner = await acquireFileLock(lockPath, options);
  try {
    return await fn();
  } finally {
    await releaseFileLock(lockPath, owner);
  }
}

async function acquireFileLock(lockPath: string, options: FileLockOptions): Promise<FileLockOwner> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retryMaxMs = options.retryMaxMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let delayMs = options.retryMinMs ?? 5;
  for (;;) {
    const owner = newOwner();
    if (await tryCreate(lockPath, JSON.stringify(owner))) return owner;
    if (await breakIfStale(lockPath, options)) continue;
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) {
      const holder = await readLock(lockPath);
      const who = holder?.owner
        ? ` (held by pid ${holder.owner.pid} on ${holder.owner.hostname})`
        : '';
      throw new HistoryError(
        'HISTORY_LOCK_TIMEOUT',
        `Timed out after ${timeoutMs} ms waiting for a history lock${who}.`,
      );
    }
    const jittered = delayMs * (0.5 + Math.random());
    await new Promise((done) => setTimeout(done, Math.max(1, Math.min(jittered, remainingMs))));
    delayMs = Math.min(delayMs * 2, retryMaxMs);
  }
}

function newOwner(): FileLockOwner {
  return {
    pid: process.pid,
    hostname: hostname(),
    acquiredAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
}

async function releaseFileLock(lockPath: string, owner: FileLockOwner): Promise<void> {
  const current = await readLock(lockPath);
  // Someone judged our lock stale and took it: theirs now, leave it alone.
  if (current?.owner?.token !== owner.token) return;
  await unlink(lockPath).catch(ignoreMissing);
}

/** Creates the file exclusively and writes `content`; false when it already exists. */
async function tryCreate(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
  } catch (error) {
    // A lock without an owner would block everyone until it is stale: do not leave one behind.
    await handle.close();
    await unlink(path).catch(ignoreMissing);
    throw error;
  }
  await handle.close();
  return true;
}

async function readLock(path: string): Promise<LockSnapshot | null> {
  try {
    const [raw, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { raw, owner: parseOwner(raw), ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parseOwner(raw: string): FileLockOwner | null {
  try {
    const value = JSON.parse(raw) as Partial<FileLockOwner> | null;
    if (
      value !== null &&
      typeof value === 'object' &&
      typeof value.pid === 'number' &&
      typeof value.hostname === 'string' &&
      typeof value.acquiredAt === 'string' &&
      typeof value.token === 'string'
    ) {
      return {
        pid: value.pid,
        hostname: value.hostname,
        acquiredAt: value.acquiredAt,
        token: value.token,
      };
    }
  } catch {
    // Half-written or foreign content: judged by age only.
  }
  return null;
}

function isStale(snapshot: LockSnapshot, staleMs: number): boolean {
  const { owner } = snapshot;
  if (owner !== null && owner.hostname === hostname()) return !isProcessAlive(owner.pid);
  return snapshot.ageMs > staleMs;
}

/**
 * Breaks the lock if it is stale. Breakers take turns through a second O_EXCL file and re-read the
 * lock before deleting it, so a lock re-acquired meanwhile by a live process is never deleted.
 * Returns true when the caller should retry at once.
 */
async function breakIfStale(lockPath: string, options: FileLockOptions): Promise<boolean> {
  const staleMs = options.staleMs ?? 60_000;
  const seen = await readLock(lockPath);
  if (seen === null) return true;
  if (!isStale(seen, staleMs)) return false;

  const breakPath = `${lockPath}.break`;
  if (!(await tryCreate(breakPath, JSON.stringify(newOwner())))) {
    const breaker = await readLock(breakPath);
    // A breaker holds this file for a moment only; one that died or hung holding it is cleared.
    if (breaker !== null && (breaker.ageMs > 1000 || isStale(breaker, Infinity))) {
      await unlink(breakPath).catch(ignoreMissing);
    }
    return false;
  }
  try {
    const current = await readLock(lockPath);
    if (current === null) return true;
    if (current.raw !== seen.raw) return true;
    await unlink(lockPath).catch(ignoreMissing);
  } finally {
    await unlink(breakPath).catch(ignoreMissing);
  }
  await options.onStaleLockBroken?.(seen.owner);
  return true;
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
