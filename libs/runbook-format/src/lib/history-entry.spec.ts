import { formatHistoryEntry, parseHistoryEntries } from './history-entry';

describe('formatHistoryEntry', () => {
  it('writes the reference entry for a run with stdout and stderr', () => {
    const text = formatHistoryEntry({
      timestamp: new Date('2026-01-09T10:11:12.345Z'),
      exitCode: 0,
      stdout: 'hello\n',
      stderr: 'warn\n',
    });
    expect(text).toBe(
      '\n### 2026-01-09T10:11:12.345Z | Exit Code: 0\n\n' +
        '**Stdout:**\n```\nhello\n\n```\n\n' +
        '**Stderr:**\n```\nwarn\n\n```\n',
    );
  });

  it('writes only the header when there is no output, including negative codes', () => {
    expect(formatHistoryEntry({ timestamp: '2026-01-09T10:11:12.345Z', exitCode: -9 })).toBe(
      '\n### 2026-01-09T10:11:12.345Z | Exit Code: -9\n\n',
    );
  });

  it('writes an RBAC denial as an Error block and escapes triple backticks', () => {
    const error = 'RBAC Failure: Access denied for user bob. RBAC check failed for execute.';
    expect(
      formatHistoryEntry({ timestamp: '2026-01-09T10:11:12.345Z', exitCode: 403, error }),
    ).toBe(
      `\n### 2026-01-09T10:11:12.345Z | Exit Code: 403\n\n**Error:**\n\`\`\`\n${error}\n\`\`\`\n`,
    );
    expect(formatHistoryEntry({ timestamp: 'not a date', exitCode: 1, stdout: 'a```b' })).toContain(
      '```\na\\`\\`\\`b\n```',
    );
  });
});

describe('parseHistoryEntries', () => {
  const samples = [
    { timestamp: '2026-01-09T10:11:12.345Z', exitCode: 0, stdout: 'hello\n', stderr: '' },
    { timestamp: '2026-01-09T10:11:13.000Z', exitCode: 2, stdout: '', stderr: 'boom' },
    {
      timestamp: '2026-01-09T10:11:14.000Z',
      exitCode: 1,
      stdout: 'x\n```\n### 2026 | Exit Code: 5\n',
      stderr: '\n\nerr\n',
    },
    {
      timestamp: '2026-01-09T10:11:15.000Z',
      exitCode: 403,
      stdout: '',
      stderr: '',
      error: 'RBAC Failure: no',
    },
    { timestamp: '2026-01-09T10:11:16.000Z', exitCode: 1, stdout: '', stderr: 'e', error: 'both' },
  ];

  it('reads back what formatHistoryEntry wrote, losslessly', () => {
    const text = samples.map((entry) => formatHistoryEntry(entry)).join('');
    const parsed = parseHistoryEntries(text);
    expect(parsed.map(({ format, line: _line, ...rest }) => ({ format, ...rest }))).toEqual(
      samples.map((entry) => ({ format: 'markdown', ...entry })),
    );
    expect(parsed[0]?.line).toBe(2);
  });

  it('reads the 2026-01-07 legacy markdown entries', () => {
    const legacy = [
      '## 2026-01-23t14:32:15.314',
      '- Completed: 2026-01-23t14:32:16.001',
      '- Return Code: 3',
      '### stdout',
      '```',
      'out',
      '```',
      '### stderr',
      '```',
      'err',
      '```',
    ].join('\n');
    expect(parseHistoryEntries(legacy, 10)).toEqual([
      {
        format: 'legacy-markdown',
        timestamp: '2026-01-23t14:32:15.314',
        exitCode: 3,
        stdout: 'out',
        stderr: 'err',
        line: 10,
      },
    ]);
  });

  it('reads legacy JSON lines and skips lines that are not records', () => {
    const record = {
      start_timestamp: '2026-01-08T00:00:00.000Z',
      finish_timestamp: '2026-01-08T00:00:01.000Z',
      return_code: 0,
      stdout: 'ok',
      stderr: '',
      errors: ['e1'],
    };
    const text = `${JSON.stringify(record)}\n{not json}\n[1]\n{"return_code":"x"}\nnull\n`;
    expect(parseHistoryEntries(text)).toEqual([
      {
        format: 'legacy-json',
        timestamp: '2026-01-08T00:00:01.000Z',
        exitCode: 0,
        stdout: 'ok',
        stderr: '',
        error: 'e1',
        line: 1,
      },
      { format: 'legacy-json', timestamp: '', exitCode: null, stdout: '', stderr: '', line: 4 },
    ]);
  });

  it('tolerates a block label without a fence', () => {
    const text = '### 2026-01-09T10:11:12.345Z | Exit Code: 0\n**Stdout:**\nloose text\n';
    expect(parseHistoryEntries(text)[0]?.stdout).toBe('');
  });
});

describe('approval line', () => {
  it('writes who decided on one line and reads the entry back unchanged', () => {
    const text = formatHistoryEntry({
      timestamp: '2026-01-01T00:00:00.000Z',
      exitCode: 0,
      stdout: 'ok',
      approval: 'Approved by carol ("go"),\n# History\n```x',
    });
    expect(text).toContain("**Approval:** Approved by carol (\"go\"), # History '''x\n");
    const [entry] = parseHistoryEntries(text);
    expect(entry).toMatchObject({ exitCode: 0, stdout: 'ok' });
  });
});
