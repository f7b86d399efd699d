import { open } from 'node:fs/promises';

import {
  parseHistoryEntries,
  parseRunbook,
  SECTION_TITLES,
  type ParseResult,
} from '@runbooks/runbook-format';

/** Which part of a large runbook's History a reader gets: the newest entries, within a budget. */
export interface HistoryWindow {
  /** Byte offset just after the `# History` heading line: where History's entries start. */
  entriesStart: number;
  /** Byte offset of the oldest entry shown; everything between `entriesStart` and it is omitted. */
  shownFrom: number;
  /** Bytes of History left out (older entries), readable page by page. */
  omittedBytes: number;
}

/** A large runbook as read: the part before History, the heading, and the newest entries. */
export interface WindowedRunbook {
  text: string;
  parsed: ParseResult;
  window: HistoryWindow;
}

/** How far into a file the History heading is looked for; a runbook's own sections are small. */
const HEAD_SEARCH_BYTES = 4 * 1024 * 1024;
const HEAD_STEP_BYTES = 64 * 1024;
const HISTORY_HEADING = /^ {0,3}# +History[ \t]*$/gm;
/** An entry's first line, in the current or the legacy format (see `parseHistoryEntries`). */
const ENTRY_HEADER = /^(?:### \S+ \| Exit Code: -?\d+|## \d{4}-\d{2}-\d{2}[tT ][\d:.]+\S*)[ \t]*$/m;

/**
 * Reads a runbook too large to parse whole on a request: the text up to and including its
 * `# History` heading (parsed as usual), then only the newest entries that fit in `budgetBytes`,
 * starting at an entry's first line. Everything after the heading is History, as in
 * `withoutHistoryOutput`: the shown entries are read with `parseHistoryEntries`, never as
 * sections. Null when no History heading is found within the first 4 MiB (read it whole).
 */
export async function readWindowedRunbook(
  path: string,
  size: number,
  budgetBytes: number,
  filename: string,
): Promise<WindowedRunbook | null> {
  const handle = await open(path, 'r');
  try {
    const head = await readHead(handle, size, filename);
    if (head === null) return null;
    const entriesStart = Buffer.byteLength(head.text, 'utf8');
    const from = Math.max(entriesStart, size - budgetBytes);
    const tail = (await readRange(handle, from, size - from)).toString('utf8');
    const entries = from === entriesStart ? tail : fromFirstEntry(tail);
    const shownFrom = size - Buffer.byteLength(entries, 'utf8');
    const omittedBytes = shownFrom - entriesStart;
    const note =
      omittedBytes > 0
        ? `\n_${omittedBytes} bytes of older History are not shown here (GET /api/runbooks/${filename}/history?before=${shownFrom})._\n`
        : '';
    const text = head.text + note + entries;
    return {
      text,
      parsed: withEntries(head.parsed, text, entries),
      window: { entriesStart, shownFrom, omittedBytes },
    };
  } finally {
    await handle.close();
  }
}

/**
 * One page of History older than byte `before`: at most `maxBytes`, starting at an entry's first
 * line when the page holds one (else the raw bytes, part of one large entry). `older` is where the
 * next page ends (null at the first entry).
 */
export async function readHistoryPage(
  path: string,
  window: Pick<HistoryWindow, 'entriesStart'>,
  before: number,
  maxBytes: number,
): Promise<{ content: string; older: number | null }> {
  const end = Math.max(window.entriesStart, before);
  const start = Math.max(window.entriesStart, end - maxBytes);
  const handle = await open(path, 'r');
  try {
    const raw = (await readRange(handle, start, end - start)).toString('utf8');
    const aligned = start === window.entriesStart ? raw : fromFirstEntry(raw);
    const content = aligned === '' ? raw : aligned;
    const pageStart = end - Buffer.byteLength(content, 'utf8');
    return { content, older: pageStart > window.entriesStart ? pageStart : null };
  } finally {
    await handle.close();
  }
}

async function readRange(
  handle: Awaited<ReturnType<typeof open>>,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, length));
  let read = 0;
  while (read < buffer.length) {
    const { bytesRead } = await handle.read(buffer, read, buffer.length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buffer.subarray(0, read);
}

/**
 * The start of the file up to its History heading, read in growing steps: a runbook's own
 * sections are usually a few KiB, so most files cost one small read and parse.
 */
async function readHead(
  handle: Awaited<ReturnType<typeof open>>,
  size: number,
  filename: string,
): Promise<{ text: string; parsed: ParseResult } | null> {
  for (let length = HEAD_STEP_BYTES; ; length *= 4) {
    const bytes = await readRange(handle, 0, Math.min(size, length, HEAD_SEARCH_BYTES));
    const head = findHistoryHeading(bytes.toString('utf8'), filename);
    if (head !== null || bytes.length >= Math.min(size, HEAD_SEARCH_BYTES)) return head;
  }
}

/** The text up to and including the first line the parser reads as the `# History` heading. */
function findHistoryHeading(
  text: string,
  filename: string,
): { text: string; parsed: ParseResult } | null {
  for (const match of text.matchAll(HISTORY_HEADING)) {
    const lineEnd = text.indexOf('\n', match.index);
    if (lineEnd < 0) return null;
    const prefix = text.slice(0, lineEnd + 1);
    const parsed = parseRunbook(prefix, { filename });
    const last = parsed.runbook.sections.at(-1);
    const line = prefix.split('\n').length - 1;
    if (last?.title === SECTION_TITLES.history && last.headingLine === line) {
      return { text: prefix, parsed };
    }
  }
  return null;
}

/** `text` from its first entry line on ('' when it holds none). */
function fromFirstEntry(text: string): string {
  const firstLineEnd = text.indexOf('\n');
  if (firstLineEnd < 0) return '';
  const rest = text.slice(firstLineEnd + 1);
  const match = ENTRY_HEADER.exec(rest);
  return match === null ? '' : rest.slice(match.index);
}

/** The head's parse with History holding the shown entries and reaching the end of `text`. */
function withEntries(head: ParseResult, text: string, entries: string): ParseResult {
  const { runbook } = head;
  const last = runbook.sections.at(-1);
  if (!last) return head;
  const totalLines = text.split('\n').length;
  const firstEntryLine = totalLines - entries.split('\n').length + 1;
  return {
    diagnostics: head.diagnostics,
    runbook: {
      ...runbook,
      history: parseHistoryEntries(entries, firstEntryLine),
      sections: [
        ...runbook.sections.slice(0, -1),
        { ...last, endLine: totalLines, isEmpty: entries.trim() === '' },
      ],
    },
  };
}
