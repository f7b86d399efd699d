import { parseRunbook } from './parse-runbook';
import { validateRunbook } from './validate-runbook';

function runbook(concurrency: string | null, extra = ''): string {
  const section = concurrency === null ? '' : `# Concurrency\n\`\`\`yaml\n${concurrency}\n\`\`\`\n`;
  return [
    '# Deploy',
    'Deploys.',
    '# Environment Requirements',
    '```yaml',
    'TARGET_ENV: where',
    '```',
    '# File System Requirements',
    '```yaml',
    'Input:',
    '```',
    section + extra,
    '# Script',
    '```sh',
    'echo hi',
    '```',
    '# History',
    '',
  ].join('\n');
}

function read(concurrency: string | null, extra = '') {
  const parsed = parseRunbook(runbook(concurrency, extra), { filename: 'Deploy.md' });
  const validation = validateRunbook(parsed.runbook, {
    parseDiagnostics: parsed.diagnostics,
    env: { TARGET_ENV: 'prod' },
  });
  return { policy: parsed.runbook.concurrency, validation };
}

describe('Concurrency section', () => {
  it('is unrestricted without a section', () => {
    const { policy, validation } = read(null);
    expect(policy).toEqual({ limit: null, key: null, onLimit: 'queue', maxQueued: 100, locks: [] });
    expect(validation.errors).toEqual([]);
  });

  it('reads every setting', () => {
    const { policy, validation } = read(
      'limit: 2\nkey: TARGET_ENV\non_limit: reject\nmax_queued: 0\nlocks: [prod-db, cache.v2, prod-db]',
    );
    expect(policy).toEqual({
      limit: 2,
      key: 'TARGET_ENV',
      onLimit: 'reject',
      maxQueued: 0,
      locks: ['prod-db', 'cache.v2'],
    });
    expect(validation.valid).toBe(true);
  });

  it('takes locks alone, with the defaults', () => {
    expect(read('locks:\n  - a_b').policy).toEqual({
      limit: null,
      key: null,
      onLimit: 'queue',
      maxQueued: 100,
      locks: ['a_b'],
    });
  });

  it.each([
    ['limit: 0', 'limit must be a whole number from 1 to 100'],
    ['limit: 101', 'limit must be a whole number from 1 to 100'],
    ['limit: "1"', 'limit must be a whole number'],
    ['limit: 1.5', 'limit must be a whole number'],
    ['limit: 1\nmax_queued: 1001', 'max_queued must be a whole number from 0 to 1000'],
    ['limit: 1\non_limit: wait', 'on_limit must be queue or reject'],
    ['limit: 1\nkey: NOPE', "key 'NOPE' is not a variable declared"],
    ['key: TARGET_ENV\nlocks: [a]', 'key needs a limit'],
    ['locks: []', 'locks must be a non-empty list'],
    ['locks: prod-db', 'locks must be a non-empty list'],
    ['locks: ["bad name"]', 'lock name "bad name" is invalid'],
    [`locks: [${'x'.repeat(65)}]`, 'is invalid'],
    ['lmit: 1', "unknown setting 'lmit'"],
    ['limit: 1\nlock: [a]', "unknown setting 'lock'"],
    ['on_limit: queue', 'must set limit, locks or both'],
    ['', 'must set limit, locks or both'],
    ['limit: [', 'invalid YAML'],
    ['- 1', 'must be a mapping'],
  ])('refuses %j', (block, message) => {
    const { policy, validation } = read(block);
    expect(policy).toBeNull();
    expect(validation.valid).toBe(false);
    expect(validation.errors.join('\n')).toContain(message);
  });

  it('refuses a section without a YAML block', () => {
    const parsed = parseRunbook(runbook(null, '# Concurrency\nlimit: 1\n'));
    expect(parsed.runbook.concurrency).toBeNull();
    const validation = validateRunbook(parsed.runbook, { parseDiagnostics: parsed.diagnostics });
    expect(validation.valid).toBe(false);
  });

  it('refuses a second Concurrency section (which one was meant is unclear)', () => {
    const { policy, validation } = read('limit: 1', '# Concurrency\n```yaml\nlocks: [a]\n```\n');
    expect(policy).toBeNull();
    expect(validation.valid).toBe(false);
  });

  it('refuses a heading that looks like the section', () => {
    const { policy, validation } = read(null, '## Concurrency\n```yaml\nlimit: 1\n```\n');
    expect(policy).toBeNull();
    expect(validation.valid).toBe(false);
  });
});
