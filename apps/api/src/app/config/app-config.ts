import type { SchedulerConfig } from './scheduler-config';
import type { ConfigItem } from '@runbooks/types';

import type { SecurityConfig, TrustProxy } from './security-config';

/** Claims an admin-only route requires, as `claim → allowed values`. */
export type RequiredClaimsConfig = Record<string, string[]>;

/** The server's validated, typed configuration (built once at boot). */
export interface AppConfig {
  builtAt: string;
  loggingLevel: string;
  runbooksDir: string;
  executionDir: string;
  mountDir: string;
  apiProtocol: string;
  apiHost: string;
  uiHeader: string;
  apiPort: number;
  jwt: {
    algorithm: string;
    issuer: string;
    audience: string;
    secret: string;
    publicKey: string;
    jwksUrl: string;
    /** Least time between two JWKS fetches caused by unknown `kid`s. */
    jwksRefetchIntervalSeconds: number;
    ttlMinutes: number;
    requireExp: boolean;
  };
  enableLogin: boolean;
  scriptTimeoutSeconds: number;
  maxOutputSizeBytes: number;
  maxRecursionDepth: number;
  dataDir: string;
  historyMarkdown: boolean;
  /** fsync markdown history appends (file and folder) before answering. */
  historyFsync: boolean;
  /** Bytes of each stream's output a History entry (markdown and audit log) keeps: the end. */
  historyOutputBytes: number;
  /** Bytes of History a runbook GET returns at most (the newest entries); older ones are paged. */
  historyResponseBytes: number;
  adminRequiredClaims: RequiredClaimsConfig;
  envPassthrough: string[];
  maxConcurrentRuns: number;
  killGraceSeconds: number;
  shutdownGraceSeconds: number;
  /** Seconds between SSE heartbeat comments on a quiet stream. */
  sseHeartbeatSeconds: number;
  /** Unread bytes an event-stream client may hold up before it is dropped. */
  sseClientMaxBacklogBytes: number;
  /** Seconds an event-stream client may leave data unread before it is dropped. */
  sseClientIdleSeconds: number;
  rateLimit: {
    enabled: boolean;
    perMinute: number;
    executePerMinute: number;
    storage: 'memory' | 'redis';
    redisUrl: string;
    /** Prefix of every rate-limit key in Redis. */
    keyPrefix: string;
  };
  /** Proxies trusted for `X-Forwarded-For` (`TRUST_PROXY`). */
  trustProxy: TrustProxy;
  webDir: string;
  demo: boolean;
  /** `text` (Nest's console format) or `json` (one object per line). */
  logFormat: 'text' | 'json';
  /**
   * Distributed mode (PostgreSQL + Redis), chosen by `DATABASE_URL`; null in the embedded mode
   * (SQLite file, in-process queue and bus), which stays the default.
   */
  distributed: DistributedConfig | null;
  /** Claim comparison, production guards and start-up warnings. */
  security: SecurityConfig;
  /** The server's environment at boot (scripts get only what `ENV_PASSTHROUGH` lists). */
  serverEnv: Readonly<Record<string, string | undefined>>;
  /** Names of the server's secrets: never passed to scripts, even when `ENV_PASSTHROUGH` lists them. */
  secretEnvNames: string[];
  /** Control variable names runbooks may declare and requests may set (`ENV_ALLOW_CONTROL_VARS`). */
  envAllowControlVars: string[];
  /** `SECRETS_DIR`: the folder `from: file:NAME` reads (empty: none). */
  secretsDir: string;
  /** `SECRET_ENV_ALLOWLIST`: server variables `from: env:NAME` may read. */
  secretEnvAllowlist: string[];
  /**
   * Key material that encrypts run request details in Redis (distributed mode): `RUN_REQUEST_KEY`,
   * else `JWT_SECRET` (shared by every instance).
   */
  runRequestKey: string;
  /** `NODE_ENV=production`. */
  production: boolean;
  sandbox: SandboxConfig;
  /** The MCP server at `/mcp` (`MCP_ENABLED`, `MCP_REQUIRED_CLAIMS`). */
  mcp: McpConfig;
  /** The scheduler (`SCHEDULER_ENABLED`, `SCHEDULER_SUBJECT`, `SCHEDULER_CLAIMS`). */
  scheduler: SchedulerConfig;
  /** `config_items` as `/api/config` and history records show them (secrets masked). */
  items: ConfigItem[];
}

export type { SchedulerConfig } from './scheduler-config';

/** Settings of the MCP server. */
export interface McpConfig {
  /** `MCP_ENABLED=false` answers 404 at `/mcp` and its metadata document. */
  enabled: boolean;
  /** Claims a token must also hold to use `/mcp` at all (`{}`: none beyond a valid token). */
  requiredClaims: RequiredClaimsConfig;
}

/** Settings of the script sandbox (each run under its own uid). */
export interface SandboxConfig {
  /** `RUNNER_UID_RANGE`: the uids runs get (inclusive). */
  firstUid: number;
  lastUid: number;
  /** Per-run rlimits; 0 = no limit. */
  limits: {
    maxProcesses: number;
    maxOpenFiles: number;
    maxFileBytes: number;
    maxMemoryBytes: number;
  };
  /** `ALLOW_UNSANDBOXED`: production may start without the sandbox. */
  allowUnsandboxed: boolean;
}

/** What a process of the distributed mode does. */
export type RunbookRole = 'api' | 'worker' | 'all';

/** Settings of the distributed mode. */
export interface DistributedConfig {
  databaseUrl: string;
  redisUrl: string;
  /** `api` answers HTTP and never runs scripts; `worker` runs scripts; `all` does both. */
  role: RunbookRole;
  /** Prefix of the dispatch keys in Redis (BullMQ `<prefix>:runs…`, streams `<prefix>:run:…`). */
  keyPrefix: string;
  /** Concurrency of the second queue, for sub-runbooks called by a running script. */
  maxConcurrentNestedRuns: number;
  reconcileIntervalSeconds: number;
  /** A running run whose heartbeat is older than this is marked `lost`. */
  lostAfterSeconds: number;
  /** Redis Stream the reconciler leader relays run events to. */
  eventsStream: string;
  webhookUrl: string;
  webhookSecret: string;
}

/** Injection token of {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
