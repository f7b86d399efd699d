import { parseRunbook } from './parse-runbook';
import { validateRunbook } from './validate-runbook';

const FENCE = '```';

/** A runbook whose Environment Requirements block is `env` (its first line is line 6). */
function withEnv(env: string): string {
  return [
    '# Typed',
    'Typed inputs.',
    '',
    '# Environment Requirements',
    `${FENCE}yaml`,
    env,
    FENCE,
    '',
    '# File System Requirements',
    `${FENCE}yaml\nInput: []\n${FENCE}`,
    '',
    '# Script',
    `${FENCE}sh\necho hello\n${FENCE}`,
    '',
    '# History',
    '',
  ].join('\n');
}

const TYPED = `TARGET_ENV:
  description: Where to deploy
  enum: [staging, production]
REPLICAS:
  description: How many replicas
  type: integer
  minimum: 1
  maximum: 10
  default: 2
TICKET:
  description: Change ticket
  pattern: '^CHG[0-9]{4,}$'
NOTE:
  description: Free text
  required: false
DB_PASSWORD:
  description: Password of the app user
  secret: true
SIGNING_KEY:
  description: Release signing key
  secret: true
  from: file:release-signing-key
DRY_RUN:
  type: boolean
  default: false
LEGACY: A plain description`;

describe('typed Environment Requirements', () => {
  it('reads every declaration key, in its declared type, next to legacy entries', () => {
    const { runbook, diagnostics } = parseRunbook(withEnv(TYPED), { filename: 'Typed.md' });
    expect(diagnostics).toEqual([]);
    const byName = new Map(runbook.environment?.map((v) => [v.name, v]));
    expect(byName.get('TARGET_ENV')).toMatchObject({
      line: 6,
      type: 'string',
      enum: ['staging', 'production'],
      required: true,
    });
    expect(byName.get('REPLICAS')).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 10,
      default: 2,
      description: 'How many replicas',
    });
    expect(byName.get('TICKET')?.pattern).toBe('^CHG[0-9]{4,}$');
    expect(byName.get('NOTE')?.required).toBe(false);
    expect(byName.get('DB_PASSWORD')).toMatchObject({ secret: true, from: null });
    expect(byName.get('SIGNING_KEY')).toMatchObject({
      secret: true,
      from: 'file:release-signing-key',
    });
    expect(byName.get('DRY_RUN')).toMatchObject({ type: 'boolean', default: false });
    expect(byName.get('LEGACY')).toMatchObject({
      description: 'A plain description',
      type: 'string',
      required: true,
      secret: false,
    });
  });

  it('warns about unknown keys with their line', () => {
    const { runbook, diagnostics } = parseRunbook(withEnv('A:\n  description: x\n  colour: red'));
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'ENV_DECLARATION_UNKNOWN_KEY',
        severity: 'warning',
        line: 8,
      }),
    ]);
    expect(validateRunbook(runbook, { env: { A: 'v' } }).valid).toBe(true);
  });

  it('reports wrong declarations as errors with the line of the offending key', () => {
    const env = [
      'A:', //                             line 6
      '  minimum: 1', //                   line 7: minimum on a string
      'B:',
      '  enum: staging', //                line 9: not a list
      'C:',
      "  pattern: '^(unclosed'", //        line 11
      'D:',
      '  type: integer',
      '  maximum: 5',
      '  default: 7', //                   line 15: breaks its own maximum
      'E:',
      '  type: decimal', //                line 17
      'F:',
      '  secret: yes-please', //           line 19
      'G:',
      '  from: file:../etc/passwd', //     line 21
      'H:',
      '  secret: true',
      '  default: hunter22', //            line 24: a secret with a default
      'I:',
      '  type: integer',
      '  enum: [1, two]', //               line 27
    ].join('\n');
    const { runbook, diagnostics } = parseRunbook(withEnv(env));
    const errors = diagnostics.filter((d) => d.code === 'ENV_DECLARATION_INVALID');
    expect(errors.map((d) => [d.line, d.message])).toEqual([
      [7, 'Environment Requirements: A: minimum applies to integer and number variables only'],
      [9, 'Environment Requirements: B: enum must be a non-empty list of values'],
      [11, 'Environment Requirements: C: pattern is not a valid regular expression: ^(unclosed'],
      [
        15,
        "Environment Requirements: D: default breaks its own rules: D must be an integer of at most 5 (got '7')",
      ],
      [17, 'Environment Requirements: E: type must be one of: string, integer, number, boolean'],
      [19, 'Environment Requirements: F: secret must be true or false'],
      [
        21,
        'Environment Requirements: G: from must be file:NAME (a file of the server secrets folder), env:NAME (a server variable) or another source of the server (scheme:name)',
      ],
      [
        24,
        'Environment Requirements: H: a secret cannot have a default (the file is readable by everyone)',
      ],
      [27, 'Environment Requirements: I: enum values must all be of type integer'],
    ]);
    const result = validateRunbook(runbook, { env: {} });
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual(expect.arrayContaining(errors.map((d) => d.message)));
  });

  it('accepts flow-style mappings and reports their problems on the entry line', () => {
    const { runbook, diagnostics } = parseRunbook(
      withEnv('N: { type: number, minimum: 0.5 }\nM: { type: number, pattern: x }'),
    );
    expect(runbook.environment?.[0]).toMatchObject({ type: 'number', minimum: 0.5 });
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'ENV_DECLARATION_INVALID', line: 7 }),
    ]);
  });
});
