import type { Runbook, SectionRange } from '@runbooks/runbook-format';

/** Title of the section runs append to (shown as a timeline, not as markdown). */
const HISTORY_TITLE = 'History';

/** The lines of a section's body (after its heading), as markdown. */
export function sectionBody(content: string, section: SectionRange): string {
  const lines = content.replace(/\r\n?/g, '\n').split('\n');
  return lines
    .slice(section.startLine - 1, section.endLine)
    .join('\n')
    .trim();
}

/** The runbook's markdown without its History section (which only grows with each run). */
export function withoutHistory(content: string, runbook: Runbook): string {
  const history = runbook.sections.find((s) => s.title === HISTORY_TITLE);
  if (!history) return content;
  const lines = content.replace(/\r\n?/g, '\n').split('\n');
  lines.splice(history.headingLine - 1, history.endLine - history.headingLine + 1);
  return lines.join('\n').trimEnd() + '\n';
}

/** Sections other than the well-known ones, for the overview. */
export function customSections(runbook: Runbook): SectionRange[] {
  const known = new Set([
    'Environment Requirements',
    'File System Requirements',
    'Required Claims',
    'Script',
    HISTORY_TITLE,
  ]);
  return runbook.sections.filter((s) => !known.has(s.title));
}

/** Claims as display rows: `roles` → `sre, api`. */
export function claimRows(runbook: Runbook): { claim: string; values: string[] }[] {
  if (!runbook.requiredClaims) return [];
  return Object.entries(runbook.requiredClaims).map(([claim, values]) => ({ claim, values }));
}
