import { readSchedulerConfig } from './scheduler-config';
import { accessSync, constants, statSync } from 'node:fs';

import type { ConfigItem } from '@runbooks/types';

import type { AppConfig, RequiredClaimsConfig, RunbookRole } from './app-config';
import { ALL_CONFIG, type ConfigDefinition } from './config-definitions';
import { readSecurityConfig } from './security-config';
import { checkSecretsConfig, secretNameList } from './secrets-config';

/** The default JWT secret; the server refuses to start with it (as the reference). */
export const DEFAULT_JWT_SECRET = 'dev-secret-change-me';

/** Outcome of reading the environment: a config, or every problem found. */
export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; errors: string[] };

type Raw = Record<string, { value: string; from: 'default' | 'environment' }>;

function readRaw(env: NodeJS.ProcessEnv): Raw {
  const raw: Raw = {};
  for (const def of ALL_CONFIG) {
    const given = env[def.name];
    raw[def.name] = given
      ? { value: given, from: 'environment' }
      : { value: def.defaultValue, from: 'default' };
  }
  return raw;
}

function checkValue(def: ConfigDefinition, value: string): string | null {
  if (def.kind === 'int') {
    if (!/^-?\d+$/.test(value.trim())) return `${def.name} must be an integer (got '${value}')`;
    if (def.min !== undefined && Number(value) < def.min)
      return `${def.name} must be at least ${def.min} (got ${value})`;
  }
  if (def.kind === 'bool' && !/^(true|false|1|0|yes|no)$/i.test(value.trim())) {
    return `${def.name} must be true or false (got '${value}')`;
  }
  if (def.oneOf && !def.oneOf.includes(value))
    return `${def.name} must be one of ${def.oneOf.join(', ')} (got '${value}')`;
  return null;
}

/** Parses `roles=admin,ops;team=core` into required claims. */
export function parseRequiredClaims(text: string): RequiredClaimsConfig | null {
  const claims: RequiredClaimsConfig = {};
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([^=\s]+)\s*=\s*(.+)$/.exec(part);
    if (!match?.[1] || !match[2]) return null;
    claims[match[1]] = match[2]
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  }
  return claims;
}

