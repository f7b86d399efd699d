import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseRunbook, validateRunbook, type Runbook } from '../src/index';

// Each fixtures/<name>.md has a fixtures/<name>.expected.json holding the parse result (the
// runbook's salient fields and the diagnostics) and the validation outcome under a given env and
// set of existing input files. Set UPDATE_FIXTURES=1 to write the current output (then review it).

interface Expected {
  validateWith: { env: Record<string, string>; existingFiles: string[] };
  runbook: unknown;
  diagnostics: [string, string, number][];
  validation: { valid: boolean; errors: string[]; warnings: string[] };
}

const fixturesDir = join(__dirname, 'fixtures');
const fixtures = readdirSync(fixturesDir).filter((file) => file.endsWith('.md'));

function salient(runbook: Runbook) {
  return {
    name: runbook.name,
    description: runbook.description,
    environment: runbook.environment?.map((v) => `${v.name}: ${v.description}`) ?? null,
    inputs: runbook.inputs,
    requiredClaims: runbook.requiredClaims,
    retryPolicy: runbook.retryPolicy,
    script: runbook.script && {
      language: runbook.script.language,
      content: runbook.script.content,
    },
    sections: runbook.sections.map(
      (s) => `${s.headingLine}-${s.endLine} ${s.title}${s.isEmpty ? ' (empty)' : ''}`,
    ),
    history: runbook.history,
  };
}

describe('conformance fixtures', () => {
  it('has fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
  });

  it.each(fixtures)('%s parses and validates as expected', (file) => {
    const expectedPath = join(fixturesDir, file.replace(/\.md$/, '.expected.json'));
    const text = readFileSync(join(fixturesDir, file), 'utf8');
    const { runbook, diagnostics } = parseRunbook(text, { filename: file });
    const current = JSON.parse(readFileSync(expectedPath, 'utf8')) as Expected;
    const { env, existingFiles } = current.validateWith;
    const validation = validateRunbook(runbook, {
      env,
      fileExists: (p) => existingFiles.includes(p),
    });
    const actual: Expected = {
      validateWith: current.validateWith,
      runbook: salient(runbook),
      diagnostics: diagnostics.map((d) => [d.code, d.severity, d.line]),
      validation: {
        valid: validation.valid,
        errors: validation.errors,
        warnings: validation.warnings,
      },
    };
    if (process.env['UPDATE_FIXTURES'] === '1') {
      writeFileSync(expectedPath, JSON.stringify(actual, null, 2) + '\n');
    }
    expect(actual).toEqual(current);
  });
});
