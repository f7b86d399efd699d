import * as history from './index';

describe('@runbooks/history public API', () => {
  it('exports the store, the markdown history, the audit log and their helpers', () => {
    expect(Object.keys(history).sort()).toEqual(
      [
        'DEFAULT_PAGE_LIMIT',
        'DEFAULT_RUNS_DB_FILE',
        'DEFAULT_TAIL_BYTES',
        'HistoryError',
        'JsonlAuditLog',
        'KyselyRunStore',
        'MarkdownHistory',
        'PostgresRunStore',
        'RUN_STATUSES',
        'RUN_STORE_MIGRATIONS',
        'SqliteRunStore',
        'TERMINAL_STATUSES',
        'capUtf8Tail',
        'decodeRunCursor',
        'encodeRunCursor',
        'isHistoryError',
        'isProcessAlive',
        'isRunStatus',
        'isTerminalStatus',
        'migrateRunStore',
        'openPostgresRunStore',
        'openSqliteRunStore',
        'readProcessLockOwner',
        'serializeHistoryRecord',
        'toWire',
        'tryProcessLock',
        'withFileLock',
      ].sort(),
    );
  });

  it('runs a record through its life from the index alone', async () => {
    const store = await history.openSqliteRunStore({ file: ':memory:' });
    try {
      expect(store).toBeInstanceOf(history.SqliteRunStore);
      expect(store).toBeInstanceOf(history.KyselyRunStore);
      const run = await store.create({
        runbook: 'hello.md',
        requestedBy: 'me',
        envVarNames: ['NAME'],
      });
      const claimed = await store.claim(run.id, { workerId: 'w' });
      const done = await store.transition(run.id, claimed?.attempt ?? -1, ['running'], 'success', {
        returnCode: 0,
      });
      const wire = history.toWire(done.run ?? run);
      expect(wire).toMatchObject({
        status: 'success',
        return_code: 0,
        attempt: 1,
        env_var_names: ['NAME'],
      });
      expect(history.isTerminalStatus(wire.status)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
