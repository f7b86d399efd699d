import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  parseRunbook,
  validateRunbook,
  type Diagnostic,
  type HistoryEntry,
  type Runbook,
  type ValidationResult,
} from '@runbooks/runbook-format';
import type { RunbookListItem, RunStatus } from '@runbooks/types';
import { CliError } from './cli-error';
import { displayPath, type LocalRunbookFile } from './runbook-resolver';

/** A runbook file read and parsed. */
export interface LoadedRunbook {
  file: LocalRunbookFile;
  text: string;
  runbook: Runbook;
  /** What the parser noticed (positions of YAML errors and the like). */
  diagnostics: Diagnostic[];
}

/** Reads and parses a runbook file. */
export function loadLocalRunbook(file: LocalRunbookFile): LoadedRunbook {
  const text = readFileSync(file.path, 'utf8');
  const { runbook, diagnostics } = parseRunbook(text, { filename: file.filename });
  return { file, text, runbook, diagnostics };
}

/**
 * The runbooks of a folder as the server lists them: `*.md` directly inside it, sorted by file
 * name (code-point order), only files whose first line is an H1.
 */
export function listLocalRunbooks(runbooksDir: string, cwd: string): LoadedRunbook[] {
  const dir = resolve(cwd, runbooksDir);
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.name.endsWith('.md') && (entry.isFile() || entry.isSymbolicLink()))
      .map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError('NOT_FOUND', `Runbooks directory not found: ${runbooksDir}`);
    }
    throw error;
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const loaded: LoadedRunbook[] = [];
  for (const filename of names) {
    const path = join(dir, filename);
    try {
      const item = loadLocalRunbook({ path, filename, dir, display: displayPath(path, cwd) });
      if (item.runbook.name !== null) loaded.push(item);
    } catch {
      // Unreadable files are skipped, as the server does.
    }
  }
  return loaded;
}

/** True for a runbook without a Script section: it is for people to read, there is nothing to run. */
export function isDocumentationOnly(runbook: Runbook): boolean {
  return !runbook.sections.some((section) => section.title === 'Script');
}

/** Validates a runbook against an environment, checking inputs relative to its folder. */
export function validateLocalRunbook(
  loaded: LoadedRunbook,
  env: Readonly<Record<string, string | undefined>>,
): ValidationResult {
  return validateRunbook(loaded.runbook, {
    env,
    fileExists: (path) => existsSync(resolve(loaded.file.dir, path)),
    parseDiagnostics: loaded.diagnostics,
  });
}

/**
 * Validation findings plus the parser's own (which carry precise YAML positions), without
 * duplicates, in file order.
 */
export function allDiagnostics(loaded: LoadedRunbook, validation: ValidationResult): Diagnostic[] {
  const seen = new Set<string>();
  const result: Diagnostic[] = [];
  for (const diagnostic of [...validation.diagnostics, ...loaded.diagnostics]) {
    const key = `${diagnostic.code}\u0000${diagnostic.line}\u0000${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(diagnostic);
  }
  return result.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** A run recorded in a runbook's History section (local mode's view of runs). */
export interface LocalRun {
  /** `<file>#<n>`: the n-th History entry (1-based) of that runbook. */
  id: string;
  runbook: string;
  status: RunStatus;
  return_code: number | null;
  finished_at: string;
  stdout: string;
  stderr: string;
  errors: string[];
}

/** Marker the CLI adds to the recorded stderr of a run it canceled. */
export const CANCELED_MARKER = 'Run canceled: interrupted from the terminal.';

/** The status a History entry stands for (History keeps only exit codes and output). */
export function statusOfHistoryEntry(entry: HistoryEntry): RunStatus {
  if (entry.exitCode === 0) return 'success';
  if (entry.exitCode === 403 && entry.error !== undefined) return 'denied';
  if (entry.stderr.includes(CANCELED_MARKER)) return 'canceled';
  if (entry.exitCode === -9 && entry.stderr.includes('Script execution timed out'))
    return 'timeout';
  return 'failure';
}

/** The History entries of runbooks as runs, newest first. */
export function localRuns(runbooks: readonly LoadedRunbook[]): LocalRun[] {
  const runs: LocalRun[] = [];
  for (const loaded of runbooks) {
    loaded.runbook.history.forEach((entry, index) => {
      runs.push({
        id: `${loaded.file.filename}#${index + 1}`,
        runbook: loaded.file.filename,
        status: statusOfHistoryEntry(entry),
        return_code: entry.exitCode,
        finished_at: entry.timestamp,
        stdout: entry.stdout,
        stderr: entry.stderr,
        errors: entry.error === undefined ? [] : [entry.error],
      });
    });
  }
  return runs.sort((a, b) =>
    a.finished_at < b.finished_at ? 1 : a.finished_at > b.finished_at ? -1 : a.id < b.id ? 1 : -1,
  );
}

/** A local runbook in the shape of a `GET /api/runbooks` item (plus the last run from History). */
export function localListItem(loaded: LoadedRunbook): RunbookListItem {
  const last = localRuns([loaded])[0];
  return {
    filename: loaded.file.filename,
    name: loaded.runbook.name ?? loaded.file.filename,
    path: loaded.file.filename,
    description: loaded.runbook.description.trim(),
    required_claims: loaded.runbook.requiredClaims,
    executable: !isDocumentationOnly(loaded.runbook),
    last_run: last
      ? {
          id: last.id,
          status: last.status,
          created_at: last.finished_at,
          finished_at: last.finished_at,
          return_code: last.return_code,
        }
      : null,
  };
}
