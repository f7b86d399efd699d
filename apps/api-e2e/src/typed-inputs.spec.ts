import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type {
  ExecuteResult,
  RequiredEnvResponse,
  RunRecord,
  ValidateResponse,
} from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { doneOf, parseSse } from './support/sse';

const FENCE = '```';

/** A runbook with a raw Environment Requirements block. */
function runbook(name: string, env: string, script: string): string {
  return [
    `# ${name}`,
    'Typed inputs under test.',
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
    `${FENCE}sh`,
    script,
    FENCE,
    '',
    '# History',
    '',
  ].join('\n');
}

const TYPED_ENV = `TARGET_ENV:
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
DRY_RUN:
  type: boolean
  default: false`;

const SECRET_ENV = `DB_PASSWORD:
  description: Password of the app user
  secret: true
SIGNING_KEY:
  description: Release signing key
  secret: true
  from: file:release-signing-key
DEPLOY_TOKEN:
  description: Token the server holds
  from: env:DEPLOY_TOKEN_SOURCE`;

/** Prints each secret in many ways: plain, in printf pieces, base64, inside JSON, on stderr. */
const LEAKY_SCRIPT = `for name in DB_PASSWORD SIGNING_KEY DEPLOY_TOKEN; do
  value=\${(P)name}
  print -r -- "plain $name=$value"
  printf '%s' "split $name=\${value[1,5]}"; sleep 0.1; printf '%s\\n' "\${value[6,-1]}"
  print -rn -- "$value" | base64
  print -r -- "$value" | base64
  print -r -- "prefix:$value" | base64
  printf '{"%s":"%s"}\\n' "$name" "$value"
  print -r -- "stderr $name=$value" >&2
done
print -r -- "done"`;

const DB_PASSWORD = 'Db-Pa55word!with/odd+chars';
const SIGNING_KEY = 'signing-key-from-the-secrets-folder';
const DEPLOY_TOKEN = 'deploy-token-from-the-server-env';
const SECRETS = [DB_PASSWORD, SIGNING_KEY, DEPLOY_TOKEN];

/** Every form of the secrets a careless sink could show. */
function leakedForms(): string[] {
  return SECRETS.flatMap((value) => [
    value,
    value.slice(5),
    Buffer.from(value).toString('base64').slice(0, 16),
    Buffer.from(`${value}\n`).toString('base64').slice(0, 16),
  ]);
}

function expectNoSecret(where: string, text: string): void {
  for (const form of leakedForms()) {
    if (text.includes(form)) throw new Error(`${where} shows the secret form '${form}'`);
  }
}

