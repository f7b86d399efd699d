export { HistoryError, isHistoryError } from './lib/history-error';
export type { HistoryErrorCode } from './lib/history-error';
export type {
  AppendOutputOptions,
  ClaimOptions,
  ListByStatusOptions,
  ListFiresOptions,
  NewRun,
  OutputChunk,
  OutputChunkInput,
  OutputStream,
  PageRequest,
  Run,
  RunEvent,
  RunEventOutbox,
  RunEventPayload,
  RunEventType,
  RunFilter,
  RunPage,
  RunPatch,
  RunSlot,
  WaitingRun,
  RunStore,
  TransitionRefusal,
  TransitionResult,
} from './lib/run-store';
export { RUN_STATUSES, TERMINAL_STATUSES, isRunStatus, isTerminalStatus } from './lib/run-status';
export { toWire } from './lib/to-wire';
export { capUtf8Tail } from './lib/cap-utf8-tail';
export { decodeRunCursor, encodeRunCursor } from './lib/run-cursor';
export type { RunCursor } from './lib/run-cursor';
export { RUN_STORE_MIGRATIONS } from './lib/run-store-schema';
export type {
  RunDatabase,
  RunLabelsTable,
  RunOutboxTable,
  RunOutputBatchesTable,
  RunOutputTable,
  RunsTable,
} from './lib/run-store-schema';
export { DEFAULT_TAIL_BYTES, KyselyRunStore } from './lib/kysely-run-store';
export { DEFAULT_PAGE_LIMIT } from './lib/run-list-query';
export { migrateRunStore } from './lib/migrate-run-store';
export type { KyselyRunStoreOptions } from './lib/kysely-run-store';
export { DEFAULT_RUNS_DB_FILE, SqliteRunStore, openSqliteRunStore } from './lib/sqlite-run-store';
export type { SqliteRunStoreOptions } from './lib/sqlite-run-store';
export { PostgresRunStore, openPostgresRunStore } from './lib/postgres-run-store';
export type {
  AdvisoryLock,
  PgClientLike,
  PgPoolLike,
  PostgresRunStoreOptions,
} from './lib/postgres-run-store';
export { MarkdownHistory } from './lib/markdown-history';
export type { MarkdownHistoryOptions } from './lib/markdown-history';
export { isProcessAlive, withFileLock } from './lib/file-lock';
export { readProcessLockOwner, tryProcessLock } from './lib/process-lock';
export type { ProcessLock, ProcessLockOwner } from './lib/process-lock';
export type { FileLockOptions, FileLockOwner } from './lib/file-lock';
export { JsonlAuditLog, serializeHistoryRecord } from './lib/jsonl-audit-log';
export type { AuditLineSink, JsonlAuditLogOptions } from './lib/jsonl-audit-log';