function checkExecutionDir(dir: string): string | null {
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory.`;
  } catch {
    return `${dir} does not exist. Mount the host path at EXECUTION_DIR (e.g. -v "$MOUNT_DIR:${dir}").`;
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return `${dir} is not writable. Mount a volume over it (e.g. -v "$MOUNT_DIR:${dir}").`;
  }
  return null;
}

/** Parses `RUNNER_UID_RANGE` (`20000-20999`): at least 1000, first ≤ last. */
export function parseUidRange(text: string): { first: number; last: number } | null {
  const match = /^\s*(\d{1,9})\s*-\s*(\d{1,9})\s*$/.exec(text);
  if (!match?.[1] || !match[2]) return null;
  const first = Number(match[1]);
  const last = Number(match[2]);
  return first >= 1000 && first <= last ? { first, last } : null;
}

/** A comma-separated list of names. */
function nameList(text: string): string[] {
  return text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function roleOf(value: string): RunbookRole {
  return value === 'api' || value === 'worker' ? value : 'all';
}

const isTrue = (value: string) => /^(true|1|yes)$/i.test(value.trim());

/**
 * Reads and validates the configuration once. Returns every problem at once rather than the first.
 */
export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const raw = readRaw(env);
  const value = (name: string) => raw[name]?.value ?? '';
  const errors = ALL_CONFIG.map((def) => checkValue(def, value(def.name))).filter(
    (e): e is string => e !== null,
  );
  const usesKeyPair = value('JWT_PUBLIC_KEY') !== '' || value('JWT_JWKS_URL') !== '';
  if (!usesKeyPair && value('JWT_SECRET') === DEFAULT_JWT_SECRET) {
    errors.push(
      'JWT_SECRET must be explicitly set. Using the default value is not allowed for security reasons. Please set JWT_SECRET environment variable to a secure random value.',
    );
  }
  const { errors: securityErrors, security } = readSecurityConfig(value, env, usesKeyPair);
  errors.push(...securityErrors);
  const adminClaims = parseRequiredClaims(value('ADMIN_REQUIRED_CLAIMS'));
  if (!adminClaims)
    errors.push(
      `ADMIN_REQUIRED_CLAIMS must look like 'roles=admin' or 'roles=admin,ops;team=core'`,
    );
  const mcpClaims = parseRequiredClaims(value('MCP_REQUIRED_CLAIMS'));
  if (!mcpClaims)
    errors.push(
      `MCP_REQUIRED_CLAIMS must look like 'roles=agent' or 'roles=agent,ops;team=core' (or be empty)`,
    );
  const { errors: schedulerErrors, scheduler } = readSchedulerConfig(value);
  errors.push(...schedulerErrors);
  const executionDirError = checkExecutionDir(value('EXECUTION_DIR'));
  if (executionDirError) errors.push(executionDirError);
  const databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== '') {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl))
      errors.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
    if (raw['REDIS_URL']?.from !== 'environment')
      errors.push(
        'REDIS_URL must be set when DATABASE_URL is set (the distributed mode needs both)',
      );
  } else if (raw['RUNBOOK_ROLE']?.from === 'environment' && value('RUNBOOK_ROLE') !== 'all') {
    errors.push(
      'RUNBOOK_ROLE=api or worker needs the distributed mode: set DATABASE_URL and REDIS_URL',
    );
  }
  const uidRange = parseUidRange(value('RUNNER_UID_RANGE'));
  if (!uidRange)
    errors.push(
      `RUNNER_UID_RANGE must look like 20000-20999 (first uid at least 1000, first <= last; got '${value('RUNNER_UID_RANGE')}')`,
    );
  if (value('EVENTS_WEBHOOK_URL') !== '' && value('EVENTS_WEBHOOK_SECRET') === '')
    errors.push('EVENTS_WEBHOOK_SECRET must be set when EVENTS_WEBHOOK_URL is set');
  errors.push(...checkSecretsConfig(value, { distributed: databaseUrl !== '', usesKeyPair }));
  if (errors.length > 0) return { ok: false, errors };

  const int = (name: string) => Number(value(name));
  const items: ConfigItem[] = ALL_CONFIG.map((def) => ({
    name: def.name,
    value: def.secret ? 'secret' : value(def.name),
    from: raw[def.name]?.from ?? 'default',
  }));
  return {
    ok: true,
    config: {
      builtAt: value('BUILT_AT'),
      loggingLevel: value('LOGGING_LEVEL'),
      runbooksDir: value('RUNBOOKS_DIR'),
      executionDir: value('EXECUTION_DIR'),
      mountDir: value('MOUNT_DIR'),
      apiProtocol: value('API_PROTOCOL'),
      apiHost: value('API_HOST'),
      uiHeader: value('UI_HEADER'),
      apiPort: int('API_PORT'),
      jwt: {
        algorithm: value('JWT_ALGORITHM'),
        issuer: value('JWT_ISSUER'),
        audience: value('JWT_AUDIENCE'),
        secret: value('JWT_SECRET'),
        publicKey: value('JWT_PUBLIC_KEY').replace(/\\n/g, '\n'),
        jwksUrl: value('JWT_JWKS_URL'),
        jwksRefetchIntervalSeconds: int('JWKS_REFETCH_INTERVAL_SECONDS'),
        ttlMinutes: int('JWT_TTL_MINUTES'),
        requireExp: isTrue(value('JWT_REQUIRE_EXP')),
      },
      enableLogin: isTrue(value('ENABLE_LOGIN')),
      scriptTimeoutSeconds: int('SCRIPT_TIMEOUT_SECONDS'),
      maxOutputSizeBytes: int('MAX_OUTPUT_SIZE_BYTES'),
      maxRecursionDepth: int('MAX_RECURSION_DEPTH'),
      dataDir: value('RUNBOOK_DATA_DIR'),
      historyMarkdown: isTrue(value('RUNBOOK_HISTORY_MARKDOWN')),
      historyFsync: isTrue(value('RUNBOOK_HISTORY_FSYNC')),
      historyOutputBytes: int('RUNBOOK_HISTORY_OUTPUT_BYTES'),
      historyResponseBytes: int('RUNBOOK_HISTORY_RESPONSE_BYTES'),
      adminRequiredClaims: adminClaims ?? {},
      envPassthrough: nameList(value('ENV_PASSTHROUGH')),
      maxConcurrentRuns: int('MAX_CONCURRENT_RUNS'),
      killGraceSeconds: int('KILL_GRACE_SECONDS'),
      shutdownGraceSeconds: int('SHUTDOWN_GRACE_SECONDS'),
      sseHeartbeatSeconds: int('SSE_HEARTBEAT_SECONDS'),
      sseClientMaxBacklogBytes: int('SSE_CLIENT_MAX_BACKLOG_BYTES'),
      sseClientIdleSeconds: int('SSE_CLIENT_IDLE_SECONDS'),
      rateLimit: {
        enabled: isTrue(value('RATE_LIMIT_ENABLED')),
        perMinute: int('RATE_LIMIT_PER_MINUTE'),
        executePerMinute: int('RATE_LIMIT_EXECUTE_PER_MINUTE'),
        storage: value('RATE_LIMIT_STORAGE_BACKEND') === 'redis' ? 'redis' : 'memory',
        redisUrl: value('REDIS_URL'),
        keyPrefix: value('RATE_LIMIT_KEY_PREFIX'),
      },
      trustProxy: security.trustProxy,
      webDir: value('WEB_DIR'),
      demo: isTrue(value('RUNBOOK_DEMO')),
      logFormat: value('LOG_FORMAT') === 'json' ? 'json' : 'text',
      distributed:
        databaseUrl === ''
          ? null
          : {
              databaseUrl,
              redisUrl: value('REDIS_URL'),
              role: roleOf(value('RUNBOOK_ROLE')),
              keyPrefix: value('REDIS_KEY_PREFIX'),
              maxConcurrentNestedRuns: int('MAX_CONCURRENT_NESTED_RUNS'),
              reconcileIntervalSeconds: int('RECONCILE_INTERVAL_SECONDS'),
              lostAfterSeconds: int('LOST_AFTER_SECONDS'),
              eventsStream: value('EVENTS_STREAM'),
              webhookUrl: value('EVENTS_WEBHOOK_URL'),
              webhookSecret: value('EVENTS_WEBHOOK_SECRET'),
            },
      security,
      serverEnv: Object.freeze({ ...env }),
      secretEnvNames: ALL_CONFIG.filter((def) => def.secret).map((def) => def.name),
      envAllowControlVars: nameList(value('ENV_ALLOW_CONTROL_VARS')),
      secretsDir: value('SECRETS_DIR'),
      secretEnvAllowlist: secretNameList(value('SECRET_ENV_ALLOWLIST')),
      runRequestKey: value('RUN_REQUEST_KEY') || value('JWT_SECRET'),
      production: value('NODE_ENV') === 'production',
      sandbox: {
        firstUid: uidRange?.first ?? 0,
        lastUid: uidRange?.last ?? 0,
        limits: {
          maxProcesses: int('RUN_MAX_PROCESSES'),
          maxOpenFiles: int('RUN_MAX_OPEN_FILES'),
          maxFileBytes: int('RUN_MAX_FILE_BYTES'),
          maxMemoryBytes: int('RUN_MAX_MEMORY_BYTES'),
        },
        allowUnsandboxed: isTrue(value('ALLOW_UNSANDBOXED')),
      },
      mcp: { enabled: isTrue(value('MCP_ENABLED')), requiredClaims: mcpClaims ?? {} },
      scheduler,
      items,
    },
  };
}