describe('typed inputs and secrets', () => {
  let server: ApiServer;
  let token: string;
  let secretsDir: string;

  beforeAll(async () => {
    secretsDir = mkdtempSync(join(tmpdir(), 'runbooks-secrets-'));
    writeFileSync(join(secretsDir, 'release-signing-key'), `${SIGNING_KEY}\n`, { mode: 0o600 });
    server = await startApi({
      samples: false,
      env: {
        SECRETS_DIR: secretsDir,
        SECRET_ENV_ALLOWLIST: 'DEPLOY_TOKEN_SOURCE',
        DEPLOY_TOKEN_SOURCE: DEPLOY_TOKEN,
      },
      runbooks: {
        'Typed.md': runbook(
          'Typed',
          TYPED_ENV,
          'print -r -- "env=$TARGET_ENV replicas=$REPLICAS ticket=$TICKET note=${NOTE-unset} dry=$DRY_RUN"',
        ),
        'Secret.md': runbook('Secret', SECRET_ENV, LEAKY_SCRIPT),
        'MissingFrom.md': runbook(
          'MissingFrom',
          'KEY:\n  description: Not in the folder\n  from: file:no-such-secret',
          'print -r -- "should not run"',
        ),
      },
    });
    token = server.token({ sub: 'alice', roles: ['sre'] });
  });

  afterAll(async () => {
    await stopAllServers();
    rmSync(secretsDir, { recursive: true, force: true });
  });

  const execute = (file: string, envVars: Record<string, unknown>, accept = 'application/json') =>
    call<ExecuteResult>(server, `/api/runbooks/${file}/execute`, {
      method: 'POST',
      token,
      json: { env_vars: envVars },
      headers: { Accept: accept },
    });
  const validate = (file: string, envVars: Record<string, unknown>) =>
    call<ValidateResponse>(server, `/api/runbooks/${file}/validate`, {
      method: 'PATCH',
      token,
      json: { env_vars: envVars },
    });

  it('required-env reports every declaration in its declared type, never a value', async () => {
    const typed = await call<RequiredEnvResponse>(server, '/api/runbooks/Typed.md/required-env', {
      token,
    });
    expect(typed.status).toBe(200);
    expect(typed.body.required.map((v) => v.name)).toEqual([
      'TARGET_ENV',
      'REPLICAS',
      'TICKET',
      'NOTE',
      'DRY_RUN',
    ]);
    expect(typed.body.required[1]).toEqual({
      name: 'REPLICAS',
      description: 'How many replicas',
      type: 'integer',
      enum: null,
      pattern: null,
      minimum: 1,
      maximum: 10,
      default: 2,
      required: true,
      secret: false,
      from: null,
    });
    expect(typed.body.required[0]?.enum).toEqual(['staging', 'production']);
    expect(typed.body.required[3]?.required).toBe(false);
    expect(typed.body.required[4]?.default).toBe(false);
    const secret = await call<RequiredEnvResponse>(server, '/api/runbooks/Secret.md/required-env', {
      token,
    });
    expect(secret.body.required.map((v) => [v.name, v.secret, v.from])).toEqual([
      ['DB_PASSWORD', true, null],
      ['SIGNING_KEY', true, 'file:release-signing-key'],
      ['DEPLOY_TOKEN', true, 'env:DEPLOY_TOKEN_SOURCE'],
    ]);
    expect(secret.body.available.map((v) => v.name)).toEqual(['SIGNING_KEY', 'DEPLOY_TOKEN']);
    expectNoSecret('required-env', secret.text);
  });

  it('reports every problem at once: validate 400, execute 200 success false, nothing run', async () => {
    const bad = { TARGET_ENV: 'prod', REPLICAS: 'two', TICKET: 'CHG12', DRY_RUN: 'yes' };
    const expected = [
      "TARGET_ENV must be one of: staging, production (got 'prod')",
      "REPLICAS must be an integer between 1 and 10 (got 'two')",
      'TICKET does not match ^CHG[0-9]{4,}$',
      "DRY_RUN must be true or false (got 'yes')",
    ];
    const validated = await validate('Typed.md', bad);
    expect(validated.status).toBe(400);
    expect(validated.body.errors).toEqual(expected);
    const executed = await execute('Typed.md', bad);
    expect(executed.status).toBe(200);
    expect(executed.body).toMatchObject({ success: false, return_code: 1, errors: expected });
    expect(executed.body.stdout).toBe('');
    const record = await call<RunRecord>(server, `/api/runs/${executed.body.run_id ?? ''}`, {
      token,
    });
    expect(record.body.status).toBe('failure');
    expect(record.body.started_at ?? null).toBeNull();
  });

  it('applies defaults, accepts numbers and booleans, lets optional variables be absent', async () => {
    const defaults = await execute('Typed.md', { TARGET_ENV: 'staging', TICKET: 'CHG0042' });
    expect(defaults.body.stdout).toBe(
      'env=staging replicas=2 ticket=CHG0042 note=unset dry=false\n',
    );
    const typed = await execute('Typed.md', {
      TARGET_ENV: 'production',
      TICKET: 'CHG12345',
      REPLICAS: 10,
      DRY_RUN: 'TRUE',
      NOTE: 'hello',
    });
    expect(typed.body.stdout).toBe(
      'env=production replicas=10 ticket=CHG12345 note=hello dry=true\n',
    );
    const json = await execute('Typed.md', {
      TARGET_ENV: 'staging',
      TICKET: 'CHG0001',
      REPLICAS: 3,
      DRY_RUN: true,
    });
    expect(json.body.stdout).toContain('replicas=3');
    expect(json.body.stdout).toContain('dry=true');
  });

  it('masks secrets in SSE, JSON, the run record, events, History, the audit log and the logs', async () => {
    const sse = await execute('Secret.md', { DB_PASSWORD }, 'text/event-stream');
    expect(sse.status).toBe(200);
    const done = doneOf(parseSse(sse.text)) as unknown as ExecuteResult;
    expect(done.return_code).toBe(0);
    expect(done.stdout).toContain('plain DB_PASSWORD=***');
    expect(done.stdout).toContain('plain SIGNING_KEY=***');
    expect(done.stdout).toContain('plain DEPLOY_TOKEN=***');
    expect(done.stdout).toContain('{"DB_PASSWORD":"***"}');
    expect(done.stderr).toContain('stderr DEPLOY_TOKEN=***');
    expectNoSecret('the SSE stream', sse.text);

    const json = await execute('Secret.md', { DB_PASSWORD });
    expect(json.body.success).toBe(true);
    expectNoSecret('the JSON result', json.text);

    for (const runId of [done.run_id ?? '', json.body.run_id ?? '']) {
      const record = await call(server, `/api/runs/${runId}`, { token });
      expect(record.status).toBe(200);
      expectNoSecret('the run record', record.text);
      const events = await call(server, `/api/runs/${runId}/events`, { token });
      expect(events.text).toContain('***');
      expectNoSecret('the run events', events.text);
    }
    const list = await call(server, '/api/runs?limit=50', { token });
    expectNoSecret('the run list', list.text);
    expectNoSecret('the History', readFileSync(join(server.dirs.runbooks, 'Secret.md'), 'utf8'));
    const audit = readFileSync(join(server.dirs.data, 'history.jsonl'), 'utf8');
    expect(audit).toContain('plain DB_PASSWORD=***');
    expectNoSecret('the audit log', audit);
    expectNoSecret('the server log', server.logs);
    // The run store on disk (SQLite) holds only masked output and variable names.
    const { readdirSync } = await import('node:fs');
    for (const file of readdirSync(server.dirs.data)) {
      expectNoSecret(`data file ${file}`, readFileSync(join(server.dirs.data, file), 'latin1'));
    }
  });

  it('refuses a caller-supplied from variable and a short secret, naming them', async () => {
    const body = { DB_PASSWORD: 'abc', SIGNING_KEY: 'my-own-key', DEPLOY_TOKEN: 'mine-too' };
    const expected = [
      'DB_PASSWORD is too short to be masked safely: a secret needs at least 4 characters',
      'SIGNING_KEY is provided by the server (from: file:release-signing-key) and cannot be set by the caller',
      'DEPLOY_TOKEN is provided by the server (from: env:DEPLOY_TOKEN_SOURCE) and cannot be set by the caller',
    ];
    const validated = await validate('Secret.md', body);
    expect(validated.status).toBe(400);
    expect(validated.body.errors).toEqual(expected);
    const executed = await execute('Secret.md', body);
    expect(executed.status).toBe(200);
    expect(executed.body).toMatchObject({ success: false, errors: expected, stdout: '' });
  });

  it('names a from secret the server cannot read, never the secrets folder', async () => {
    const validated = await validate('MissingFrom.md', {});
    expect(validated.status).toBe(400);
    expect(validated.body.errors).toEqual([
      'KEY is provided by the server (from: file:no-such-secret), but the server has no value for it',
    ]);
    expect(validated.text).not.toContain(secretsDir);
    const executed = await execute('MissingFrom.md', {});
    expect(executed.body.success).toBe(false);
    expect(executed.body.stdout).toBe('');
    expect(executed.text).not.toContain(secretsDir);
  });

  it('stops at start when SECRET_ENV_ALLOWLIST lists a server setting or SECRETS_DIR is missing', async () => {
    const refused = await startApi({
      samples: false,
      env: {
        SECRET_ENV_ALLOWLIST: 'FINE_NAME,JWT_SECRET,DATABASE_URL',
        SECRETS_DIR: join(secretsDir, 'no-such-folder'),
      },
      waitLive: false,
    });
    expect(await refused.waitForExit()).not.toBe(0);
    expect(refused.logs).toContain(
      "SECRET_ENV_ALLOWLIST must not list JWT_SECRET: it is one of the server's own settings, which runbooks may never read",
    );
    expect(refused.logs).toContain('SECRET_ENV_ALLOWLIST must not list DATABASE_URL');
    expect(refused.logs).toContain('SECRETS_DIR must be an existing directory');
    expect(refused.logs).not.toContain('FINE_NAME');
  });
});
