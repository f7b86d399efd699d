import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';

/** Who holds a process lock, as written next to it when it was taken. */
export interface ProcessLockOwner {
  pid: number;
  hostname: string;
  acquiredAt: string;
}

/** A lock held for as long as this process wants it; the OS drops it when the process dies. */
export interface ProcessLock {
  readonly path: string;
  /** Gives the lock up (idempotent). */
  release(): void;
}

/** Where the holder's pid, host and time are written (readable while the lock is held). */
function ownerFileOf(path: string): string {
  return `${path}.owner`;
}

/**
 * Takes an exclusive lock on `path` (a small SQLite file, locked with SQLite's own file locks), or
 * returns null at once when another process holds it. Unlike a pid file, the lock cannot go
 * stale: the operating system releases it when its process ends, however it ends (a crash, a
 * `kill -9`, a container replaced on the same volume).
 */
export function tryProcessLock(path: string): ProcessLock | null {
  const database = new Database(path, { timeout: 0 });
  try {
    database.pragma('locking_mode = EXCLUSIVE');
    database.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    database.close();
    if (isBusy(error)) return null;
    throw error;
  }
  const owner: ProcessLockOwner = {
    pid: process.pid,
    hostname: hostname(),
    acquiredAt: new Date().toISOString(),
  };
  writeFileSync(ownerFileOf(path), `${JSON.stringify(owner)}\n`);
  let held = true;
  return {
    path,
    release: () => {
      if (!held) return;
      held = false;
      rmSync(ownerFileOf(path), { force: true });
      database.close();
    },
  };
}

/** The holder a lock's owner file names, or null when there is none or it cannot be read. */
export function readProcessLockOwner(path: string): ProcessLockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(ownerFileOf(path), 'utf8')) as Partial<ProcessLockOwner>;
    return typeof owner.pid === 'number' &&
      typeof owner.hostname === 'string' &&
      typeof owner.acquiredAt === 'string'
      ? { pid: owner.pid, hostname: owner.hostname, acquiredAt: owner.acquiredAt }
      : null;
  } catch {
    return null;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED');
}
