import { parseRunbook } from './parse-runbook';
import { SCRIPT_TRAILING_CONTENT_MESSAGE } from './read-script';
import { validateRunbook } from './validate-runbook';

const FENCE = '```';

/** A complete runbook whose `# Script` section body is `script` (the section starts on line 12). */
function runbookWithScript(script: string): string {
  return [
    '# Sample',
    'A sample runbook.',
    '',
    '# Environment Requirements',
    `${FENCE}yaml`,
    `${FENCE}`,
    '',
    '# File System Requirements',
    `${FENCE}yaml`,
    'Input: []',
    `${FENCE}`,
    '# Script',
    script,
    '',
    '# History',
    '',
  ].join('\n');
}

/** A script writing a markdown file with a heredoc that holds a bare ``` line. */
const HEREDOC_LINES = [
  "cat <<'DOC' > README.md",
  `${FENCE}sh`,
  'make test',
  FENCE,
  'DOC',
  'echo written',
];

function check(text: string) {
  const parsed = parseRunbook(text, { filename: 'Sample.md' });
  const validation = validateRunbook(parsed.runbook, { fileExists: () => true });
  return { parsed, validation };
}

describe('Script section: content after the script fence', () => {
  it('refuses a three-backtick script closed early by a heredoc, at the line after the cut', () => {
    const text = runbookWithScript([`${FENCE}sh`, ...HEREDOC_LINES, FENCE].join('\n'));
    const { parsed, validation } = check(text);
    // 13 ```sh, 14 cat, 15 ```sh (an opening line: it cannot close), 16 make test, 17 ``` (closes
    // the script), 18 DOC <- first trailing content; 20 ``` opens a fence that eats # History.
    expect(parsed.runbook.script).toBeNull();
    expect(parsed.runbook.scriptTrailingContentLine).toBe(18);
    expect(parsed.diagnostics).toEqual([
      {
        code: 'SCRIPT_TRAILING_CONTENT',
        severity: 'error',
        message: SCRIPT_TRAILING_CONTENT_MESSAGE,
        line: 18,
        column: 1,
      },
    ]);
    expect(validation.valid).toBe(false);
    expect(validation.errors).toEqual([
      'Missing required section: History',
      SCRIPT_TRAILING_CONTENT_MESSAGE,
    ]);
    expect(validation.diagnostics.map((d) => [d.code, d.line])).toContainEqual([
      'SCRIPT_TRAILING_CONTENT',
      18,
    ]);
  });

  it('explains the fix in its message: a longer fence', () => {
    expect(SCRIPT_TRAILING_CONTENT_MESSAGE).toContain('````sh');
    expect(SCRIPT_TRAILING_CONTENT_MESSAGE).toContain('only the lines before it would run');
  });

  it('refuses prose or another fence after the script', () => {
    const prose = check(runbookWithScript(`${FENCE}sh\necho hi\n${FENCE}\n\nThen check the logs.`));
    expect(prose.parsed.runbook.scriptTrailingContentLine).toBe(17);
    expect(prose.validation.errors).toEqual([SCRIPT_TRAILING_CONTENT_MESSAGE]);
    const fence = check(
      runbookWithScript(`${FENCE}sh\necho hi\n${FENCE}\n${FENCE}text\nout\n${FENCE}`),
    );
    expect(fence.parsed.runbook.scriptTrailingContentLine).toBe(16);
    expect(fence.validation.valid).toBe(false);
  });

  it('accepts the same script in a four-backtick or tilde fence, and prose before the script', () => {
    for (const [open, close] of [
      ['````sh', '````'],
      ['~~~zsh', '~~~'],
    ] as const) {
      const text = runbookWithScript(
        ['Run it with care.', '', open, ...HEREDOC_LINES, close].join('\n'),
      );
      const { parsed, validation } = check(text);
      expect(parsed.diagnostics).toEqual([]);
      expect(parsed.runbook.scriptTrailingContentLine).toBeNull();
      expect(parsed.runbook.script?.content).toBe(HEREDOC_LINES.join('\n'));
      expect(validation).toMatchObject({ valid: true, errors: [] });
    }
  });

  it('allows blank lines after the script, and a non-shell block before it', () => {
    const text = runbookWithScript(
      `${FENCE}text\nusage\n${FENCE}\n${FENCE}sh\necho hi\n${FENCE}\n\n\n`,
    );
    const { parsed, validation } = check(text);
    expect(parsed.runbook.script?.content).toBe('echo hi');
    expect(validation.valid).toBe(true);
  });

  it('keeps the plain "no script" error when there is no shell fence at all', () => {
    const { parsed, validation } = check(runbookWithScript('Nothing to run yet.'));
    expect(parsed.runbook.scriptTrailingContentLine).toBeNull();
    expect(validation.errors).toEqual(['Script section must contain a sh code block']);
  });
});
