import { parseRunbook } from '@runbooks/runbook-format';
import {
  approvalSummary,
  claimRows,
  customSections,
  retrySummary,
  sectionBody,
  withoutHistory,
} from './runbook-document';

const TEXT = [
  '# Demo',
  'Description.',
  '',
  '# Environment Requirements',
  '```yaml',
  'A: first',
  '```',
  '',
  '# Rollback',
  'Undo **everything**.',
  '',
  '# Required Claims',
  '```yaml',
  'roles: sre, api',
  'team: core',
  '```',
  '',
  '# History',
  '',
  '### 2026-01-01T00:00:00.000Z | Exit Code: 0',
  '',
].join('\n');

describe('runbook document helpers', () => {
  const { runbook } = parseRunbook(TEXT, { filename: 'Demo.md' });

  it('cuts the History section out of the document', () => {
    const doc = withoutHistory(TEXT, runbook);
    expect(doc).toContain('# Required Claims');
    expect(doc).not.toContain('# History');
    expect(doc).not.toContain('Exit Code');
    const { runbook: noHistory } = parseRunbook('# X\ntext\n', {});
    expect(withoutHistory('# X\ntext\n', noHistory)).toBe('# X\ntext\n');
  });

  it('finds custom sections and their bodies', () => {
    const custom = customSections(runbook);
    expect(custom.map((s) => s.title)).toEqual(['Rollback']);
    expect(sectionBody(TEXT, custom[0]!)).toBe('Undo **everything**.');
  });

  it('lists claims as rows', () => {
    expect(claimRows(runbook)).toEqual([
      { claim: 'roles', values: ['sre', 'api'] },
      { claim: 'team', values: ['core'] },
    ]);
    expect(claimRows({ ...runbook, requiredClaims: null })).toEqual([]);
  });

  it('summarizes a Retry Policy, which is not a custom section', () => {
    expect(retrySummary(runbook)).toBeNull();
    const withPolicy = (block: string) =>
      parseRunbook(TEXT.replace('# History', `# Retry Policy\n${block}\n\n# History`), {
        filename: 'Demo.md',
      }).runbook;
    const three = withPolicy('```yaml\nmax_attempts: 3\n```');
    expect(retrySummary(three)).toEqual({
      readable: true,
      text: 'When the worker running it is lost, the run is run again: up to 3 attempts in all.',
    });
    expect(customSections(three).map((s) => s.title)).toEqual(['Rollback']);
    expect(retrySummary(withPolicy('```yaml\nmax_attempts: 1\n```'))?.text).toBe(
      'A lost run is never run again.',
    );
    expect(retrySummary(withPolicy('```yaml\nmax_attempts: 99\n```'))?.readable).toBe(false);
  });
});

describe('approvalSummary', () => {
  const gated = (yaml: string) =>
    parseRunbook(`# G\n\n# Approval\n\`\`\`yaml\n${yaml}\n\`\`\`\n`, { filename: 'G.md' }).runbook;

  it('says what a run waits for, and who may approve', () => {
    expect(
      approvalSummary(gated('approvers:\n  roles: [lead]\ncount: 2\nexpires_after: 2h')),
    ).toEqual({
      readable: true,
      text: 'Each run waits for 2 approvals by approvers other than the requester; a request expires after 2 hours.',
      approvers: [{ claim: 'roles', values: ['lead'] }],
    });
  });

  it('flags an unreadable section and is null without one', () => {
    expect(approvalSummary(gated('count: 9'))).toMatchObject({ readable: false });
    expect(approvalSummary(parseRunbook('# X\ntext\n', {}).runbook)).toBeNull();
  });
});
