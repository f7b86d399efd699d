import { normalizeText } from './normalize-text';
import type { HistoryEntry } from './runbook';

/** What one run contributes to a runbook's History section. */
export interface HistoryEntryInput {
  /** Finish time; a Date or an ISO string is written as `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
  timestamp: Date | string;
  exitCode: number;
  stdout?: string;
  stderr?: string;
  /** An error block (the reference writes RBAC denials this way, with exit code 403). */
  error?: string;
  /** Who approved (or rejected) the run, one line: `**Approval:** <text>` after the header. */
  approval?: string;
}

const FENCE = '```';
const ESCAPED_FENCE = '\\`\\`\\`';

/** Escapes triple backticks so captured output can never close the entry's fence. */
function escapeFences(text: string): string {
  return text.split(FENCE).join(ESCAPED_FENCE);
}

function unescapeFences(text: string): string {
  return text.split(ESCAPED_FENCE).join(FENCE);
}

function formatTimestamp(timestamp: Date | string): string {
  const date = typeof timestamp === 'string' ? new Date(timestamp) : timestamp;
  return Number.isNaN(date.getTime()) ? String(timestamp) : date.toISOString();
}

/**
 * Formats one markdown history entry exactly as the reference appends it: a `### <time> | Exit
 * Code: N` header, then fenced `**Stdout:**`, `**Stderr:**` and `**Error:**` blocks for the parts
 * that are non-empty.
 */
export function formatHistoryEntry(entry: HistoryEntryInput): string {
  let text = `\n### ${formatTimestamp(entry.timestamp)} | Exit Code: ${entry.exitCode}\n\n`;
  if (entry.approval) {
    // One line, never a fence or a heading: a reason cannot add structure to the file.
    const line = entry.approval.replace(/\s+/g, ' ').split('`').join("'").trim();
    text += `**Approval:** ${line}\n\n`;
  }
  if (entry.stdout) text += `**Stdout:**\n${FENCE}\n${escapeFences(entry.stdout)}\n${FENCE}\n\n`;
  if (entry.stderr) text += `**Stderr:**\n${FENCE}\n${escapeFences(entry.stderr)}\n${FENCE}\n`;
  if (entry.error) {
    if (entry.stderr) text += '\n';
    text += `**Error:**\n${FENCE}\n${escapeFences(entry.error)}\n${FENCE}\n`;
  }
  return text;
}

const CURRENT_HEADER = /^### (\S+) \| Exit Code: (-?\d+)\s*$/;
const LEGACY_HEADER = /^## (\d{4}-\d{2}-\d{2}[tT ][\d:.]+\S*)\s*$/;
const LEGACY_RETURN_CODE = /^(?:-\s*)?Return Code:\s*(-?\d+)/;
const BLOCK_LABELS: Record<string, 'stdout' | 'stderr' | 'error'> = {
  '**Stdout:**': 'stdout',
  '**Stderr:**': 'stderr',
  '**Error:**': 'error',
  '### stdout': 'stdout',
  '### stderr': 'stderr',
};

type Part = 'stdout' | 'stderr' | 'error';

/** Reads the fenced block starting at `start` (the fence line); returns its text and end line. */
function readFence(lines: string[], start: number): { text: string; next: number } | null {
  const open = /^(`{3,}|~{3,})\s*$/.exec(lines[start]?.trim() ?? '');
  if (!open?.[1]) return null;
  const closer = open[1];
  const body: string[] = [];
  let index = start + 1;
  while (index < lines.length && lines[index] !== closer) body.push(lines[index++] ?? '');
  return { text: unescapeFences(body.join('\n')), next: index + 1 };
}

/** Reads the labelled output blocks that follow a header, until the next entry header. */
function readParts(lines: string[], from: number, isHeader: (line: string) => boolean) {
  const parts: Partial<Record<Part, string>> = {};
  let index = from;
  let exitCode: number | null = null;
  while (index < lines.length && !isHeader(lines[index] ?? '')) {
    const line = (lines[index] ?? '').trim();
    const returnCode = LEGACY_RETURN_CODE.exec(line);
    if (returnCode?.[1]) exitCode = Number(returnCode[1]);
    const part = BLOCK_LABELS[line];
    if (part) {
      let fenceLine = index + 1;
      while (fenceLine < lines.length && (lines[fenceLine] ?? '').trim() === '') fenceLine++;
      const fence = readFence(lines, fenceLine);
      if (fence) {
        parts[part] = fence.text;
        index = fence.next;
        continue;
      }
    }
    index++;
  }
  return { parts, next: index, exitCode };
}

function isEntryHeader(line: string): boolean {
  return CURRENT_HEADER.test(line) || LEGACY_HEADER.test(line) || isJsonRecordLine(line);
}

function isJsonRecordLine(line: string): boolean {
  return line.startsWith('{') && line.trimEnd().endsWith('}');
}

function readJsonRecord(line: string, lineNumber: number): HistoryEntry | null {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof record !== 'object' || record === null) return null;
  const fields = record as Record<string, unknown>;
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const errors = Array.isArray(fields['errors']) ? fields['errors'].map(String) : [];
  const entry: HistoryEntry = {
    format: 'legacy-json',
    timestamp: text(fields['finish_timestamp']) || text(fields['start_timestamp']),
    exitCode: typeof fields['return_code'] === 'number' ? fields['return_code'] : null,
    stdout: text(fields['stdout']),
    stderr: text(fields['stderr']),
    line: lineNumber,
  };
  if (errors.length > 0) entry.error = errors.join('\n');
  return entry;
}

/**
 * Reads history entries back from markdown: the current `### <time> | Exit Code: N` format and
 * the two legacy ones (`## <time>` with `Return Code:` bullets, and one JSON record per line).
 * `firstLine` is the 1-based line number of `text`'s first line in its file. Never throws.
 */
export function parseHistoryEntries(text: string, firstLine = 1): HistoryEntry[] {
  const lines = normalizeText(text).split('\n');
  const entries: HistoryEntry[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    const current = CURRENT_HEADER.exec(line);
    const legacy = current ? null : LEGACY_HEADER.exec(line);
    if (current?.[1] || legacy?.[1]) {
      const { parts, next, exitCode } = readParts(lines, index + 1, isEntryHeader);
      const entry: HistoryEntry = {
        format: current ? 'markdown' : 'legacy-markdown',
        timestamp: (current?.[1] ?? legacy?.[1]) as string,
        exitCode: current?.[2] !== undefined ? Number(current[2]) : exitCode,
        stdout: parts.stdout ?? '',
        stderr: parts.stderr ?? '',
        line: firstLine + index,
      };
      if (parts.error !== undefined) entry.error = parts.error;
      entries.push(entry);
      index = next;
      continue;
    }
    if (isJsonRecordLine(line)) {
      const entry = readJsonRecord(line, firstLine + index);
      if (entry) entries.push(entry);
    }
    index++;
  }
  return entries;
}
