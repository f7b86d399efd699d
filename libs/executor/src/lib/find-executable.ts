import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * The first of `candidates` that is an executable regular file; bare names (no `/`) are looked
 * up in each directory of `searchPath` (a `PATH`-style list). Returns `null` when none is found.
 */
export function findExecutable(candidates: readonly string[], searchPath = ''): string | null {
  for (const candidate of candidates) {
    const paths = candidate.includes('/')
      ? [candidate]
      : searchPath
          .split(delimiter)
          .filter((dir) => isAbsolute(dir))
          .map((dir) => join(dir, candidate));
    for (const path of paths) {
      if (isExecutableFile(path)) return path;
    }
  }
  return null;
}

/** True when `path` is a regular file this process may execute. */
function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
