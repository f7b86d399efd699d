import { constants } from 'node:fs';
import { open, readFile, realpath, rm, stat, truncate, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { withFileLock } from './file-lock';
import type { FileLockOptions } from './file-lock';
import { HistoryError } from './history-error';

/** Options of `MarkdownHistory`: lock waiting (see `FileLockOptions`) and durability. */
export interface MarkdownHistoryOptions extends Omit<FileLockOptions, 'onStaleLockBroken'> {
  /** fsync the append journal and the appended file before `append` resolves; default true. */
  fsync?: boolean;
  /**
   * What must be written before an entry so that it starts outside any block the file leaves
   * open (an unclosed fence or HTML block), given the file's text; `''` when none is open. Called
   * under the lock, only when the file is not exactly as this instance's last append left it.
   * `partial` is true when `text` is only the file's last `closeCheckBytes` (from a line start).
   */
  closeOpenBlocks?: (text: string, partial: boolean) => string;
  /** Most bytes of the file's end given to `closeOpenBlocks`; default: the whole file. */
  closeCheckBytes?: number;
}

/** What an interrupted append must be rolled back to, written before the append starts. */
interface AppendJournal {
  size: number;
  length: number;
}

/** Appends waiting in this process, per real file path (all instances share it). */
const localQueues = new Map<string, Promise<unknown>>();

/**
 * Appends already-formatted history entries to runbook files: serialized in this process, under an
 * O_EXCL lock file (`<file>.lock`) across processes, and written in place at the end of the file
 * (O_APPEND; the file is never copied or rewritten, so an append costs the entry, not the file).
 * A journal (`.<file>.append`, the size before the append) is written first; an append that did
 * not finish (a crash, a full disk) is cut off again, at once on error or by the next append, so
 * the file holds either no part of an entry or all of it.
 */
export class MarkdownHistory {
  private readonly options: MarkdownHistoryOptions;
  /** Per file: its stat signature right after our last append (known to end outside any block). */
  private readonly cleanEnds = new Map<string, string>();

  constructor(options: MarkdownHistoryOptions = {}) {
    this.options = options;
  }

  /** Appends `entry` verbatim to the end of `file`; throws HISTORY_FILE_NOT_FOUND / HISTORY_LOCK_TIMEOUT. */
  async append(file: string, entry: string): Promise<void> {
    if (typeof entry !== 'string')
      throw new HistoryError('INVALID_ENTRY', 'A history entry must be a string.');
    let target: string;
    try {
      // Resolve symlinks so the lock and the journal belong to the real file.
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
    return withFileLock(`${target}.lock`, () => this.appendInPlace(target, entry), this.options);
  }

  private async appendInPlace(target: string, entry: string): Promise<void> {
    const durable = this.options.fsync ?? true;
    const journal = journalPath(target);
    await rollBackInterrupted(target, journal);
    const handle = await open(target, constants.O_RDWR | constants.O_APPEND);
    try {
      const before = await handle.stat();
      if (!before.isFile()) throw new Error(`${basename(target)} is not a regular file.`);
      const prefix = await this.closerFor(handle, before.size, target, signatureOf(before));
      const bytes = Buffer.from(prefix + entry, 'utf8');
      const record: AppendJournal = { size: before.size, length: bytes.length };
      await writeJournal(journal, record, durable);
      try {
        await handle.writeFile(bytes);
        if (durable) await handle.datasync();
      } catch (error) {
        await truncate(target, before.size).catch(() => undefined);
        throw error;
      }
      this.cleanEnds.set(target, signatureOf(await handle.stat()));
    } finally {
      await handle.close();
    }
    await rm(journal, { force: true });
  }

  /** The text that closes a block the file leaves open ('' when the file is as we left it). */
  private async closerFor(
    handle: FileHandle,
    size: number,
    target: string,
    signature: string,
  ): Promise<string> {
    const close = this.options.closeOpenBlocks;
    if (close === undefined || this.cleanEnds.get(target) === signature) return '';
    const limit = this.options.closeCheckBytes ?? Number.POSITIVE_INFINITY;
    if (size <= limit) return close(await readFile(target, 'utf8'), false);
    const tail = Buffer.alloc(Math.floor(limit));
    const { bytesRead } = await handle.read(tail, 0, tail.length, size - tail.length);
    const text = tail.subarray(0, bytesRead).toString('utf8');
    return close(text.slice(text.indexOf('\n') + 1), true);
  }
}

function journalPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.append`);
}

function signatureOf(info: { size: number; mtimeMs: number; ino: number }): string {
  return `${info.size}:${info.mtimeMs}:${info.ino}`;
}

async function writeJournal(path: string, record: AppendJournal, durable: boolean): Promise<void> {
  if (!durable) {
    await writeFile(path, JSON.stringify(record));
    return;
  }
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(JSON.stringify(record));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Finishes what a crashed writer left: when the journal says an append was under way and the
 * file is longer than before it but not by the whole append, the partial entry is cut off.
 */
async function rollBackInterrupted(target: string, journal: string): Promise<void> {
  let record: AppendJournal;
  try {
    record = JSON.parse(await readFile(journal, 'utf8')) as AppendJournal;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    // An unreadable journal: the crash came before the append started.
    await rm(journal, { force: true });
    return;
  }
  const { size } = await stat(target);
  if (
    Number.isSafeInteger(record.size) &&
    Number.isSafeInteger(record.length) &&
    size > record.size &&
    size < record.size + record.length
  ) {
    await truncate(target, record.size);
  }
  await rm(journal, { force: true });
}
