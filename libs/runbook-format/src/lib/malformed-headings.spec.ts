import { headingKey, resembledSection } from './malformed-headings';
import { parseRunbook } from './parse-runbook';
import { validateRunbook } from './validate-runbook';

const FENCE = '```';

function runbookWith(claimsPart: string): string {
  return [
    '# Guarded',
    'Only admins.',
    '',
    '# Environment Requirements',
    `${FENCE}yaml`,
    '{}',
    FENCE,
    '# File System Requirements',
    `${FENCE}yaml`,
    'Input: []',
    FENCE,
    claimsPart,
    '# Script',
    `${FENCE}sh`,
    'echo hi',
    FENCE,
    '# History',
    '',
  ].join('\n');
}

const CLAIMS_BLOCK = `${FENCE}yaml\nroles: admin\n${FENCE}\n`;

describe('Required Claims typos fail closed', () => {
  it.each<[string, string]>([
    ['no space after #', `#Required Claims\n${CLAIMS_BLOCK}`],
    ['lower-case word', `# Required claims\n${CLAIMS_BLOCK}`],
    ['trailing colon', `# Required Claims:\n${CLAIMS_BLOCK}`],
    ['an H2', `## Required Claims\n${CLAIMS_BLOCK}`],
    ['a setext heading', `Required Claims\n===============\n${CLAIMS_BLOCK}`],
    ['an NBSP in the title', `# Required\u00a0Claims\n${CLAIMS_BLOCK}`],
    ['a zero-width space in the title', `# Required\u200b Claims\n${CLAIMS_BLOCK}`],
    ['a spelling mistake', `# Requried Claims\n${CLAIMS_BLOCK}`],
    ['a heading in a quote', `> # Required Claims\n\n${CLAIMS_BLOCK}`],
    [
      'an empty first section then a second one',
      `# Required Claims\n\n# Required Claims\n${CLAIMS_BLOCK}`,
    ],
    ['a __proto__ key', `# Required Claims\n${FENCE}yaml\n__proto__: [admin]\n${FENCE}\n`],
    ['a constructor key', `# Required Claims\n${FENCE}yaml\nconstructor: admin\n${FENCE}\n`],
  ])('%s: claims unreadable, runbook invalid', (_label, part) => {
    const { runbook, diagnostics } = parseRunbook(runbookWith(part), { filename: 'Guarded.md' });
    expect(runbook.requiredClaims).toBeNull();
    expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
    expect(validateRunbook(runbook).valid).toBe(false);
  });

  it('a correct section still reads', () => {
    const { runbook, diagnostics } = parseRunbook(
      runbookWith(`# Required Claims\n${CLAIMS_BLOCK}`),
      {
        filename: 'Guarded.md',
      },
    );
    expect(runbook.requiredClaims).toEqual({ roles: ['admin'] });
    expect(diagnostics).toEqual([]);
    expect(runbook.malformedHeadings).toEqual([]);
  });

  it('near misses of other sections are validation errors with their line', () => {
    const text = runbookWith('## Script notes\n## script\n');
    const { runbook, diagnostics } = parseRunbook(text, { filename: 'Guarded.md' });
    expect(runbook.requiredClaims).toEqual({});
    expect(diagnostics.filter((d) => d.code === 'SECTION_HEADING_MALFORMED')).toEqual([
      expect.objectContaining({ severity: 'error', line: 13 }),
    ]);
    expect(validateRunbook(runbook).errors).toContain(
      "Heading 'script' looks like the 'Script' section: write it exactly '# Script' (a top-level H1)",
    );
  });

  it('an empty duplicate of another section is an error; a full duplicate a warning', () => {
    const empty = parseRunbook(runbookWith('# Script\n'), { filename: 'Guarded.md' });
    expect(empty.diagnostics.find((d) => d.code === 'SECTION_DUPLICATE')?.severity).toBe('error');
    expect(validateRunbook(empty.runbook).valid).toBe(false);
    const full = parseRunbook(runbookWith(`# Script\n${FENCE}sh\necho 2\n${FENCE}\n`), {
      filename: 'Guarded.md',
    });
    expect(full.diagnostics.find((d) => d.code === 'SECTION_DUPLICATE')?.severity).toBe('warning');
  });

  it('headings inside fences and history entries are not near misses', () => {
    const text =
      runbookWith('') +
      `\n### 2026-01-01T00:00:00.000Z | Exit Code: 0\n\n**Stdout:**\n${FENCE}\n# Required claims\n${FENCE}\n`;
    expect(parseRunbook(text, { filename: 'Guarded.md' }).runbook.malformedHeadings).toEqual([]);
  });
});

describe('resembledSection', () => {
  it.each<[string, string | null]>([
    ['Required Claims', 'Required Claims'],
    ['REQUIRED-CLAIMS', 'Required Claims'],
    ['Required Claim', 'Required Claims'],
    ['Retry policies', null],
    ['Scripts', null],
    ['Notes', null],
    ['', null],
  ])('%j → %j', (title, expected) => {
    expect(resembledSection(title)).toBe(expected);
  });

  it('reduces a title to letters and digits', () => {
    expect(headingKey('  Required\u00a0Claims\u200b: ')).toBe('requiredclaims');
  });
});
