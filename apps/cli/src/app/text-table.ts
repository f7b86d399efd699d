import { stripAnsi, visibleWidth, type TerminalStyle } from './terminal-style';

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Total width available; the last column is cut with `…` to fit. */
  maxWidth?: number;
  /** Columns (by index) aligned to the right. */
  alignRight?: readonly number[];
}

/** Renders rows as aligned columns with a dim header line (plain text when colour is off). */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  style: TerminalStyle,
  options: TableOptions = {},
): string {
  const widths = headers.map((header, column) =>
    Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[column] ?? ''))),
  );
  const gap = '  ';
  const lines = [headers, ...rows].map((row, rowIndex) => {
    const cells = headers.map((_, column) => {
      const text = row[column] ?? '';
      const isLast = column === headers.length - 1;
      const pad = ' '.repeat(Math.max(0, (widths[column] ?? 0) - visibleWidth(text)));
      if (isLast) return options.alignRight?.includes(column) ? pad + text : text;
      return options.alignRight?.includes(column) ? pad + text : text + pad;
    });
    let line = cells.join(gap).replace(/\s+$/, '');
    if (options.maxWidth !== undefined && visibleWidth(line) > options.maxWidth) {
      line = truncate(line, options.maxWidth);
    }
    return rowIndex === 0 ? style.bold(line) : line;
  });
  return `${lines.join('\n')}\n`;
}

/** Cuts text to `width` columns with a trailing `…` (styling is dropped from cut lines). */
export function truncate(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  const plain = [...stripAnsi(text)];
  return `${plain.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** `2026-11-22T08:30:01.123Z` → `2026-11-22 08:30:01Z`; other text unchanged. */
export function formatTimestamp(value: string | null | undefined): string {
  if (!value) return '-';
  const match = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    value,
  );
  if (!match) return value;
  const zone =
    match[3] === undefined || match[3] === 'Z' || /^[+-]00:?00$/.test(match[3]) ? 'Z' : match[3];
  return `${match[1]} ${match[2]}${zone}`;
}

/** Milliseconds as `850ms`, `12.3s`, `4m05s` or `2h03m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const totalSeconds = Math.round(seconds);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** The time between two ISO timestamps, formatted; `-` when either is missing. */
export function durationBetween(
  start: string | null | undefined,
  end: string | null | undefined,
): string {
  if (!start || !end) return '-';
  return formatDuration(Date.parse(end) - Date.parse(start));
}
