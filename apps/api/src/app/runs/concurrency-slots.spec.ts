import { parseRunbook } from '@runbooks/runbook-format';

import { slotsOf } from './concurrency-slots';

function policyOf(concurrency: string, env = 'TARGET_ENV: where') {
  const text = [
    '# Deploy',
    '# Environment Requirements',
    '```yaml',
    env,
    '```',
    '# Concurrency',
    '```yaml',
    concurrency,
    '```',
    '# Script',
    '```sh',
    'true',
    '```',
    '# History',
  ].join('\n');
  const { runbook } = parseRunbook(text, { filename: 'Deploy.md' });
  return { policy: runbook.concurrency, environment: runbook.environment };
}

describe('slotsOf', () => {
  it('gives a limit per key value and one slot per lock', () => {
    const { policy, environment } = policyOf('limit: 2\nkey: TARGET_ENV\nlocks: [prod-db, cache]');
    expect(slotsOf('Deploy.md', policy, { TARGET_ENV: 'prod' }, environment)).toEqual([
      {
        key: 'limit:Deploy.md:TARGET_ENV=prod',
        limit: 2,
        label: 'concurrency limit 2 of Deploy.md for TARGET_ENV=prod',
      },
      { key: 'lock:prod-db', limit: 1, label: 'lock prod-db' },
      { key: 'lock:cache', limit: 1, label: 'lock cache' },
    ]);
  });

  it('counts a run without a value under the default, else the empty value', () => {
    const withDefault = policyOf(
      'limit: 1\nkey: TARGET_ENV',
      'TARGET_ENV:\n  description: where\n  default: staging',
    );
    expect(slotsOf('Deploy.md', withDefault.policy, {}, withDefault.environment)[0]?.key).toBe(
      'limit:Deploy.md:TARGET_ENV=staging',
    );
    const plain = policyOf('limit: 1\nkey: TARGET_ENV');
    expect(slotsOf('Deploy.md', plain.policy, {}, plain.environment)[0]?.key).toBe(
      'limit:Deploy.md:TARGET_ENV=',
    );
  });

  it('never shows a secret key value, and hashes long values', () => {
    const secret = policyOf(
      'limit: 1\nkey: TOKEN',
      'TOKEN:\n  description: a secret\n  secret: true',
    );
    const [slot] = slotsOf(
      'Deploy.md',
      secret.policy,
      { TOKEN: 's3cr3t-value' },
      secret.environment,
    );
    expect(slot?.label).toBe('concurrency limit 1 of Deploy.md for TOKEN=***');
    expect(JSON.stringify(slot)).not.toContain('s3cr3t-value');
    const plain = policyOf('limit: 1\nkey: TARGET_ENV');
    const long = 'x'.repeat(500);
    const [hashed] = slotsOf('Deploy.md', plain.policy, { TARGET_ENV: long }, plain.environment);
    expect(hashed?.key).toMatch(/^limit:Deploy\.md:TARGET_ENV=sha256:[0-9a-f]{64}$/);
    expect(hashed?.label.length).toBeLessThan(200);
  });

  it('gives no slot without rules or for an unreadable section (validation refuses it)', () => {
    expect(slotsOf('Deploy.md', null, {}, null)).toEqual([]);
  });
});
