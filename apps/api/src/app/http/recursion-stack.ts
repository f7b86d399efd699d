import { isHeaderSafe } from '@runbooks/executor';

/** Longest stack entry we accept (a runbook file name). */
const MAX_ENTRY_LENGTH = 255;

/** True when a stack entry is a runbook file name that is also safe in a shell header value. */
function isStackEntry(item: unknown): item is string {
  return (
    typeof item === 'string' &&
    item.length <= MAX_ENTRY_LENGTH &&
    item.endsWith('.md') &&
    !item.startsWith('.') &&
    !item.includes('..') &&
    isHeaderSafe(item)
  );
}

/**
 * Reads `X-Recursion-Stack`: a JSON array of runbook file names. Anything else (invalid JSON, not a
 * list, an entry that is not a plain `*.md` name or holds a shell metacharacter) counts as no
 * stack: its entries end up in the script's `RUNBOOK_H_RECUR`, so nothing else may get through.
 */
export function parseRecursionStack(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every(isStackEntry)) return value;
  } catch {
    return [];
  }
  return [];
}

/** The `runbook-parent` parameter of a request's Content-Type (the nesting proof), if any. */
export function nestingProofOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const match = /;\s*runbook-parent=([A-Za-z0-9._-]{1,200})\s*(?:;|$)/i.exec(contentType);
  return match?.[1];
}

/** Why a call is refused before anything runs, or null when it may proceed. */
export function recursionRefusal(
  filename: string,
  stack: readonly string[],
  maxDepth: number,
): string | null {
  if (stack.includes(filename)) {
    return `Recursion detected: Runbook ${filename} already in execution chain: ${JSON.stringify(stack)}`;
  }
  if (stack.length >= maxDepth)
    return `Recursion depth limit exceeded: ${stack.length} (max: ${maxDepth})`;
  return null;
}
