/**
 * Reads `X-Recursion-Stack`: a JSON array of strings. Anything else (invalid JSON, not a list,
 * non-string items) counts as no stack, as in the reference.
 */
export function parseRecursionStack(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  } catch {
    return [];
  }
  return [];
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
