import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { EnvRequirement } from '@runbooks/runbook-format';

import { EnvSecretSource } from './env-secret-source';
import { FileSecretSource } from './file-secret-source';
import { SecretResolver } from './secret-resolver';

/** A declaration for tests: a secret string read `from` where given. */
function legacyDeclarationForTest(name: string, from: string | null): EnvRequirement {
  return {
    name,
    description: '',
    line: 1,
    type: 'string',
    enum: null,
    pattern: null,
    minimum: null,
    maximum: null,
    default: null,
    required: true,
    secret: from !== null,
    from,
  };
}

describe('secret sources', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'secret-sources-'));
    writeFileSync(join(dir, 'db-password'), 'line-one\nline-two\n');
    writeFileSync(join(dir, 'crlf'), 'value\r\n');
    writeFileSync(join(dir, 'huge'), 'x'.repeat(70 * 1024));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('file: reads SECRETS_DIR/NAME, trims one trailing newline, refuses paths and huge files', async () => {
    const source = new FileSecretSource(dir);
    expect(await source.read('db-password')).toBe('line-one\nline-two');
    expect(await source.read('crlf')).toBe('value');
    expect(await source.read('missing')).toBeNull();
    expect(await source.read('../etc/passwd')).toBeNull();
    expect(await source.read('.hidden')).toBeNull();
    expect(await source.read('huge')).toBeNull();
    expect(await new FileSecretSource('').read('db-password')).toBeNull();
  });

  it('env: reads only allowlisted server variables', async () => {
    const source = new EnvSecretSource({ ALLOWED: 'yes', OTHER: 'no' }, ['ALLOWED', 'UNSET']);
    expect(await source.read('ALLOWED')).toBe('yes');
    expect(await source.read('OTHER')).toBeNull();
    expect(await source.read('UNSET')).toBeNull();
    expect(await source.read('toString')).toBeNull();
  });

  it('the resolver maps from declarations to values and leaves out what no source has', async () => {
    const resolver = new SecretResolver([
      new FileSecretSource(dir),
      new EnvSecretSource({ TOKEN: 'env-token' }, ['TOKEN']),
    ]);
    const values = await resolver.resolve([
      legacyDeclarationForTest('A', 'file:crlf'),
      legacyDeclarationForTest('B', 'env:TOKEN'),
      legacyDeclarationForTest('C', 'file:missing'),
      legacyDeclarationForTest('D', 'vault:kv/x'),
      legacyDeclarationForTest('E', null),
    ]);
    expect(values).toEqual({ A: 'value', B: 'env-token' });
  });
});
