import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from './cli-error';

/** Folders never searched for runbooks: version control, dependencies, hidden folders. */
function isSkippedFolder(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

function sortedEntries(dir: string): Dirent[] {
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

/** The `*.md` files under `dir`, recursively, in code-point order (symlinked folders are not followed). */
function markdownFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of sortedEntries(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!isSkippedFolder(entry.name)) files.push(...markdownFilesUnder(path));
    } else if (entry.name.endsWith('.md') && (entry.isFile() || isFileLink(entry, path))) {
      files.push(path);
    }
  }
  return files;
}

function isFileLink(entry: Dirent, path: string): boolean {
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(path).isFile();
  } catch {
    return false; // a dangling link is not a file to check
  }
}

/**
 * The absolute paths of the markdown files `runbook lint` checks: each file given, and every
 * `*.md` under each folder given (hidden folders and node_modules left out), without duplicates.
 * A path that does not exist, or a file that is not `.md`, is a usage error.
 */
export function lintTargets(paths: readonly string[], cwd: string): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const given of paths) {
    const path = resolve(cwd, given);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new CliError('NOT_FOUND', `no such file or folder: ${given}`);
      throw error;
    }
    if (!isDirectory && !path.endsWith('.md')) {
      throw new CliError('USAGE', `${given} is not a markdown file: runbooks end in .md`);
    }
    for (const file of isDirectory ? markdownFilesUnder(path) : [path]) {
      if (seen.has(file)) continue;
      seen.add(file);
      result.push(file);
    }
  }
  return result;
}
