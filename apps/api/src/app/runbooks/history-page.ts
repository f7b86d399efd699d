import { stat } from 'node:fs/promises';

import { parseHistoryEntries, SECTION_TITLES } from '@runbooks/runbook-format';

import { AppError } from '../errors/app-error';
import { readHistoryPage } from '../catalog/history-window';
import type { CatalogEntry } from '../catalog/runbook-catalog.service';

/** One page of a runbook's History, with and without output. */
export interface HistoryPage {
  content: string;
  /** The same entries, headings only (time and exit code), for callers who may not see output. */
  headings: string;
  /** Byte offset the previous page ends at, or null when this page starts at the first entry. */
  older: number | null;
}

/**
 * Reads the History page that `query` asks for (`before`: a byte offset of the file, default its
 * end; `max_bytes`: at most `budgetBytes`, the default). Bad numbers are a 400.
 */
export async function historyPage(
  entry: CatalogEntry,
  query: Record<string, unknown>,
  budgetBytes: number,
): Promise<HistoryPage> {
  const entriesStart = entry.historyWindow?.entriesStart ?? entriesStartOf(entry);
  if (entriesStart === null) return { content: '', headings: '', older: null };
  const size = (await stat(entry.path)).size;
  const before = Math.min(size, offsetParam(query['before'], 'before') ?? size);
  const maxBytes = Math.min(
    budgetBytes,
    offsetParam(query['max_bytes'], 'max_bytes') ?? budgetBytes,
  );
  if (maxBytes < 1) throw new AppError('BAD_REQUEST', 'max_bytes must be at least 1');
  const page = await readHistoryPage(entry.path, { entriesStart }, before, maxBytes);
  return { ...page, headings: headingsOf(page.content) };
}

/** Byte offset just after the `# History` heading line of a runbook read whole; null without one. */
function entriesStartOf(entry: CatalogEntry): number | null {
  const section = entry.parsed.runbook.sections.find(
    (candidate) => candidate.title === SECTION_TITLES.history,
  );
  if (section === undefined) return null;
  const lines = entry.text.split('\n').slice(0, section.headingLine);
  return Buffer.byteLength(`${lines.join('\n')}\n`, 'utf8');
}

function offsetParam(value: unknown, name: string): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    throw new AppError('BAD_REQUEST', `${name} must be a non-negative integer (a byte offset)`);
  }
  return Number(value);
}

/** Each entry's heading only: no output, no error block, nothing of a page without an entry. */
function headingsOf(content: string): string {
  return parseHistoryEntries(content)
    .map((entry) => {
      const time = entry.timestamp.replace(/[^\w:.+-]/g, '') || 'unknown-time';
      return entry.exitCode === null
        ? `## ${time}\n`
        : `\n### ${time} | Exit Code: ${entry.exitCode}\n`;
    })
    .join('');
}
