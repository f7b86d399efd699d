import { parseRunbook } from './parse-runbook';
import { validateRunbook } from './validate-runbook';

const FENCE = '```';
const complete = [
  '# Deploy',
  'Deploys.',
  '# Environment Requirements',
  `${FENCE}yaml\nTEST_VAR: needed\nOTHER: also needed\n${FENCE}`,
  '# File System Requirements',
  `${FENCE}yaml\nInput:\n  - ./present.txt\n  - ./absent.txt\n${FENCE}`,
  '# Script',
  `${FENCE}sh\necho hi\n${FENCE}`,
  '# History',
  '',
].join('\n');

function validate(text: string, filename?: string, env: Record<string, string> = {}) {
  const { runbook } = parseRunbook(text, filename === undefined ? {} : { filename });
  return validateRunbook(runbook, { env, fileExists: (path) => path === './present.txt' });
}

describe('validateRunbook', () => {
  it('reproduces the reference messages for a runbook with only a name', () => {
    const result = validate('# X\n');
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([
      'Missing required section: Environment Requirements',
      'Missing required section: File System Requirements',
      'Missing required section: Script',
      'Missing required section: History',
      'Missing Environment Requirements section',
      'File System Requirements section must contain a YAML code block',
      'Script section must contain a sh code block',
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('reproduces the reference messages for empty sections', () => {
    const text =
      '# X\n# Environment Requirements\n# File System Requirements\n# Script\n# History\n';
    expect(validate(text).errors).toEqual([
      "Section 'Environment Requirements' is empty",
      "Section 'File System Requirements' is empty",
      "Section 'Script' is empty",
      'Missing Environment Requirements section',
      'File System Requirements section must contain a YAML code block',
      'Script section must contain a sh code block',
    ]);
  });

  it("reports an unreadable YAML block with the parser's error, not as a missing block", () => {
    const text = complete
      .replace('TEST_VAR: needed\nOTHER: also needed', 'TEST_VAR: [unclosed')
      .replace('Input:\n  - ./present.txt\n  - ./absent.txt', '- just a list');
    const parsed = parseRunbook(text, { filename: 'Deploy.md' });
    const result = validateRunbook(parsed.runbook, {
      env: {},
      parseDiagnostics: parsed.diagnostics,
    });
    expect(result.valid).toBe(false);
    expect(result.errors).toHaveLength(2);
    expect(result.errors[0]).toMatch(/^Environment Requirements: invalid YAML: /);
    expect(result.errors[1]).toBe(
      'File System Requirements: the YAML block must be a mapping of name: value',
    );
    expect(result.errors.join('\n')).not.toContain('must contain a YAML code block');
    // Without the parser's findings the reference's message stays.
    expect(validateRunbook(parsed.runbook, { env: {} }).errors).toContain(
      'Environment Requirements section must contain a YAML code block',
    );
  });

  it('reports unset variables and missing inputs, counting empty values as set', () => {
    const result = validate(complete, 'Deploy.md', { TEST_VAR: '' });
    expect(result.errors).toEqual([
      'Required environment variable not set: OTHER',
      'Required input file does not exist: ./absent.txt',
    ]);
    expect(result.diagnostics[0]).toMatchObject({ code: 'ENV_VAR_NOT_SET', line: 6 });
  });

  it('refuses a declared control variable with its line, unless the operator allows that name', () => {
    const text = complete.replace('OTHER: also needed', 'BASH_ENV: sneaky\nld_preload: lib');
    const { runbook } = parseRunbook(text, { filename: 'Deploy.md' });
    const env = { TEST_VAR: 'x', BASH_ENV: 'y', ld_preload: 'z' };
    const refused = validateRunbook(runbook, { env });
    expect(refused.valid).toBe(false);
    const reserved = refused.diagnostics.filter((d) => d.code === 'ENV_VAR_RESERVED');
    expect(reserved.map((d) => [d.line, d.message.split(':')[0]])).toEqual([
      [6, 'Environment variable BASH_ENV cannot be declared'],
      [7, 'Environment variable ld_preload cannot be declared'],
    ]);
    const allowed = validateRunbook(runbook, { env, allowedControlEnv: ['BASH_ENV'] });
    expect(allowed.errors.map((e) => e.split(':')[0])).toEqual([
      'Environment variable ld_preload cannot be declared',
    ]);
  });

  it('passes with everything present and warns on a name that differs from the file', () => {
    const text = complete.replace('  - ./absent.txt\n', '');
    const result = validate(text, 'Other.md', { TEST_VAR: 'a', OTHER: 'b' });
    expect(result).toMatchObject({
      valid: true,
      errors: [],
      warnings: ["Runbook name 'Deploy' does not match filename 'Other'"],
    });
  });

  it('is invalid when the name is missing (no success with errors)', () => {
    const result = validate('\n' + complete, undefined, { TEST_VAR: 'a', OTHER: 'b' });
    expect(result.valid).toBe(false);
    expect(result.errors).toContain(
      'Runbook must start with an H1 header containing the runbook name',
    );
  });

  it('rejects inputs that escape the runbook folder before touching the disk', () => {
    const text = complete.replace('./absent.txt', '../../../../etc/passwd');
    const { runbook } = parseRunbook(text);
    const checked: string[] = [];
    const result = validateRunbook(runbook, {
      env: { TEST_VAR: 'a', OTHER: 'b' },
      fileExists: (path) => {
        checked.push(path);
        return true;
      },
    });
    expect(result.errors).toEqual(['Input path escapes runbook directory: ../../../../etc/passwd']);
    expect(checked).toEqual(['./present.txt']);
  });

  it('reports unreadable YAML blocks with the reference messages', () => {
    const text = complete
      .replace('TEST_VAR: needed', 'TEST_VAR: Value must be in format: key-value')
      .replace('Input:\n', 'Input: [\n');
    expect(validate(text).errors).toEqual([
      'Environment Requirements section must contain a YAML code block',
      'File System Requirements section must contain a YAML code block',
    ]);
  });

  it('is invalid when Required Claims cannot be read', () => {
    const text = complete.replace('# Script', '# Required Claims\nroles: sre\n# Script');
    expect(validate(text, undefined, { TEST_VAR: 'a', OTHER: 'b' }).errors).toEqual([
      'Required input file does not exist: ./absent.txt',
      'Required Claims section could not be read: write a YAML block of claim: allowed values',
    ]);
  });

  it('is invalid when a Retry Policy cannot be read, valid with a good one', () => {
    const env = { TEST_VAR: 'a', OTHER: 'b' };
    const bad = complete.replace(
      '# Script',
      `# Retry Policy\n${FENCE}yaml\nmax_attempts: 0\n${FENCE}\n# Script`,
    );
    expect(validate(bad, undefined, env).errors).toEqual([
      'Required input file does not exist: ./absent.txt',
      'Retry Policy section could not be read: write a YAML block with max_attempts: 1 to 10',
    ]);
    const good = complete.replace(
      '# Script',
      `# Retry Policy\n${FENCE}yaml\nmax_attempts: 3\n${FENCE}\n# Script`,
    );
    expect(validate(good, undefined, env).errors).toEqual([
      'Required input file does not exist: ./absent.txt',
    ]);
  });

  it('reports empty content alone', () => {
    expect(validate('').errors).toEqual(['Runbook content is empty']);
  });

  it('works without options (no env, no file checks)', () => {
    const { runbook } = parseRunbook(complete);
    expect(validateRunbook(runbook).errors).toEqual([
      'Required environment variable not set: TEST_VAR',
      'Required environment variable not set: OTHER',
    ]);
  });
});
