/**
 * True when a declared input path leaves the runbook's folder: absolute paths, and relative
 * paths whose `..` segments climb above it. Purely textual; symlinks are checked where files are.
 */
export function isEscapingInputPath(path: string): boolean {
  if (/^([\\/]|[A-Za-z]:[\\/])/.test(path)) return true;
  let depth = 0;
  for (const segment of path.split(/[\\/]+/)) {
    if (segment === '..') depth--;
    else if (segment !== '.' && segment !== '') depth++;
    if (depth < 0) return true;
  }
  return false;
}
