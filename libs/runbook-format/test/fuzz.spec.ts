import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';

import { parseHistoryEntries, parseRunbook, validateRunbook } from '../src/index';

// Property: whatever the text, parsing and validating never throw and always finish. The time
// bound is a hang detector (catastrophic backtracking would take seconds), not a benchmark.
const HANG_BOUND_MS = 2000;

const seeds = readdirSync(join(__dirname, 'fixtures'))
  .filter((file) => file.endsWith('.md'))
  .map((file) => readFileSync(join(__dirname, 'fixtures', file), 'utf8'));

const markdownPieces = fc.constantFrom(
  '# ',
  '## ',
  '### ',
  '```',
  '````',
  '~~~',
  'yaml',
  'sh',
  '\n',
  '\r\n',
  '\r',
  ':',
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '\\',
  '|',
  ' Exit Code: ',
  '**Stdout:**',
  'Input:',
  'roles: ',
  '# History',
  '# Script',
  '# Environment Requirements',
  '# File System Requirements',
  '# Required Claims',
  '\uFEFF',
  '\t',
  '&a',
  '*a',
  '!!js/function',
  '%YAML 1.2',
  '---',
  'null',
);

const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.nat(40), fc.string()), { maxLength: 6 }),
  )
  .map(([seed, edits]) =>
    edits.reduce((text, [at, length, insert]) => {
      const position = at % (text.length + 1);
      return text.slice(0, position) + insert + text.slice(position + length);
    }, seed),
  );

const assembled = fc
  .array(fc.oneof(markdownPieces, fc.string({ maxLength: 12 })), { maxLength: 80 })
  .map((parts) => parts.join(''));

function checkTotal(text: string): void {
  const started = Date.now();
  const { runbook, diagnostics } = parseRunbook(text, { filename: 'Fuzz.md' });
  validateRunbook(runbook, { env: {}, fileExists: () => true });
  parseHistoryEntries(text);
  expect(Array.isArray(diagnostics)).toBe(true);
  expect(Date.now() - started).toBeLessThan(HANG_BOUND_MS);
}

describe('parser robustness', () => {
  it('never throws on random text (4k cases)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), checkTotal), {
      numRuns: 4000,
    });
  });

  it('never throws on markdown-shaped text (3k cases)', () => {
    fc.assert(fc.property(assembled, checkTotal), { numRuns: 3000 });
  });

  it('never throws on mutated fixtures (3k cases)', () => {
    fc.assert(fc.property(mutated, checkTotal), { numRuns: 3000 });
  });
});
