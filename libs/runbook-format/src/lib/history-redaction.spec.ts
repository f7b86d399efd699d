import { formatHistoryEntry } from './history-entry';
import { withoutHistoryOutput } from './history-redaction';
import { parseRunbook } from './parse-runbook';

const FENCE = '```';
const HEAD = `# Secret\nText.\n\n# Script\n${FENCE}sh\necho s3cret\n${FENCE}\n\n# History\n`;

function redact(text: string): string {
  return withoutHistoryOutput(text, parseRunbook(text).runbook);
}

describe('withoutHistoryOutput', () => {
  it('keeps each entry heading and drops output and error blocks', () => {
    const text =
      HEAD +
      formatHistoryEntry({
        timestamp: '2026-01-01T00:00:00.000Z',
        exitCode: 0,
        stdout: 'token=abc',
      }) +
      formatHistoryEntry({
        timestamp: '2026-01-02T00:00:00.000Z',
        exitCode: 403,
        error: 'denied u1',
      });
    const redacted = redact(text);
    expect(redacted).not.toContain('token=abc');
    expect(redacted).not.toContain('denied u1');
    expect(redacted).toContain('echo s3cret');
    const entries = parseRunbook(redacted).runbook.history;
    expect(entries.map((e) => [e.timestamp, e.exitCode, e.stdout, e.error])).toEqual([
      ['2026-01-01T00:00:00.000Z', 0, '', undefined],
      ['2026-01-02T00:00:00.000Z', 403, '', undefined],
    ]);
  });

  it('drops everything after the History heading, sections included', () => {
    const text = `${HEAD}\n### 2026-01-01T00:00:00.000Z | Exit Code: 1\n\nleaked\n\n# Later\nmore leaked\n`;
    const redacted = redact(text);
    expect(redacted).not.toContain('leaked');
    expect(redacted.endsWith('# History\n\n### 2026-01-01T00:00:00.000Z | Exit Code: 1\n')).toBe(
      true,
    );
  });

  it('legacy JSON entries keep a safe heading only', () => {
    const line = JSON.stringify({
      finish_timestamp: '2026-01-01 00:00\n# Evil',
      return_code: 2,
      stdout: 'x',
    });
    const redacted = redact(`${HEAD}\n${line}\n`);
    expect(redacted).toContain('### 2026-01-0100:00Evil | Exit Code: 2');
    expect(redacted).not.toContain('\n# Evil');
  });

  it('without a History section, cuts at the first entry heading', () => {
    const text =
      `# Secret\n\n# Script\n${FENCE}sh\necho\n${FENCE}\n` +
      formatHistoryEntry({ timestamp: '2026-01-01T00:00:00.000Z', exitCode: 0, stdout: 'leak' });
    const redacted = redact(text);
    expect(redacted).not.toContain('leak');
    expect(redacted).toContain('### 2026-01-01T00:00:00.000Z | Exit Code: 0');
  });

  it('leaves a runbook without history as it is', () => {
    expect(redact('# A\ntext\n')).toBe('# A\ntext\n');
  });
});
