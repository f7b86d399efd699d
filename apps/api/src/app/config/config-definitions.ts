/** How a configuration value is parsed. */
export type ConfigKind = 'string' | 'int' | 'bool';

/** One environment variable the server reads. */
export interface ConfigDefinition {
  name: string;
  kind: ConfigKind;
  defaultValue: string;
  secret?: boolean;
  /** Lowest accepted value for integers. */
  min?: number;
  /** Accepted values for enumerations. */
  oneOf?: readonly string[];
}

/** The reference's variables, in the order `/api/config` lists them. */
export const REFERENCE_CONFIG: readonly ConfigDefinition[] = [
  { name: 'BUILT_AT', kind: 'string', defaultValue: 'LOCAL' },
  { name: 'LOGGING_LEVEL', kind: 'string', defaultValue: 'INFO' },
  { name: 'RUNBOOKS_DIR', kind: 'string', defaultValue: '/runbooks' },
  { name: 'EXECUTION_DIR', kind: 'string', defaultValue: '/execution' },
  { name: 'MOUNT_DIR', kind: 'string', defaultValue: '' },
  { name: 'API_PROTOCOL', kind: 'string', defaultValue: 'http', oneOf: ['http', 'https'] },
  { name: 'API_HOST', kind: 'string', defaultValue: 'localhost' },
  { name: 'UI_HEADER', kind: 'string', defaultValue: 'Runbooks' },
  {
    name: 'JWT_ALGORITHM',
    kind: 'string',
    defaultValue: 'HS256',
    oneOf: [
      'HS256',
      'HS384',
      'HS512',
      'RS256',
      'RS384',
      'RS512',
      'ES256',
      'ES384',
      'ES512',
      'PS256',
    ],
  },
  { name: 'JWT_ISSUER', kind: 'string', defaultValue: 'dev-idp' },
  { name: 'JWT_AUDIENCE', kind: 'string', defaultValue: 'dev-api' },
  { name: 'API_PORT', kind: 'int', defaultValue: '8083', min: 0 },
  { name: 'JWT_TTL_MINUTES', kind: 'int', defaultValue: '480', min: 1 },
  { name: 'SCRIPT_TIMEOUT_SECONDS', kind: 'int', defaultValue: '600', min: 1 },
  { name: 'MAX_OUTPUT_SIZE_BYTES', kind: 'int', defaultValue: '10485760', min: 1 },
  { name: 'MAX_RECURSION_DEPTH', kind: 'int', defaultValue: '50', min: 1 },
  { name: 'ENABLE_LOGIN', kind: 'bool', defaultValue: 'false' },
  { name: 'JWT_SECRET', kind: 'string', defaultValue: 'dev-secret-change-me', secret: true },
];

