import { parseHistoryEntries, type ParseResult } from '@runbooks/runbook-format';

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * Whether `lines` end outside any fenced code block (CommonMark fences: a run of at least three
 * backticks or tildes, closed by a run of the same character at least as long, with nothing
 * after it).
 */
export function endsOutsideFence(lines: readonly string[]): boolean {
  let open: string | null = null;
  for (const line of lines) {
    const match = FENCE.exec(line);
    if (!match?.[1]) continue;
    const run = match[1];
    if (open === null) {
      // A backtick fence's info string may not contain backticks.
      if (run.startsWith('`') && (match[2] ?? '').includes('`')) continue;
      open = run;
    } else if (run[0] === open[0] && run.length >= open.length && (match[2] ?? '').trim() === '') {
      open = null;
    }
  }
  return open === null;
}

/**
 * The parse of `oldText + entry` derived from the parse of `oldText`, without parsing the whole
 * file again, or null when that is not safe. It is safe when History is the last section and the
 * old text ends outside a fence: then a history entry (whose own fences are balanced and whose
 * output is fence-escaped) can only add one entry to the History section and lengthen it.
 * Appending to a runbook with a long history is then O(entry), not O(file).
 */
export function parseWithAppendedEntry(
  previous: ParseResult,
  oldText: string,
  entry: string,
): ParseResult | null {
  const { runbook } = previous;
  const last = runbook.sections.at(-1);
  if (!last || last.title !== 'History' || runbook.isEmpty) return null;
  const oldLines = oldText.split('\n');
  if (!endsOutsideFence(oldLines.slice(last.headingLine - 1))) return null;
  const totalLines = oldLines.length + entry.split('\n').length - 1;
  const added = parseHistoryEntries(oldLines.at(-1) + entry, oldLines.length);
  if (added.length !== 1) return null;
  return {
    diagnostics: previous.diagnostics,
    runbook: {
      ...runbook,
      history: [...runbook.history, ...added],
      sections: [
        ...runbook.sections.slice(0, -1),
        { ...last, endLine: totalLines, isEmpty: false },
      ],
    },
  };
}
