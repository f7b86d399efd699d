import type { RunRecord } from '@runbooks/types';

import type { McpOutputLine } from './runbooks-mcp-backend';

/** A small, valid runbook that uses every common section (the draft prompt's example). */
export const EXAMPLE_RUNBOOK = `# RestartWorker
Restarts one worker service and checks that it answers again. Use it when a worker is stuck
(health check failing, queue not draining). Do not use it for the database or the API.

# Environment Requirements
\`\`\`yaml
SERVICE_NAME: Name of the worker service to restart, e.g. billing-worker
\`\`\`

# File System Requirements
\`\`\`yaml
Input: []
\`\`\`

# Required Claims
\`\`\`yaml
roles: sre
\`\`\`

# Script
\`\`\`sh
#!/bin/zsh
setopt err_exit no_unset

print -r -- "Restarting $SERVICE_NAME"
systemctl restart "$SERVICE_NAME"
sleep 2
systemctl is-active "$SERVICE_NAME"
print -r -- "$SERVICE_NAME is running again"
\`\`\`

# History
`;

/** The `draft-runbook` prompt: teaches the runbook format and asks for a runbook doing `description`. */
export function draftRunbookPrompt(description: string): string {
  return [
    'Write a runbook for the Runbooks server that does the following:',
    '',
    description,
    '',
    'A runbook is one markdown file that a person can read and the server can run. Rules:',
    '- The first line is an H1 with the runbook name; the paragraph under it says what the runbook is for and when not to use it.',
    '- Each section is an H1 with a fenced block:',
    '  - "# Environment Requirements": a ```yaml block mapping each variable NAME to a description. Only declared variables reach the script.',
    '  - "# File System Requirements": a ```yaml block with `Input:` listing files (relative to the runbooks folder) the script needs; `Input: []` when none.',
    '  - "# Required Claims": a ```yaml block mapping token claims to the values allowed to run it (e.g. `roles: sre`). Omit it only if anyone may run it.',
    '  - "# Script": one ```sh (or zsh/bash/shell) block. It runs under zsh in an empty directory of its own, with only the declared variables; start with `#!/bin/zsh` and `setopt err_exit no_unset` so a failing command fails the run.',
    '  - "# History": left empty; the server appends an entry after every run.',
    '- Keep the script idempotent where possible, print what it does, and exit non-zero on failure.',
    '- Never put secrets in the file: declare them as variables.',
    '',
    'A complete, valid example:',
    '',
    '````markdown',
    EXAMPLE_RUNBOOK.trimEnd(),
    '````',
    '',
    'Answer with the markdown of the new runbook only. Check it with validate_runbook once it is saved on the server.',
  ].join('\n');
}

/** The `diagnose-failed-run` prompt: the run's record and output, and what to find out. */
export function diagnoseRunPrompt(run: RunRecord, lines: readonly McpOutputLine[]): string {
  const { stdout: _stdout, stderr: _stderr, ...record } = run;
  const output =
    lines.length > 0
      ? lines.map((line) => `${line.stream === 'stderr' ? '[stderr] ' : ''}${line.text}`).join('\n')
      : '(no output was recorded)';
  return [
    `Run ${run.id} of runbook ${run.runbook} ended with status "${run.status}" (return code ${String(run.return_code)}).`,
    'Find out why it failed and what to do next. Read the runbook with get_runbook if the script matters, and say which line of output shows the cause.',
    'Do not start the runbook again before the cause is understood.',
    '',
    'Run record:',
    '```json',
    JSON.stringify(record, null, 2),
    '```',
    '',
    'Output (the last lines, stderr marked):',
    '```text',
    output,
    '```',
  ].join('\n');
}

/** The last `maxLines` lines of a run's tails as one string (stderr after stdout). */
export function outputTail(stdout: string, stderr: string, maxLines = 20): string {
  const lines = [...splitLines(stdout), ...splitLines(stderr)];
  return lines.slice(-maxLines).join('\n');
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}
