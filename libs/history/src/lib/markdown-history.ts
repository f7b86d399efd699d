import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  open,
  readdir,
  realpath,
  rename,
  rm,
  stat,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive, withFileLock } from './file-lock';
import type { FileLockOptions, FileLockOwner } from './file-lock';
import { HistoryError } from './history-error';

/** Options of `MarkdownHistory`: lock waiting (see `FileLockOptions`) and durability. */
export interface MarkdownHistoryOptions extends Omit<FileLockOptions, 'onStaleLockBroken'> {
  /** fsync the new file and its folder before/after the rename; default true. */
  fsync?: boolean;
}

/** Appends waiting in this process, per real file path (all instances share it). */
const localQueues = new Map<string, Promise<unknown>>();

/**
 * Appends already-formatted history entries to runbook files: serialized in this process, under an
 * O_EXCL lock file (`<file>.lock`) across processes, and atomic (the new content is written to a
 * temp file in the same folder, fsynced and renamed over the runbook), so a crash leaves the file
 * either before or after the entry. The file's mode (and, when permitted, owner) is preserved.
 */
export class MarkdownHistory {
  private readonly options: MarkdownHistoryOptions;

  constructor(options: MarkdownHistoryOptions = {}) {
    this.options = options;
  }

  /** Appends `entry` verbatim to the end of `file`; throws HISTORY_FILE_NOT_FOUND / HISTORY_LOCK_TIMEOUT. */
  async append(file: string, entry: string): Promise<void> {
    if (typeof entry !== 'string')
      throw new HistoryError('INVALID_ENTRY', 'A history entry must be a string.');
    let target: string;
    try {
      // Resolve symlinks so the rename replaces the real file, not the link.
      target = await realpath(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new HistoryError(
          'HISTORY_FILE_NOT_FOUND',
          `Runbook ${basename(file)} does not exist.`,
          { cause: error },
        );
      }
      throw error;
    }
    const previous = localQueues.get(target) ?? Promise.resolve();
    const current = previous.then(
      () => this.appendLocked(target, entry),
      () => this.appendLocked(target, entry),
    );
    localQueues.set(target, current);
    try {
      await current;
    } finally {
      if (localQueues.get(target) === current) localQueues.delete(target);
    }
  }

  private appendLocked(target: string, entry: string): Promise<void> {
    return withFileLock(`${target}.lock`, () => this.replaceWithAppended(target, entry), {
      ...this.options,
      onStaleLockBroken: (owner) => removeOrphanTemps(target, owner),
    });
  }

  private async replaceWithAppended(target: string, entry: string): Promise<void> {
    const durable = this.options.fsync ?? true;
    const info = await stat(target);
    const temp = join(
      dirname(target),
      `${tempPrefix(target)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    );
    try {
      // Kernel-side copy (reflink where the file system can), then append the entry to the copy.
      await copyFile(target, temp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
      const handle = await open(temp, 'a');
      try {
        await handle.writeFile(entry, 'utf8');
        if (durable) await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(temp, info.mode & 0o7777);
      await chown(temp, info.uid, info.gid).catch(() => undefined);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    if (durable) await syncFolder(dirname(target));
  }
}

function tempPrefix(target: string): string {
  return `.${basename(target)}.`;
}

async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Some platforms/file systems cannot fsync a directory; the rename itself is still atomic.
  } finally {
    await handle?.close();
  }
}

/** Deletes temp files a dead writer left next to `target` (named `.<file>.<pid>.<random>.tmp`). */
async function removeOrphanTemps(target: string, owner: FileLockOwner | null): Promise<void> {
  const prefix = tempPrefix(target);
  const names = await readdir(dirname(target));
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if ((owner === null || owner.pid === pid) && !isProcessAlive(pid)) {
      await rm(join(dirname(target), name), { force: true });
    }
  }
}
