import { parseRunbook } from '@runbooks/runbook-format';
import {
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
