import { createHash } from 'node:crypto';

import { textBeforeHistory } from '@runbooks/runbook-format';

/**
 * Hex SHA-256 of a runbook's text before its `# History` line (UTF-8): the same for every History
 * append, different after any other edit. Recorded on every run; an approved run starts only if
 * it still matches.
 */
export function runbookSha256(text: string): string {
  return createHash('sha256').update(textBeforeHistory(text), 'utf8').digest('hex');
}
