import { AppError } from '../errors/app-error';

/**
 * Checks a runbook file name from a URL before anything touches the disk: a plain `*.md` name
 * directly in the runbooks folder. Traversal attempts (separators, `..`, NUL, hidden names) are
 * 400; names that are not markdown are not runbooks (404).
 */
export function checkRunbookFilename(filename: string): string {
  const looksLikeTraversal =
    filename === '' ||
    /[/\\\0]/.test(filename) ||
    filename.includes('..') ||
    filename.startsWith('.') ||
    filename.length > 255;
  if (looksLikeTraversal) {
    throw new AppError('INVALID_FILENAME', `Invalid runbook filename: ${JSON.stringify(filename)}`);
  }
  if (!filename.endsWith('.md')) throw new AppError('NOT_FOUND', `Runbook not found: ${filename}`);
  return filename;
}
