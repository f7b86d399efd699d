import { watch, type FSWatcher } from 'node:fs';
import type { Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { parseRunbook, type ParseResult } from '@runbooks/runbook-format';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { parseWithAppendedEntry } from './appended-history';
import { readWindowedRunbook, type HistoryWindow } from './history-window';
import { checkRunbookFilename } from './runbook-filename';

/** A runbook file as last read: its text and parse result, keyed by its stat signature. */
export interface CatalogEntry {
  filename: string;
  path: string;
  text: string;
  parsed: ParseResult;
  /** Whether the first line is an H1 (files without one are not listed, as in the reference). */
  isListed: boolean;
  signature: string;
  /**
   * Set for a file larger than `RUNBOOK_HISTORY_RESPONSE_BYTES`: `text` and `parsed` then hold
   * only the newest History entries (see {@link readWindowedRunbook}); null when whole.
   */
  historyWindow: HistoryWindow | null;
}

/** What identifies a version of a file: a rewrite (rename) changes the inode, an edit mtime/size. */
function signatureOf(info: Stats): string {
  return `${info.mtimeMs}:${info.size}:${info.ino}`;
}

/** How long a cached entry is trusted without a watcher event before it is stat-ed again. */
const RECHECK_MS = 2000;

/**
 * Reads runbooks from `RUNBOOKS_DIR`, parsed once and cached until the file changes (a directory
 * watcher invalidates at once; a periodic re-stat covers file systems without events).
 */
@Injectable()
export class RunbookCatalog implements OnModuleDestroy {
  private readonly logger = new Logger('RunbookCatalog');
  private readonly entries = new Map<string, { entry: CatalogEntry; checkedAt: number }>();
  private listing: { names: string[]; checkedAt: number } | null = null;
  private listed: { entries: CatalogEntry[]; checkedAt: number } | null = null;
  private watcher: FSWatcher | null = null;
  private changes = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.startWatching();
  }

  onModuleDestroy(): void {
    this.watcher?.close();
  }

  /** Absolute path of a (checked) runbook file name. */
  pathOf(filename: string): string {
    return join(this.config.runbooksDir, filename);
  }

  /** The runbook, read through the cache; 400 for bad names, 404 when absent. */
  async get(rawFilename: string): Promise<CatalogEntry> {
    const filename = checkRunbookFilename(rawFilename);
    const entry = await this.load(filename);
    if (!entry) throw new AppError('NOT_FOUND', `Runbook not found: ${filename}`);
    return entry;
  }

  /**
   * Every listed runbook (`*.md` starting with an H1), sorted by file name in code-point order.
   * The same array is returned until something changes (see {@link version}).
   */
  async list(): Promise<CatalogEntry[]> {
    const listed = this.listed;
    if (listed && Date.now() - listed.checkedAt < RECHECK_MS) return listed.entries;
    const names = await this.listNames();
    const loaded = await Promise.all(names.map((name) => this.load(name)));
    const entries = loaded.filter((e): e is CatalogEntry => e !== null && e.isListed);
    const previous = this.listed?.entries;
    const unchanged =
      previous?.length === entries.length && previous.every((entry, i) => entry === entries[i]);
    if (unchanged && previous) {
      this.listed = { entries: previous, checkedAt: Date.now() };
      return previous;
    }
    this.changes++;
    this.listed = { entries, checkedAt: Date.now() };
    return entries;
  }

  /** Changes whenever the listing may have changed: a cache key for what is derived from it. */
  get version(): number {
    return this.changes;
  }

  /**
   * Updates a cached runbook after we appended a history entry to it: when the file now holds
   * exactly the cached text plus the entry, its parse is extended instead of redone (see
   * {@link parseWithAppendedEntry}); otherwise it is read again on next use.
   */
  async noteAppended(filename: string, entry: string): Promise<void> {
    this.listed = null;
    const cached = this.entries.get(filename);
    if (!cached) return;
    try {
      const path = this.pathOf(filename);
      const info = await stat(path);
      if (cached.entry.historyWindow !== null || this.isLarge(info)) {
        // Read again on next use, a window's worth: never the whole file after every run.
        this.entries.delete(filename);
        return;
      }
      const text = await readFile(path, 'utf8');
      const parsed =
        text === cached.entry.text + entry
          ? parseWithAppendedEntry(cached.entry.parsed, cached.entry.text, entry)
          : null;
      if (!parsed) {
        this.entries.delete(filename);
        return;
      }
      this.entries.set(filename, {
        entry: { ...cached.entry, text, parsed, signature: signatureOf(info) },
        checkedAt: Date.now(),
      });
    } catch {
      this.entries.delete(filename);
    }
  }

  private async listNames(): Promise<string[]> {
    if (this.listing && Date.now() - this.listing.checkedAt < RECHECK_MS) return this.listing.names;
    let files: string[];
    try {
      files = await readdir(this.config.runbooksDir);
    } catch {
      throw new AppError('NOT_FOUND', 'Runbooks directory not found');
    }
    const names = files
      .filter((f) => f.endsWith('.md') && !f.startsWith('.'))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.listing = { names, checkedAt: Date.now() };
    return names;
  }

  private async load(filename: string): Promise<CatalogEntry | null> {
    const cached = this.entries.get(filename);
    if (cached && Date.now() - cached.checkedAt < RECHECK_MS) return cached.entry;
    const path = this.pathOf(filename);
    let signature: string;
    let info: Stats;
    try {
      info = await stat(path);
      if (!info.isFile() || !(await this.isInsideFolder(path))) {
        this.entries.delete(filename);
        return null;
      }
      signature = signatureOf(info);
    } catch {
      this.entries.delete(filename);
      return null;
    }
    if (cached && cached.entry.signature === signature) {
      cached.checkedAt = Date.now();
      return cached.entry;
    }
    const windowed = this.isLarge(info)
      ? await readWindowedRunbook(path, info.size, this.config.historyResponseBytes, filename)
      : null;
    const text = windowed?.text ?? (await readFile(path, 'utf8'));
    const parsed = windowed?.parsed ?? parseRunbook(text, { filename });
    const entry: CatalogEntry = {
      filename,
      path,
      text,
      parsed,
      isListed: parsed.runbook.name !== null,
      signature,
      historyWindow: windowed?.window ?? null,
    };
    this.entries.set(filename, { entry, checkedAt: Date.now() });
    return entry;
  }

  /** Whether a file is read as a History window instead of whole (H4: bounded work per request). */
  private isLarge(info: Stats): boolean {
    return info.size > this.config.historyResponseBytes;
  }

  /**
   * Whether the file's real path (symlinks resolved) is inside the runbooks folder's real path:
   * a link to `/proc/self/environ` or `/etc/passwd` is not a runbook (never read, listed or
   * written).
   */
  private async isInsideFolder(path: string): Promise<boolean> {
    const [real, folder] = await Promise.all([realpath(path), realpath(this.config.runbooksDir)]);
    return real.startsWith(folder.endsWith(sep) ? folder : folder + sep);
  }

  private startWatching(): void {
    try {
      this.watcher = watch(this.config.runbooksDir, { persistent: false }, (_event, changed) => {
        this.listing = null;
        this.listed = null;
        // Stat again on next use; the parse is kept when the file is what we last saw.
        const stale = changed ? [this.entries.get(changed.toString())] : [...this.entries.values()];
        for (const cached of stale) if (cached) cached.checkedAt = 0;
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch (error) {
      this.logger.warn(
        `Not watching the runbooks folder (${(error as Error).message}); changes are picked up within ${RECHECK_MS} ms`,
      );
    }
  }
}
