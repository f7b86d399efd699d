import { parseRunbook } from './parse-runbook';

const FENCE = '```';

function runbook(parts: {
  name?: string;
  env?: string;
  files?: string;
  claims?: string;
  retry?: string;
  script?: string;
  history?: string;
}): string {
  const chunks = [`# ${parts.name ?? 'Sample'}`, 'A sample runbook.', ''];
  chunks.push(
    '# Environment Requirements',
    parts.env ?? `${FENCE}yaml\nTEST_VAR: A test variable\n${FENCE}`,
    '',
  );
  chunks.push('# File System Requirements', parts.files ?? `${FENCE}yaml\nInput: []\n${FENCE}`, '');
  if (parts.claims !== undefined) chunks.push('# Required Claims', parts.claims, '');
  if (parts.retry !== undefined) chunks.push('# Retry Policy', parts.retry, '');
  chunks.push('# Script', parts.script ?? `${FENCE}sh\necho hello\n${FENCE}`, '');
  chunks.push('# History', parts.history ?? '');
  return chunks.join('\n');
}

describe('parseRunbook', () => {
  it('reads name, description, environment, inputs, claims, script and sections', () => {
    const text = runbook({
      env: `${FENCE}yaml\nTEST_VAR: A test variable\nOTHER: "Format: key-value"\nEMPTY:\n${FENCE}`,
      files: `${FENCE}yaml\nInput:\n  - ./data.txt\n  - ./folder\n${FENCE}`,
      claims: `${FENCE}yaml\nroles: sre, api\n${FENCE}`,
    });
    const { runbook: parsed, diagnostics } = parseRunbook(text, { filename: 'Sample.md' });
    expect(diagnostics).toEqual([]);
    expect(parsed.name).toBe('Sample');
    expect(parsed.description).toBe('A sample runbook.');
    expect(parsed.environment).toEqual([
      expect.objectContaining({ name: 'TEST_VAR', description: 'A test variable', line: 6 }),
      expect.objectContaining({ name: 'OTHER', description: 'Format: key-value', line: 7 }),
      expect.objectContaining({ name: 'EMPTY', description: '', line: 8 }),
    ]);
    // Legacy entries read as required, non-secret strings.
    expect(parsed.environment?.[0]).toMatchObject({
      type: 'string',
      required: true,
      secret: false,
      from: null,
      default: null,
    });
    expect(parsed.inputs).toEqual(['./data.txt', './folder']);
    expect(parsed.requiredClaims).toEqual({ roles: ['sre', 'api'] });
    expect(parsed.script).toEqual({ language: 'sh', content: 'echo hello', line: 24 });
    expect(parsed.sections.map((s) => [s.title, s.headingLine, s.endLine])).toEqual([
      ['Environment Requirements', 4, 10],
      ['File System Requirements', 11, 17],
      ['Required Claims', 18, 22],
      ['Script', 23, 27],
      ['History', 28, 29],
    ]);
  });

  it('does not cut a script that contains triple backticks', () => {
    const script = [
      '````sh',
      "echo '```'",
      'cat <<EOF > README.md',
      '```sh',
      'make test',
      '```',
      'EOF',
      '````',
    ].join('\n');
    const { runbook: parsed } = parseRunbook(runbook({ script }));
    expect(parsed.script?.content).toBe(
      "echo '```'\ncat <<EOF > README.md\n```sh\nmake test\n```\nEOF",
    );
  });

  it('keeps a mid-line ``` inside a three-backtick script', () => {
    const { runbook: parsed } = parseRunbook(
      runbook({ script: `${FENCE}sh\necho "a \`\`\` b"\necho done\n${FENCE}` }),
    );
    expect(parsed.script?.content).toBe('echo "a ``` b"\necho done');
  });

  it('ignores # History and # Script lines inside fenced blocks', () => {
    const text = [
      '# Fenced',
      'Example of a layout:',
      '```markdown',
      '# History',
      '# Script',
      '```',
      '# Environment Requirements',
      '```yaml',
      '```',
      '# File System Requirements',
      '```yaml',
      'Input: []',
      '```',
      '# Script',
      '```zsh',
      '# a zsh comment',
      '#! /bin/zsh',
      'echo ok',
      '```',
      '# History',
    ].join('\n');
    const { runbook: parsed, diagnostics } = parseRunbook(text);
    expect(diagnostics).toEqual([]);
    expect(parsed.sections.map((s) => s.title)).toEqual([
      'Environment Requirements',
      'File System Requirements',
      'Script',
      'History',
    ]);
    expect(parsed.script?.content).toBe('# a zsh comment\n#! /bin/zsh\necho ok');
    expect(parsed.environment).toEqual([]);
  });

  it.each(['sh', 'bash', 'zsh', 'shell', 'SH'])('accepts the %s script fence language', (lang) => {
    const { runbook: parsed } = parseRunbook(
      runbook({ script: `${FENCE}${lang}\necho hi\n${FENCE}` }),
    );
    expect(parsed.script?.content).toBe('echo hi');
  });

  it.each(['yaml', 'yml'])('accepts the %s YAML fence language', (lang) => {
    const { runbook: parsed } = parseRunbook(
      runbook({ env: `${FENCE}${lang}\nA: first\n${FENCE}` }),
    );
    expect(parsed.environment?.map((v) => v.name)).toEqual(['A']);
  });

  it('reads claims written as flow lists, block lists and comma strings', () => {
    const claims = `${FENCE}yaml\nroles: [sre, api]\nteams:\n  - payments\n  - core\nenv: prod,\nlevel: 3\n${FENCE}`;
    const { runbook: parsed, diagnostics } = parseRunbook(runbook({ claims }));
    expect(diagnostics).toEqual([]);
    expect(parsed.requiredClaims).toEqual({
      roles: ['sre', 'api'],
      teams: ['payments', 'core'],
      env: ['prod'],
      level: ['3'],
    });
  });

  it('accepts tilde fences and longer backtick fences', () => {
    const text = runbook({
      env: '~~~yaml\nA: one\n~~~',
      files: '`````yml\nInput: ./x\n`````',
      script: '~~~~sh\necho tilde\n~~~~',
    });
    const { runbook: parsed } = parseRunbook(text);
    expect(parsed.environment?.map((v) => v.name)).toEqual(['A']);
    expect(parsed.inputs).toEqual(['./x']);
    expect(parsed.script?.content).toBe('echo tilde');
  });

  it('reads CRLF files and ignores a UTF-8 BOM', () => {
    const text = '\uFEFF' + runbook({}).replace(/\n/g, '\r\n');
    const { runbook: parsed, diagnostics } = parseRunbook(text, { filename: 'Sample.md' });
    expect(diagnostics).toEqual([]);
    expect(parsed.name).toBe('Sample');
    expect(parsed.script?.content).toBe('echo hello');
    expect(parsed.environment?.[0]?.description).toBe('A test variable');
  });

  it('reports a missing name, a name mismatch and empty content', () => {
    expect(parseRunbook('\n# Late\n').diagnostics.map((d) => d.code)).toEqual(['NAME_MISSING']);
    expect(parseRunbook('# Other\n', { filename: 'Mine.md' }).diagnostics).toEqual([
      {
        code: 'NAME_MISMATCH',
        severity: 'warning',
        message: "Runbook name 'Other' does not match filename 'Mine'",
        line: 1,
        column: 1,
      },
    ]);
    const empty = parseRunbook(' \n\n');
    expect(empty.runbook.isEmpty).toBe(true);
    expect(empty.diagnostics.map((d) => d.message)).toEqual(['Runbook content is empty']);
  });

  it('points at YAML syntax errors and leaves the block unread', () => {
    const env = `${FENCE}yaml\nGOOD: fine\nBAD: Value must be in format: key-value\n${FENCE}`;
    const { runbook: parsed, diagnostics } = parseRunbook(runbook({ env }));
    expect(parsed.environment).toBeNull();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'YAML_SYNTAX', severity: 'error', line: 7 });
  });

  it('rejects YAML that is not a mapping', () => {
    const { runbook: parsed, diagnostics } = parseRunbook(
      runbook({ env: `${FENCE}yaml\n- A\n- B\n${FENCE}` }),
    );
    expect(parsed.environment).toBeNull();
    expect(diagnostics.map((d) => d.code)).toEqual(['YAML_NOT_MAPPING']);
  });

  it('warns about invalid variable names, duplicate sections and a History that is not last', () => {
    const text =
      runbook({ env: `${FENCE}yaml\nBAD-NAME: x\n${FENCE}` }) + '\n# Script\n\n# Notes\nafter\n';
    const codes = parseRunbook(text).diagnostics.map((d) => d.code);
    expect(codes).toEqual(['ENV_VAR_NAME_INVALID', 'HISTORY_NOT_LAST', 'SECTION_DUPLICATE']);
  });

  it('fails closed when Required Claims cannot be read', () => {
    const plain = parseRunbook(runbook({ claims: 'roles: sre' }));
    expect(plain.runbook.requiredClaims).toBeNull();
    expect(plain.diagnostics.map((d) => d.code)).toEqual(['CLAIMS_INVALID']);
    const nested = parseRunbook(runbook({ claims: `${FENCE}yaml\nroles:\n  a: b\n${FENCE}` }));
    expect(nested.runbook.requiredClaims).toBeNull();
    const empty = parseRunbook(runbook({ claims: `${FENCE}yaml\nroles:\n${FENCE}` }));
    expect(empty.runbook.requiredClaims).toEqual({ roles: [] });
    expect(empty.diagnostics.map((d) => d.severity)).toEqual(['warning']);
    expect(
      parseRunbook(runbook({ claims: `${FENCE}yaml\n${FENCE}` })).runbook.requiredClaims,
    ).toEqual({});
  });

  it('reads a Retry Policy; without one (or with an empty one) a run is never re-run', () => {
    expect(parseRunbook(runbook({})).runbook.retryPolicy).toEqual({ maxAttempts: 1 });
    expect(parseRunbook(runbook({ retry: '' })).runbook.retryPolicy).toEqual({ maxAttempts: 1 });
    const three = parseRunbook(runbook({ retry: `${FENCE}yaml\nmax_attempts: 3\n${FENCE}` }));
    expect(three.runbook.retryPolicy).toEqual({ maxAttempts: 3 });
    expect(three.diagnostics).toEqual([]);
    const unknown = parseRunbook(
      runbook({ retry: `${FENCE}yaml\nmax_attempts: 2\nbackoff: 5s\n${FENCE}` }),
    );
    expect(unknown.runbook.retryPolicy).toEqual({ maxAttempts: 2 });
    expect(unknown.diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      [
        'RETRY_POLICY_INVALID',
        'warning',
        "Retry Policy: unknown setting 'backoff' (known: max_attempts)",
      ],
    ]);
  });

  it('fails closed when a Retry Policy cannot be read or is out of bounds', () => {
    for (const bad of [
      'max_attempts: 0',
      'max_attempts: 11',
      'max_attempts: 2.5',
      "max_attempts: '3'",
    ]) {
      const parsed = parseRunbook(runbook({ retry: `${FENCE}yaml\n${bad}\n${FENCE}` }));
      expect(parsed.runbook.retryPolicy).toBeNull();
      expect(parsed.diagnostics.map((d) => [d.code, d.message])).toEqual([
        ['RETRY_POLICY_INVALID', 'Retry Policy: max_attempts must be a whole number from 1 to 10'],
      ]);
    }
    const prose = parseRunbook(runbook({ retry: 'Retry twice.' }));
    expect(prose.runbook.retryPolicy).toBeNull();
    expect(prose.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['RETRY_POLICY_INVALID', 'error'],
    ]);
    const list = parseRunbook(runbook({ retry: `${FENCE}yaml\n- 3\n${FENCE}` }));
    expect(list.runbook.retryPolicy).toBeNull();
  });

  it('reads inputs given as a scalar, as nothing, or wrongly as a mapping', () => {
    expect(
      parseRunbook(runbook({ files: `${FENCE}yaml\nInput: ./one\n${FENCE}` })).runbook.inputs,
    ).toEqual(['./one']);
    expect(
      parseRunbook(runbook({ files: `${FENCE}yaml\nInput:\nOutput: x\n${FENCE}` })).runbook.inputs,
    ).toEqual([]);
    const bad = parseRunbook(runbook({ files: `${FENCE}yaml\nInput:\n  a: b\n${FENCE}` }));
    expect(bad.runbook.inputs).toBeNull();
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['INPUT_INVALID']);
    const prose = parseRunbook(runbook({ files: 'No inputs needed.' }));
    expect(prose.runbook.inputs).toEqual([]);
    expect(prose.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['YAML_BLOCK_MISSING', 'warning'],
    ]);
  });

  it('warns when the Script fence has a non-shell language', () => {
    const { runbook: parsed, diagnostics } = parseRunbook(
      runbook({ script: `${FENCE}python\nprint(1)\n${FENCE}` }),
    );
    expect(parsed.script).toBeNull();
    expect(diagnostics.map((d) => d.code)).toEqual(['SCRIPT_LANGUAGE_UNSUPPORTED']);
    const untagged = parseRunbook(runbook({ script: `${FENCE}\necho\n${FENCE}` }));
    expect(untagged.diagnostics[0]?.message).toContain('no language tag');
  });

  it('reads the history entries of the History section with their lines', () => {
    const history =
      '\n### 2026-01-01T00:00:00.000Z | Exit Code: 0\n\n**Stdout:**\n```\nhi\n\n```\n';
    const { runbook: parsed } = parseRunbook(runbook({ history }));
    expect(parsed.history).toEqual([
      {
        format: 'markdown',
        timestamp: '2026-01-01T00:00:00.000Z',
        exitCode: 0,
        stdout: 'hi\n',
        stderr: '',
        line: 21,
      },
    ]);
  });

  it('never throws on a non-string input', () => {
    expect(parseRunbook(undefined as unknown as string).runbook.isEmpty).toBe(true);
  });
});
