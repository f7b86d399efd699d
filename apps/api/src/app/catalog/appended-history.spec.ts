import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { formatHistoryEntry, parseRunbook } from '@runbooks/runbook-format';

import { endsOutsideFence, parseWithAppendedEntry } from './appended-history';

const SAMPLES = join(__dirname, '../../../../../samples/runbooks');

const entries = [
  formatHistoryEntry({
    timestamp: new Date('2026-11-22T07:17:51.447Z'),
    exitCode: 0,
    stdout: 'hello\n# Not a heading\n```\nfenced\n```\n',
    stderr: '',
  }),
  formatHistoryEntry({
    timestamp: new Date('2026-11-22T07:18:00.000Z'),
    exitCode: 403,
    stdout: '',
    stderr: '',
    error: 'RBAC Failure: Access denied for user u.',
  }),
  formatHistoryEntry({
    timestamp: new Date('2026-11-22T07:19:00.000Z'),
    exitCode: -9,
    stdout: 'partial',
    stderr: '\nScript execution timed out after 1 seconds. The script was terminated.\n',
  }),
];

describe('parseWithAppendedEntry', () => {
  const samples = readdirSync(SAMPLES).filter((name) => name.endsWith('.md'));

  it.each(samples)('equals a full parse after appending entries to %s', (name) => {
    let text = readFileSync(join(SAMPLES, name), 'utf8');
    let parsed = parseRunbook(text, { filename: name });
    for (const entry of entries) {
      const derived = parseWithAppendedEntry(parsed, text, entry);
      text += entry;
      const full = parseRunbook(text, { filename: name });
      if (derived === null) {
        // Only refused when History is not the last section.
        expect(full.runbook.sections.at(-1)?.title).not.toBe('History');
        return;
      }
      expect(derived).toEqual(full);
      parsed = derived;
    }
  });

  it('refuses when History is not last, and when the text ends inside a fence', () => {
    const notLast = '# A\n\n# History\n\n# Script\n```sh\necho\n```\n';
    expect(parseWithAppendedEntry(parseRunbook(notLast), notLast, entries[0] ?? '')).toBeNull();
    const openFence = '# A\n\n# Script\n```sh\necho\n```\n\n# History\n```\nunclosed\n';
    expect(parseWithAppendedEntry(parseRunbook(openFence), openFence, entries[0] ?? '')).toBeNull();
    expect(parseWithAppendedEntry(parseRunbook(''), '', entries[0] ?? '')).toBeNull();
  });
});

describe('endsOutsideFence', () => {
  it('follows CommonMark fence rules', () => {
    expect(endsOutsideFence(['```sh', 'x', '```'])).toBe(true);
    expect(endsOutsideFence(['```sh', 'x'])).toBe(false);
    expect(endsOutsideFence(['````', '```', 'still inside'])).toBe(false);
    expect(endsOutsideFence(['~~~', '```', '~~~'])).toBe(true);
    expect(endsOutsideFence(['```', '``` not a close'])).toBe(false);
    expect(endsOutsideFence(['inline ```code``` is no fence'])).toBe(true);
    expect(endsOutsideFence(['```a`b', 'not a fence opener'])).toBe(true);
  });
});