/** Our additions, listed after the reference's. */
export const EXTENDED_CONFIG: readonly ConfigDefinition[] = [
  { name: 'RUNBOOK_DATA_DIR', kind: 'string', defaultValue: './data' },
  { name: 'RUNBOOK_HISTORY_MARKDOWN', kind: 'bool', defaultValue: 'true' },
  { name: 'RUNBOOK_HISTORY_FSYNC', kind: 'bool', defaultValue: 'true' },
  { name: 'RUNBOOK_HISTORY_OUTPUT_BYTES', kind: 'int', defaultValue: '65536', min: 0 },
  { name: 'RUNBOOK_HISTORY_RESPONSE_BYTES', kind: 'int', defaultValue: '1048576', min: 4096 },
  { name: 'JWT_PUBLIC_KEY', kind: 'string', defaultValue: '', secret: true },
  { name: 'JWT_JWKS_URL', kind: 'string', defaultValue: '' },
  { name: 'JWKS_REFETCH_INTERVAL_SECONDS', kind: 'int', defaultValue: '10', min: 1 },
  { name: 'JWT_REQUIRE_EXP', kind: 'bool', defaultValue: 'true' },
  { name: 'ADMIN_REQUIRED_CLAIMS', kind: 'string', defaultValue: 'roles=admin' },
  { name: 'ENV_PASSTHROUGH', kind: 'string', defaultValue: '' },
  { name: 'MAX_CONCURRENT_RUNS', kind: 'int', defaultValue: '4', min: 1 },
  { name: 'KILL_GRACE_SECONDS', kind: 'int', defaultValue: '5', min: 0 },
  { name: 'SHUTDOWN_GRACE_SECONDS', kind: 'int', defaultValue: '30', min: 0 },
  { name: 'SSE_HEARTBEAT_SECONDS', kind: 'int', defaultValue: '15', min: 1 },
  { name: 'SSE_CLIENT_MAX_BACKLOG_BYTES', kind: 'int', defaultValue: '1048576', min: 65536 },
  { name: 'SSE_CLIENT_IDLE_SECONDS', kind: 'int', defaultValue: '30', min: 1 },
  { name: 'RATE_LIMIT_ENABLED', kind: 'bool', defaultValue: 'true' },
  { name: 'RATE_LIMIT_PER_MINUTE', kind: 'int', defaultValue: '60', min: 1 },
  { name: 'RATE_LIMIT_EXECUTE_PER_MINUTE', kind: 'int', defaultValue: '10', min: 1 },
  {
    name: 'RATE_LIMIT_STORAGE_BACKEND',
    kind: 'string',
    defaultValue: 'memory',
    oneOf: ['memory', 'redis'],
  },
  { name: 'REDIS_URL', kind: 'string', defaultValue: 'redis://localhost:6379/0', secret: true },
  { name: 'RATE_LIMIT_KEY_PREFIX', kind: 'string', defaultValue: 'runbooks:rate-limit:' },
  { name: 'TRUST_PROXY', kind: 'string', defaultValue: 'false' },
  { name: 'WEB_DIR', kind: 'string', defaultValue: '' },
  { name: 'RUNBOOK_DEMO', kind: 'bool', defaultValue: 'false' },
  { name: 'LOG_FORMAT', kind: 'string', defaultValue: 'text', oneOf: ['text', 'json'] },
  { name: 'DATABASE_URL', kind: 'string', defaultValue: '', secret: true },
  { name: 'RUNBOOK_ROLE', kind: 'string', defaultValue: 'all', oneOf: ['api', 'worker', 'all'] },
  { name: 'REDIS_KEY_PREFIX', kind: 'string', defaultValue: 'runbooks' },
  { name: 'MAX_CONCURRENT_NESTED_RUNS', kind: 'int', defaultValue: '4', min: 1 },
  { name: 'RECONCILE_INTERVAL_SECONDS', kind: 'int', defaultValue: '10', min: 1 },
  { name: 'LOST_AFTER_SECONDS', kind: 'int', defaultValue: '30', min: 5 },
  { name: 'EVENTS_STREAM', kind: 'string', defaultValue: 'runs.events' },
  { name: 'EVENTS_WEBHOOK_URL', kind: 'string', defaultValue: '' },
  { name: 'EVENTS_WEBHOOK_SECRET', kind: 'string', defaultValue: '', secret: true },
  { name: 'RBAC_MULTI_VALUED_CLAIMS', kind: 'string', defaultValue: '' },
  { name: 'ALLOW_DEV_LOGIN_IN_PRODUCTION', kind: 'bool', defaultValue: 'false' },
  // The script sandbox (docs/security.md).
  { name: 'RUNNER_UID_RANGE', kind: 'string', defaultValue: '20000-20999' },
  { name: 'RUN_MAX_PROCESSES', kind: 'int', defaultValue: '256', min: 0 },
  { name: 'RUN_MAX_OPEN_FILES', kind: 'int', defaultValue: '1024', min: 0 },
  { name: 'RUN_MAX_FILE_BYTES', kind: 'int', defaultValue: '1073741824', min: 0 },
  { name: 'RUN_MAX_MEMORY_BYTES', kind: 'int', defaultValue: '0', min: 0 },
  { name: 'ALLOW_UNSANDBOXED', kind: 'bool', defaultValue: 'false' },
  { name: 'ENV_ALLOW_CONTROL_VARS', kind: 'string', defaultValue: '' },
  // Server-side secrets of runbooks (`from: file:` / `from: env:`) and the request-details key.
  { name: 'SECRETS_DIR', kind: 'string', defaultValue: '' },
  { name: 'SECRET_ENV_ALLOWLIST', kind: 'string', defaultValue: '' },
  { name: 'RUN_REQUEST_KEY', kind: 'string', defaultValue: '', secret: true },
  { name: 'NODE_ENV', kind: 'string', defaultValue: '' },
  // The MCP server at /mcp (docs/mcp.md).
  { name: 'MCP_ENABLED', kind: 'bool', defaultValue: 'true' },
  { name: 'MCP_REQUIRED_CLAIMS', kind: 'string', defaultValue: '' },
  // The scheduler of runbooks' # Schedule sections (docs/operations.md).
  { name: 'SCHEDULER_ENABLED', kind: 'bool', defaultValue: 'true' },
  { name: 'SCHEDULER_SUBJECT', kind: 'string', defaultValue: 'scheduler' },
  { name: 'SCHEDULER_CLAIMS', kind: 'string', defaultValue: '' },
];

/** Every variable, in `/api/config` order. */
export const ALL_CONFIG: readonly ConfigDefinition[] = [...REFERENCE_CONFIG, ...EXTENDED_CONFIG];
