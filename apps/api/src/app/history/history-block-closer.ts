import { closeOpenBlocks } from '@runbooks/runbook-format';

/** How much of a runbook's end the History appender checks for an open block (bounded work). */
export const HISTORY_CLOSE_CHECK_BYTES = 1024 * 1024;

const ENTRY_HEADING = /^### \S+ \| Exit Code: -?\d+[ \t]*$/m;

/**
 * What to write before a History entry so it starts outside any open block (L8). `text` is the
 * whole runbook, or (`partial`) only its last {@link HISTORY_CLOSE_CHECK_BYTES}: then it is read
 * from its first entry heading on, taken as a point outside any block (entries are written that
 * way), so a huge History costs a bounded parse instead of the whole file on the event loop.
 */
export function closeOpenHistoryBlocks(text: string, partial: boolean): string {
  if (!partial) return closeOpenBlocks(text);
  const start = ENTRY_HEADING.exec(text)?.index ?? 0;
  return closeOpenBlocks(text.slice(start));
}
