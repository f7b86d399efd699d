import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { checkSecretsConfig, secretNameList } from './secrets-config';

describe('checkSecretsConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'secrets-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const check = (values: Record<string, string>, distributed = false, usesKeyPair = false) =>
    checkSecretsConfig((name) => values[name] ?? '', { distributed, usesKeyPair });

  it('accepts an existing folder, plain names and a long enough key', () => {
    expect(
      check({
        SECRETS_DIR: dir,
        SECRET_ENV_ALLOWLIST: ' VAULT_TOKEN , APP_DB_PASSWORD,',
        RUN_REQUEST_KEY: 'k'.repeat(32),
      }),
    ).toEqual([]);
    expect(secretNameList(' A, ,B ')).toEqual(['A', 'B']);
  });

  it("refuses the server's own settings, bad names, a missing folder and a short key", () => {
    expect(
      check({
        SECRETS_DIR: join(dir, 'missing'),
        SECRET_ENV_ALLOWLIST: 'JWT_SECRET,REDIS_URL,RUNBOOK_ROLE,RUNBOOK_X,bad-name',
        RUN_REQUEST_KEY: 'short',
      }),
    ).toEqual([
      `SECRETS_DIR must be an existing directory (got '${join(dir, 'missing')}')`,
      "SECRET_ENV_ALLOWLIST must not list JWT_SECRET: it is one of the server's own settings, which runbooks may never read",
      "SECRET_ENV_ALLOWLIST must not list REDIS_URL: it is one of the server's own settings, which runbooks may never read",
      "SECRET_ENV_ALLOWLIST must not list RUNBOOK_ROLE: it is one of the server's own settings, which runbooks may never read",
      "SECRET_ENV_ALLOWLIST must not list RUNBOOK_X: it is one of the server's own settings, which runbooks may never read",
      "SECRET_ENV_ALLOWLIST: 'bad-name' is not a variable name",
      'RUN_REQUEST_KEY must be at least 32 characters',
    ]);
  });

  it('needs RUN_REQUEST_KEY in the distributed mode with public-key tokens only', () => {
    expect(check({}, true, false)).toEqual([]);
    expect(check({}, true, true)).toEqual([
      expect.stringContaining('RUN_REQUEST_KEY must be set in the distributed mode'),
    ]);
  });
});
