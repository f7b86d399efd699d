import { parseRunbook } from './parse-runbook';
import { textBeforeHistory } from './text-before-history';
import { validateRunbook } from './validate-runbook';

const FENCE = '```';

function runbookWith(approval: string): string {
  return [
    '# R',
    '# Environment Requirements',
    `${FENCE}yaml`,
    `${FENCE}`,
    '# File System Requirements',
    `${FENCE}yaml`,
    'Input:',
    `${FENCE}`,
    '# Approval',
    approval,
    '# Script',
    `${FENCE}sh`,
    'echo hi',
    `${FENCE}`,
    '# History',
    '',
  ].join('\n');
}

function check(yaml: string) {
  const text = runbookWith(`${FENCE}yaml\n${yaml}\n${FENCE}`);
  const parsed = parseRunbook(text, { filename: 'R.md' });
  const validation = validateRunbook(parsed.runbook, { parseDiagnostics: parsed.diagnostics });
  return { approval: parsed.runbook.approval, validation };
}

describe('Approval section', () => {
  it('reads approvers, count, self-approval and expiry', () => {
    const { approval, validation } = check(
      'approvers:\n  roles: [lead, sre-oncall]\ncount: 2\nallow_self_approval: true\nexpires_after: 30m',
    );
    expect(validation.valid).toBe(true);
    expect(approval).toEqual({
      approvers: { roles: ['lead', 'sre-oncall'] },
      count: 2,
      allowSelfApproval: true,
      expiresAfterSeconds: 1800,
    });
  });

  it('defaults to one approval, no self-approval, one hour', () => {
    expect(check('approvers:\n  team: ops').approval).toEqual({
      approvers: { team: ['ops'] },
      count: 1,
      allowSelfApproval: false,
      expiresAfterSeconds: 3600,
    });
  });

  it('a runbook without the section has no gate', () => {
    const text = runbookWith('').replace('# Approval\n', '');
    expect(parseRunbook(text).runbook.approval).toBeNull();
  });

  it.each([
    ['approvers missing', 'count: 1', /approvers is required/],
    ['approvers empty', 'approvers: {}', /approvers is empty/],
    ['approvers not a mapping', 'approvers: lead', /approvers must be a mapping/],
    ['a claim with no values', 'approvers:\n  roles: []', /nobody could approve/],
    ['count 0', 'approvers:\n  roles: lead\ncount: 0', /count must be/],
    ['count 6', 'approvers:\n  roles: lead\ncount: 6', /count must be/],
    ['count 1.5', 'approvers:\n  roles: lead\ncount: 1.5', /count must be/],
    ['expiry without unit', 'approvers:\n  roles: lead\nexpires_after: 60', /expires_after/],
    ['expiry over 7d', 'approvers:\n  roles: lead\nexpires_after: 8d', /expires_after/],
    ['expiry 0s', 'approvers:\n  roles: lead\nexpires_after: 0s', /expires_after/],
    [
      'self approval not boolean',
      'approvers:\n  roles: lead\nallow_self_approval: yes',
      /true or false/,
    ],
    [
      'a misspelled key',
      'approvers:\n  roles: lead\nexpire_after: 1h',
      /unknown key 'expire_after'/,
    ],
    ['a syntax error', 'approvers: [', /Approval/],
    ['a list', '- lead', /Approval/],
  ])('%s refuses every run', (_label, yaml, message) => {
    const { approval, validation } = check(yaml);
    expect(approval).toBeNull();
    expect(validation.valid).toBe(false);
    expect(validation.errors.join('\n')).toMatch(message);
    expect(validation.diagnostics.some((d) => d.code === 'APPROVAL_INVALID')).toBe(true);
  });

  it('an empty section or one without a YAML block refuses every run', () => {
    for (const body of ['', 'Two leads must approve.']) {
      const parsed = parseRunbook(runbookWith(body));
      const validation = validateRunbook(parsed.runbook, { parseDiagnostics: parsed.diagnostics });
      expect(parsed.runbook.approval).toBeNull();
      expect(validation.valid).toBe(false);
      expect(validation.errors.join('\n')).toMatch(/Approval/);
    }
  });

  it('a second Approval section or a look-alike heading refuses every run', () => {
    const block = `${FENCE}yaml\napprovers:\n  roles: lead\n${FENCE}`;
    for (const extra of ['# Approval', '## Approval', '# approval']) {
      const text = runbookWith(block).replace('# Script', `${extra}\n${block}\n# Script`);
      const parsed = parseRunbook(text);
      const validation = validateRunbook(parsed.runbook, { parseDiagnostics: parsed.diagnostics });
      expect(parsed.runbook.approval).toBeNull();
      expect(validation.valid).toBe(false);
    }
  });
});

describe('textBeforeHistory', () => {
  it('cuts before the History heading, keeping line endings as written', () => {
    const text = '# R\r\nbody\r\n# History\r\n### entry\r\n';
    expect(textBeforeHistory(text)).toBe('# R\r\nbody\r\n');
  });

  it('ignores a History heading inside a fence and returns the whole text without one', () => {
    const text = '# R\n```sh\n# History\n```\n';
    expect(textBeforeHistory(text)).toBe(text);
  });

  it('does not change when History entries are appended', () => {
    const text = runbookWith('');
    expect(textBeforeHistory(`${text}### 2026 | Exit Code: 0\n`)).toBe(textBeforeHistory(text));
  });
});
