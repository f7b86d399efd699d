import type { Runbook, SectionRange } from '@runbooks/runbook-format';

/** Title of the section runs append to (shown as a timeline, not as markdown). */
const HISTORY_TITLE = 'History';
/** Title of the optional section that lets a lost run be run again (distributed mode). */
const RETRY_TITLE = 'Retry Policy';
/** Title of the optional four-eyes gate. */
const APPROVAL_TITLE = 'Approval';

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
    RETRY_TITLE,
    APPROVAL_TITLE,
    'Schedule',
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

/**
 * What the runbook's Retry Policy means for its runs, or null when it has none (a lost run is
 * never run again). `readable` is false when the section cannot be read (it fails validation).
 */
export function retrySummary(runbook: Runbook): { readable: boolean; text: string } | null {
  if (!runbook.sections.some((s) => s.title === RETRY_TITLE)) return null;
  const policy = runbook.retryPolicy;
  if (!policy) {
    return {
      readable: false,
      text: 'The Retry Policy block cannot be read, so the runbook will not validate.',
    };
  }
  if (policy.maxAttempts <= 1) return { readable: true, text: 'A lost run is never run again.' };
  return {
    readable: true,
    text: `When the worker running it is lost, the run is run again: up to ${policy.maxAttempts} attempts in all.`,
  };
}

/** What the runbook's Approval section means for its runs, or null when it has none. */
export function approvalSummary(runbook: Runbook): {
  readable: boolean;
  text: string;
  approvers: { claim: string; values: string[] }[];
} | null {
  if (!runbook.sections.some((s) => s.title === APPROVAL_TITLE)) return null;
  const gate = runbook.approval;
  if (!gate) {
    return {
      readable: false,
      text: 'The Approval block cannot be read, so every run is refused until it is fixed.',
      approvers: [],
    };
  }
  const who = gate.allowSelfApproval ? 'any approver' : 'approvers other than the requester';
  return {
    readable: true,
    text: `Each run waits for ${gate.count} approval${gate.count === 1 ? '' : 's'} by ${who}; a request expires after ${formatSeconds(gate.expiresAfterSeconds)}.`,
    approvers: Object.entries(gate.approvers).map(([claim, values]) => ({ claim, values })),
  };
}

function formatSeconds(seconds: number): string {
  for (const [unit, size] of [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ] as const) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}
