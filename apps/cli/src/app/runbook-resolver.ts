import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CliError } from './cli-error';
import { closestName } from './did-you-mean';

/** A runbook file on disk and how to name it to the user. */
export interface LocalRunbookFile {
  /** Absolute path. */
  path: string;
  /** File name, e.g. `SimpleRunbook.md` (the runbook's id). */
  filename: string;
  /** Folder holding it (the base of its input paths). */
  dir: string;
  /** Path relative to the working directory when that is shorter (for file:line:column). */
  display: string;
}

/** `Foo` → `Foo.md`; `Foo.md` stays. */
export function withMdExtension(name: string): string {
  return name.endsWith('.md') ? name : `${name}.md`;
}

/** The file name a server knows a runbook by: the last path segment, `.md` added when missing. */
export function remoteRunbookFilename(argument: string): string {
  const name =
    argument
      .split(/[\\/]/)
      .filter((part) => part !== '')
      .pop() ?? argument;
  return withMdExtension(name);
}

/** How to show `path` to the user: relative to `cwd` unless that climbs out of it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/**
 * Finds a runbook given as a path (`./ops/Deploy.md`, `/srv/runbooks/Deploy.md`) or as a name in
 * the runbooks folder (`Deploy` or `Deploy.md`). Only `.md` files are runbooks.
 */
export function resolveLocalRunbook(
  argument: string,
  runbooksDir: string,
  cwd: string,
): LocalRunbookFile {
  if (argument.trim() === '') throw new CliError('USAGE', 'a runbook name or path is required');
  const looksLikePath =
    argument.includes('/') || argument.includes(sep) || argument.startsWith('.');
  const fromCwd = resolve(cwd, argument);
  let path: string;
  if (looksLikePath || (argument.endsWith('.md') && existsSync(fromCwd))) {
    path = fromCwd;
    if (!existsSync(path)) throw new CliError('NOT_FOUND', `Runbook not found: ${argument}`);
  } else {
    const folder = resolve(cwd, runbooksDir);
    path = resolve(folder, withMdExtension(argument));
    if (!existsSync(path)) {
      const hint =
        folder === resolve(cwd)
          ? '; pass --runbooks-dir DIR or set RUNBOOKS_DIR to look elsewhere'
          : '';
      const suggestion = closestName(withMdExtension(argument), markdownFilesIn(folder));
      throw new CliError(
        'NOT_FOUND',
        `Runbook not found: ${withMdExtension(argument)} (looked in ${displayPath(folder, cwd) || '.'}${hint})${suggestion ? `; did you mean ${suggestion}?` : ''}`,
      );
    }
  }
  if (statSync(path).isDirectory()) {
    throw new CliError('USAGE', `${argument} is a folder; give a runbook file (*.md)`);
  }
  if (!path.endsWith('.md')) {
    throw new CliError(
      'USAGE',
      `${argument} is not a runbook: runbooks are markdown files ending in .md`,
    );
  }
  return { path, filename: basename(path), dir: dirname(path), display: displayPath(path, cwd) };
}

/** The `.md` file names in a folder ([] when it cannot be read). */
function markdownFilesIn(folder: string): string[] {
  try {
    return readdirSync(folder).filter((name) => name.endsWith('.md'));
  } catch {
    return [];
  }
}
