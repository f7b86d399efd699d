import { parseHistoryEntries } from './history-entry';
import { normalizeText } from './normalize-text';
import { SECTION_TITLES, type HistoryEntry, type Runbook } from './runbook';
import { findSection } from './runbook-sections';

const ENTRY_HEADER = /^### \S+ \| Exit Code: -?\d+\s*$/;

/**
 * The runbook's text with its History reduced to each entry's heading (time and exit code): no
 * output, no error blocks. For readers who may not see what runs printed. Everything from the
 * first `# History` heading to the end of the file is replaced (run entries are appended at the
 * end, so nothing after that heading is trusted to be free of output); without a History
 * section, from the first entry heading on. `runbook` is the parse of `text`.
 */
export function withoutHistoryOutput(text: string, runbook: Runbook): string {
  const lines = normalizeText(text).split('\n');
  const history = findSection(runbook.sections, SECTION_TITLES.history);
  const cut = history
    ? history.headingLine - 1
    : lines.findIndex((line) => ENTRY_HEADER.test(line));
  if (cut < 0) return lines.join('\n');
  const entries = history ? runbook.history : parseHistoryEntries(lines.slice(cut).join('\n'));
  const kept = lines.slice(0, cut);
  kept.push(`# ${SECTION_TITLES.history}`, '');
  for (const entry of entries) kept.push(entryHeading(entry), '');
  return kept.join('\n');
}

/** The heading of an entry in the current format (legacy entries without an exit code: `## <time>`). */
function entryHeading(entry: HistoryEntry): string {
  const time = entry.timestamp.replace(/[^\w:.+-]/g, '') || 'unknown-time';
  return entry.exitCode === null ? `## ${time}` : `### ${time} | Exit Code: ${entry.exitCode}`;
}
