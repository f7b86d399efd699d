import { promises as fs } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Copies a runbook's declared inputs into the run directory with the reference's rules (§5.3):
 * paths are relative to the runbook's folder and resolved through symlinks; anything outside that
 * folder, missing, or neither file nor folder is an error; files land at `<runDir>/<basename>`,
 * folders are merged into `<runDir>/<basename>/` (symlinks inside them are followed, but a link
 * leading out of the runbook folder is a copy error). Returns the error messages (empty = success).
 */
export async function copyInputs(
  runbookDir: string,
  inputs: readonly string[],
  runDirPath: string,
): Promise<string[]> {
  const errors: string[] = [];
  const root = await resolveLikePython(resolve(runbookDir));
  for (const input of inputs) {
    const source = await resolveLikePython(isAbsolute(input) ? input : `${root}${sep}${input}`);
    if (!isInside(root, source)) {
      errors.push(`Input path escapes runbook directory: ${input}`);
      continue;
    }
    let stats;
    try {
      stats = await fs.stat(source);
    } catch {
      errors.push(`Input file/folder does not exist: ${input}`);
      continue;
    }
    const target = join(runDirPath, basename(source));
    try {
      if (stats.isFile()) {
        await fs.cp(source, target, { force: true, preserveTimestamps: true });
      } else if (stats.isDirectory()) {
        await copyFolder(root, source, target);
      } else {
        errors.push(`Input path is neither file nor directory: ${input}`);
      }
    } catch (error) {
      errors.push(`Failed to copy input ${input}: ${errorText(error)}`);
    }
  }
  return errors;
}

/** Merges a folder into `target`, following symlinks that stay inside `root`. */
async function copyFolder(root: string, source: string, target: string): Promise<void> {
  await fs.cp(source, target, {
    recursive: true,
    force: true,
    dereference: true,
    preserveTimestamps: true,
    filter: async (entry: string) => {
      const real = await resolveLikePython(entry);
      if (!isInside(root, real)) {
        throw new Error(`link escapes runbook directory: ${relative(source, entry) || '.'}`);
      }
      return true;
    },
  });
}

/**
 * `pathlib.Path.resolve()` (non-strict): the real path when it exists, otherwise the longest
 * existing ancestor resolved through symlinks (dangling links followed) plus the remaining names.
 */
export async function resolveLikePython(path: string, depth = 0): Promise<string> {
  try {
    return await fs.realpath(path);
  } catch {
    const absolute = resolve(path);
    const parent = dirname(absolute);
    if (parent === absolute || depth > 40) return absolute;
    const joined = join(await resolveLikePython(parent, depth + 1), basename(absolute));
    try {
      const link = await fs.readlink(joined);
      return await resolveLikePython(resolve(dirname(joined), link), depth + 1);
    } catch {
      return joined;
    }
  }
}

/** True when `path` is `root` or below it. */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The message of a thrown value. */
function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
