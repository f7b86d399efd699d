import type {
  ConfigResponse,
  EnvVarInfo,
  ExecuteResult,
  HistoryRecord,
  RequiredEnvResponse,
  RunbookListResponse,
  RunRecord,
  ValidateResponse,
} from '../index';

// These payloads are the reference server's observed bodies. ts-jest type-checks this file, so a
// renamed or retyped field in the contract fails the test run at compile time.

describe('wire contract types', () => {
  it('accept the reference list, validate and required-env bodies', () => {
    const list: RunbookListResponse = JSON.parse(
      '{"runbooks":[{"filename":"Runbook.md","name":"Runbook Template","path":"Runbook.md"}],"success":true}',
    ) as RunbookListResponse;
    const validate: ValidateResponse = {
      success: false,
      runbook: 'Runbook.md',
      errors: ['Required input file does not exist: file spec'],
      warnings: ["Runbook name 'Runbook Template' does not match filename 'Runbook'"],
    };
    const testVar: EnvVarInfo = {
      name: 'TEST_VAR',
      description: 'A test variable',
      type: 'string',
      enum: null,
      pattern: null,
      minimum: null,
      maximum: null,
      default: null,
      required: true,
      secret: false,
      from: null,
    };
    const env: RequiredEnvResponse = {
      success: true,
      filename: 'SimpleRunbook.md',
      required: [testVar],
      available: [],
      missing: [testVar],
    };
    expect(list.runbooks[0]?.name).toBe('Runbook Template');
    expect(validate.success).toBe(false);
    expect(env.missing).toHaveLength(1);
  });

  it('keep the done event key order of the reference', () => {
    const done: ExecuteResult = {
      success: true,
      runbook: 'SimpleRunbook.md',
      return_code: 0,
      stdout: 'Running SimpleRunbook\n',
      stderr: '',
      errors: [],
      warnings: [],
    };
    expect(Object.keys(done)).toEqual([
      'success',
      'runbook',
      'return_code',
      'stdout',
      'stderr',
      'errors',
      'warnings',
    ]);
  });

  it('describe config, history records and run records', () => {
    const config: ConfigResponse = {
      config_items: [{ name: 'JWT_SECRET', value: 'secret', from: 'environment' }],
      token: { user_id: 'u1', roles: ['sre'], remote_ip: '127.0.0.1', claims: { sub: 'u1' } },
    };
    const record: HistoryRecord = {
      start_timestamp: '2026-11-22T07:17:51.447Z',
      finish_timestamp: '2026-11-22T07:17:51.447Z',
      return_code: 403,
      operation: 'execute',
      breadcrumb: {
        at_time: '2026-11-22T07:17:51.447015+00:00',
        by_user: 'viewer1',
        from_ip: '127.0.0.1',
        correlation_id: 'c',
        recursion_stack: null,
        roles: ['viewer'],
      },
      config_items: config.config_items,
      stdout: '',
      stderr: '',
      errors: ['RBAC Failure: Access denied for user viewer1.'],
      warnings: [],
    };
    const run: Pick<RunRecord, 'id' | 'status'> = { id: 'r1', status: 'denied' };
    // @ts-expect-error: 'done' is not a run status
    const badRun: Pick<RunRecord, 'status'> = { status: 'done' };
    expect(record.breadcrumb.recursion_stack).toBeNull();
    expect(run.status).toBe('denied');
    expect(badRun.status).toBe('done');
  });
});
