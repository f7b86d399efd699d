import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ALL_CONFIG, REFERENCE_CONFIG } from './config-definitions';
import { DEFAULT_JWT_SECRET, loadConfig, parseRequiredClaims } from './load-config';

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'api-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const valid = () => ({ EXECUTION_DIR: dir, JWT_SECRET: 'not-the-default' });

  it('applies the reference defaults and types values', () => {
    const result = loadConfig({ ...valid(), API_PORT: '9000', ENABLE_LOGIN: 'TRUE' });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const { config } = result;
    expect(config.apiPort).toBe(9000);
    expect(config.enableLogin).toBe(true);
    expect(config.runbooksDir).toBe('/runbooks');
    expect(config.scriptTimeoutSeconds).toBe(600);
    expect(config.maxOutputSizeBytes).toBe(10_485_760);
    expect(config.maxRecursionDepth).toBe(50);
    expect(config.jwt).toMatchObject({
      algorithm: 'HS256',
      issuer: 'dev-idp',
      audience: 'dev-api',
      ttlMinutes: 480,
      requireExp: true,
      jwksRefetchIntervalSeconds: 10,
    });
    expect(config.dataDir).toBe('./data');
    expect(config.sseHeartbeatSeconds).toBe(15);
    expect(config.sseClientMaxBacklogBytes).toBe(1_048_576);
    expect(config.sseClientIdleSeconds).toBe(30);
    expect(config.adminRequiredClaims).toEqual({ roles: ['admin'] });
    expect(config.mcp).toEqual({ enabled: true, requiredClaims: {} });
    expect(config.rateLimit).toEqual({
      enabled: true,
      perMinute: 60,
      executePerMinute: 10,
      storage: 'memory',
      redisUrl: 'redis://localhost:6379/0',
      keyPrefix: 'runbooks:rate-limit:',
    });
    expect(config.logFormat).toBe('text');
  });

  it('lists config_items in reference order, raw strings, sources, secrets masked', () => {
    const result = loadConfig({ ...valid(), API_PORT: '9000', REDIS_URL: 'redis://:pw@r:6379' });
    if (!result.ok) throw new Error('invalid');
    const items = result.config.items;
    expect(items.map((item) => item.name)).toEqual(ALL_CONFIG.map((def) => def.name));
    expect(items.slice(0, REFERENCE_CONFIG.length).map((item) => item.name)).toEqual([
      'BUILT_AT',
      'LOGGING_LEVEL',
      'RUNBOOKS_DIR',
      'EXECUTION_DIR',
      'MOUNT_DIR',
      'API_PROTOCOL',
      'API_HOST',
      'UI_HEADER',
      'JWT_ALGORITHM',
      'JWT_ISSUER',
      'JWT_AUDIENCE',
      'API_PORT',
      'JWT_TTL_MINUTES',
      'SCRIPT_TIMEOUT_SECONDS',
      'MAX_OUTPUT_SIZE_BYTES',
      'MAX_RECURSION_DEPTH',
      'ENABLE_LOGIN',
      'JWT_SECRET',
    ]);
    const byName = new Map(items.map((item) => [item.name, item]));
    expect(byName.get('API_PORT')).toEqual({
      name: 'API_PORT',
      value: '9000',
      from: 'environment',
    });
    expect(byName.get('JWT_TTL_MINUTES')).toEqual({
      name: 'JWT_TTL_MINUTES',
      value: '480',
      from: 'default',
    });
    expect(byName.get('JWT_SECRET')?.value).toBe('secret');
    expect(byName.get('REDIS_URL')).toEqual({
      name: 'REDIS_URL',
      value: 'secret',
      from: 'environment',
    });
  });

  it('treats an empty variable as unset, like the reference', () => {
    const result = loadConfig({ ...valid(), API_PORT: '' });
    expect(result.ok && result.config.apiPort).toBe(8083);
  });

  it('reports every bad value at once', () => {
    const result = loadConfig({
      API_PORT: 'eighty',
      JWT_TTL_MINUTES: '0',
      ENABLE_LOGIN: 'maybe',
      JWT_ALGORITHM: 'none',
      RATE_LIMIT_STORAGE_BACKEND: 'mongo',
      ADMIN_REQUIRED_CLAIMS: 'roles',
      MCP_REQUIRED_CLAIMS: '=agent',
      MCP_ENABLED: 'perhaps',
      LOG_FORMAT: 'xml',
      EXECUTION_DIR: join(dir, 'missing'),
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      "JWT_ALGORITHM must be one of HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, ES512, PS256 (got 'none')",
      "API_PORT must be an integer (got 'eighty')",
      'JWT_TTL_MINUTES must be at least 1 (got 0)',
      "ENABLE_LOGIN must be true or false (got 'maybe')",
      "RATE_LIMIT_STORAGE_BACKEND must be one of memory, redis (got 'mongo')",
      "LOG_FORMAT must be one of text, json (got 'xml')",
      "MCP_ENABLED must be true or false (got 'perhaps')",
      'JWT_SECRET must be explicitly set. Using the default value is not allowed for security reasons. Please set JWT_SECRET environment variable to a secure random value.',
      "ADMIN_REQUIRED_CLAIMS must look like 'roles=admin' or 'roles=admin,ops;team=core'",
      "MCP_REQUIRED_CLAIMS must look like 'roles=agent' or 'roles=agent,ops;team=core' (or be empty)",
      `${join(dir, 'missing')} does not exist. Mount the host path at EXECUTION_DIR (e.g. -v "$MOUNT_DIR:${join(dir, 'missing')}").`,
    ]);
  });

  it('reads the scheduler identity; SCHEDULER_CLAIMS must be a JSON object', () => {
    const defaults = loadConfig(valid());
    expect(defaults.ok && defaults.config.scheduler).toEqual({
      enabled: true,
      subject: 'scheduler',
      claims: {},
    });
    const set = loadConfig({
      ...valid(),
      SCHEDULER_ENABLED: 'false',
      SCHEDULER_SUBJECT: 'cron-bot',
      SCHEDULER_CLAIMS: '{"roles":["sre"],"team":"core"}',
    });
    expect(set.ok && set.config.scheduler).toEqual({
      enabled: false,
      subject: 'cron-bot',
      claims: { roles: ['sre'], team: 'core' },
    });
    for (const bad of ['roles=sre', '["sre"]', 'null', '{"roles":']) {
      const result = loadConfig({ ...valid(), SCHEDULER_CLAIMS: bad });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.errors).toEqual([
        'SCHEDULER_CLAIMS must be a JSON object such as {"roles":["sre"]} (or be empty)',
      ]);
    }
  });

  it('refuses an execution dir that is a file', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const result = loadConfig({ ...valid(), EXECUTION_DIR: file });
    expect(result.ok ? [] : result.errors).toEqual([`${file} is not a directory.`]);
  });

  it('allows the default secret when tokens are verified with a public key or JWKS', () => {
    const withKey = loadConfig({
      EXECUTION_DIR: dir,
      JWT_SECRET: DEFAULT_JWT_SECRET,
      JWT_ALGORITHM: 'RS256',
      JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----',
    });
    expect(withKey.ok).toBe(true);
    if (withKey.ok) expect(withKey.config.jwt.publicKey).toContain('\nabc\n');
    expect(loadConfig({ EXECUTION_DIR: dir, JWT_JWKS_URL: 'http://idp/jwks' }).ok).toBe(true);
  });

  it('stays embedded without DATABASE_URL and reads the distributed settings with it', () => {
    const embedded = loadConfig(valid());
    expect(embedded.ok && embedded.config.distributed).toBeNull();
    const result = loadConfig({
      ...valid(),
      DATABASE_URL: 'postgres://runbooks@db:5432/runbooks',
      REDIS_URL: 'redis://redis:6379/0',
      RUNBOOK_ROLE: 'worker',
      LOST_AFTER_SECONDS: '45',
    });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config.distributed).toEqual({
      databaseUrl: 'postgres://runbooks@db:5432/runbooks',
      redisUrl: 'redis://redis:6379/0',
      role: 'worker',
      keyPrefix: 'runbooks',
      maxConcurrentNestedRuns: 4,
      reconcileIntervalSeconds: 10,
      lostAfterSeconds: 45,
      eventsStream: 'runs.events',
      webhookUrl: '',
      webhookSecret: '',
    });
    expect(result.config.items.find((item) => item.name === 'DATABASE_URL')?.value).toBe('secret');
  });

  it('refuses incomplete distributed settings, listing every problem', () => {
    const result = loadConfig({
      ...valid(),
      DATABASE_URL: 'mysql://db/runbooks',
      EVENTS_WEBHOOK_URL: 'https://hooks.example/runs',
    });
    expect(result.ok ? [] : result.errors).toEqual([
      'DATABASE_URL must be a postgres:// or postgresql:// URL',
      'REDIS_URL must be set when DATABASE_URL is set (the distributed mode needs both)',
      'EVENTS_WEBHOOK_SECRET must be set when EVENTS_WEBHOOK_URL is set',
    ]);
    const role = loadConfig({ ...valid(), RUNBOOK_ROLE: 'api' });
    expect(role.ok ? [] : role.errors).toEqual([
      'RUNBOOK_ROLE=api or worker needs the distributed mode: set DATABASE_URL and REDIS_URL',
    ]);
  });

  it('keeps the server environment for scripts to take declared variables from', () => {
    const result = loadConfig({ ...valid(), TEST_VAR: 'x' });
    expect(result.ok && result.config.serverEnv['TEST_VAR']).toBe('x');
  });
});

describe('parseRequiredClaims', () => {
  it('reads claim=value lists separated by semicolons', () => {
    expect(parseRequiredClaims('roles=admin, ops; team = core')).toEqual({
      roles: ['admin', 'ops'],
      team: ['core'],
    });
    expect(parseRequiredClaims('')).toEqual({});
    expect(parseRequiredClaims('roles')).toBeNull();
    expect(parseRequiredClaims('=admin')).toBeNull();
  });
});
