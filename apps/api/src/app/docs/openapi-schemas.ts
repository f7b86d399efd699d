import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { RUN_STATUSES } from '@runbooks/history';
import { RUN_RECORD_FIELDS } from '@runbooks/types';

const OPTIONAL_RUN_FIELDS: readonly string[] = ['canceled_by', 'cancel_reason'];

const text = (description?: string): SchemaObject =>
  description ? { type: 'string', description } : { type: 'string' };
const texts = (description?: string): SchemaObject => ({
  type: 'array',
  items: { type: 'string' },
  ...(description ? { description } : {}),
});
const ref = (name: string): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });
const stringMap = (description: string): SchemaObject => ({
  type: 'object',
  additionalProperties: { type: 'string' },
  description,
});
const dateTime = (description: string, nullable = false): SchemaObject => ({
  type: 'string',
  format: 'date-time',
  description,
  ...(nullable ? { nullable: true } : {}),
});

/**
 * The wire schemas of `@runbooks/types`, as OpenAPI components (the types are interfaces, so
 * they are described here once and referenced by the controllers' response decorators).
 */
export const OPENAPI_SCHEMAS = {
  ErrorResponse: {
    type: 'object',
    required: ['error'],
    properties: {
      error: text('What went wrong (never a stack trace or a server path)'),
      success: {
        type: 'boolean',
        enum: [false],
        description: 'Present (false) on errors of execute that happen before the run starts',
      },
    },
  },
  RunSummary: {
    type: 'object',
    required: ['id', 'status', 'created_at', 'finished_at', 'return_code'],
    properties: {
      id: text(),
      status: { type: 'string', enum: [...RUN_STATUSES] },
      created_at: dateTime('When the run was requested'),
      finished_at: dateTime('When it finished', true),
      return_code: { type: 'integer', nullable: true },
    },
  },
  RunbookListItem: {
    type: 'object',
    required: ['filename', 'name', 'path'],
    properties: {
      filename: text('File name, the id used in URLs, e.g. SimpleRunbook.md'),
      name: text("The runbook's H1 name"),
      path: text('Path relative to the runbooks folder (equal to filename)'),
      description: text('Free text between the name and the first section (ours)'),
      required_claims: {
        type: 'object',
        nullable: true,
        additionalProperties: { type: 'array', items: { type: 'string' } },
        description: 'Required claims ({} = anyone; null = unreadable, nobody may run it)',
      },
      can_execute: { type: 'boolean', description: 'Whether the caller satisfies the claims' },
      executable: { type: 'boolean', description: 'Whether the runbook has a Script section' },
      last_run: { allOf: [ref('RunSummary')], nullable: true },
    },
  },
  RunbookListResponse: {
    type: 'object',
    required: ['success', 'runbooks'],
    properties: {
      success: { type: 'boolean', enum: [true] },
      runbooks: { type: 'array', items: ref('RunbookListItem') },
    },
  },
  RunbookContentResponse: {
    type: 'object',
    required: ['success', 'filename', 'name', 'content', 'history_output_hidden'],
    properties: {
      success: { type: 'boolean', enum: [true] },
      filename: text(),
      name: text('The H1 name, or the file name when there is none'),
      content: text(
        "The raw markdown; History holds entry headings only (no output) for callers without the runbook's Required Claims",
      ),
      history_output_hidden: {
        type: 'boolean',
        description: "True when the caller lacks the runbook's Required Claims",
      },
      history_older: text(
        'Only for a runbook larger than RUNBOOK_HISTORY_RESPONSE_BYTES: `content` holds the newest History entries, and this is the URL of the page of older ones (HistoryPageResponse)',
      ),
    },
  },
  HistoryPageResponse: {
    type: 'object',
    required: ['success', 'filename', 'content', 'older', 'history_output_hidden'],
    properties: {
      success: { type: 'boolean', enum: [true] },
      filename: text(),
      content: text(
        'History entries (markdown) that end before byte `before` of the file; entry headings only when output is hidden',
      ),
      older: {
        type: 'string',
        nullable: true,
        description:
          'URL of the page before this one; null when this page starts at the first entry',
      },
      history_output_hidden: {
        type: 'boolean',
        description: "True when the caller lacks the runbook's Required Claims",
      },
    },
  },
  EnvVarInfo: {
    type: 'object',
    description:
      'A declared variable and its typed declaration (null where not declared); never a value',
    required: [
      'name',
      'description',
      'type',
      'enum',
      'pattern',
      'minimum',
      'maximum',
      'default',
      'required',
      'secret',
      'from',
    ],
    properties: {
      name: text(),
      description: text(),
      type: { type: 'string', enum: ['string', 'integer', 'number', 'boolean'] },
      enum: {
        type: 'array',
        nullable: true,
        items: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
      },
      pattern: { type: 'string', nullable: true },
      minimum: { type: 'number', nullable: true },
      maximum: { type: 'number', nullable: true },
      default: {
        nullable: true,
        oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }],
        description: 'In the declared type (2, not "2")',
      },
      required: { type: 'boolean' },
      secret: { type: 'boolean', description: 'Masked in all output' },
      from: {
        type: 'string',
        nullable: true,
        description: 'Where the server reads the value (`file:NAME`, `env:NAME`), as written',
      },
    },
  },
  RequiredEnvResponse: {
    type: 'object',
    required: ['success', 'filename', 'required', 'available', 'missing'],
    properties: {
      success: { type: 'boolean', enum: [true] },
      filename: text(),
      required: { type: 'array', items: ref('EnvVarInfo') },
      available: { type: 'array', items: ref('EnvVarInfo') },
      missing: { type: 'array', items: ref('EnvVarInfo') },
    },
  },
  EnvVarsRequest: {
    type: 'object',
    properties: {
      env_vars: stringMap('Variables for validation (numbers and booleans are stringified)'),
    },
  },
  ExecuteRequest: {
    type: 'object',
    properties: {
      env_vars: stringMap('Variables handed to the script (names ^[A-Za-z_][A-Za-z0-9_]*$)'),
      labels: {
        type: 'object',
        additionalProperties: { type: 'string', maxLength: 256 },
        maxProperties: 32,
        description: 'Labels stored on the run (names [A-Za-z0-9_.-]{1,64}); filter runs by them',
      },
    },
  },
  ValidateResponse: {
    type: 'object',
    required: ['success', 'runbook', 'errors', 'warnings'],
    properties: {
      success: { type: 'boolean' },
      runbook: text('The file name'),
      errors: texts(),
      warnings: texts(),
    },
  },
  ExecuteResult: {
    type: 'object',
    required: ['success', 'runbook', 'return_code', 'stdout', 'stderr', 'errors', 'warnings'],
    description:
      'The done event / JSON answer, keys in this order. success is return_code == 0; return_code is -9 after a timeout, -15 after a cancel, 1 when the script never ran.',
    properties: {
      success: { type: 'boolean' },
      runbook: text(),
      return_code: { type: 'integer' },
      stdout: text(),
      stderr: text(),
      errors: texts(),
      warnings: texts(),
      run_id: text('Id of the run record (also the X-Run-Id header)'),
    },
  },
  ExecuteRefusal: {
    type: 'object',
    required: ['error', 'success', 'run_id'],
    properties: {
      error: text('Which limit or lock, held by which run, or that the queue is full'),
      success: { type: 'boolean', enum: [false] },
      run_id: text('Id of the refused attempt, recorded as skipped (also X-Run-Id)'),
    },
  },
  RunAccepted: {
    type: 'object',
    required: ['run_id', 'status', 'location'],
    properties: {
      run_id: text(),
      status: { type: 'string', enum: [...RUN_STATUSES] },
      location: text('/api/runs/{id}'),
      approval: {
        allOf: [ref('RunApproval')],
        description: 'Set when the run waits for approval (status pending_approval)',
      },
    },
  },
  RunApproval: {
    type: 'object',
    description:
      'The approval gate of a run of a runbook with an Approval section, as recorded when it was requested',
    required: [
      'required',
      'approvers',
      'allow_self_approval',
      'approvals',
      'rejected_by',
      'reason',
      'expires_at',
    ],
    properties: {
      required: { type: 'integer', minimum: 1, maximum: 5, description: 'Approvals needed' },
      approvers: {
        type: 'object',
        additionalProperties: { type: 'array', items: { type: 'string' } },
        description: "Claims an approver's token must satisfy",
      },
      allow_self_approval: { type: 'boolean' },
      approvals: {
        type: 'array',
        items: {
          type: 'object',
          required: ['by', 'at', 'comment'],
          properties: {
            by: text('The approver (user id)'),
            at: dateTime('When'),
            comment: { type: 'string', nullable: true },
          },
        },
      },
      rejected_by: { type: 'string', nullable: true },
      reason: { type: 'string', nullable: true, description: 'Why it was rejected' },
      expires_at: dateTime('When the request expires if not decided'),
    },
  },
  ApproveRunRequest: {
    type: 'object',
    properties: { comment: { type: 'string', maxLength: 500 } },
  },
  RejectRunRequest: {
    type: 'object',
    required: ['reason'],
    properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
  },
  RunRecord: {
    type: 'object',
    required: RUN_RECORD_FIELDS.filter((field) => !OPTIONAL_RUN_FIELDS.includes(field)),
    properties: {
      id: text(),
      runbook: text(),
      status: { type: 'string', enum: [...RUN_STATUSES] },
      operation: { type: 'string', enum: ['execute', 'validate'] },
      return_code: { type: 'integer', nullable: true },
      requested_by: text(),
      roles: texts(),
      correlation_id: text(),
      recursion_stack: texts('The chain of runbooks, ending with this one'),
      labels: stringMap('Labels given at start'),
      env_var_names: texts('Names of the variables the caller supplied (values are never stored)'),
      created_at: dateTime('Requested'),
      started_at: dateTime('Started', true),
      finished_at: dateTime('Finished', true),
      attempt: { type: 'integer', description: 'Fencing token, incremented per delivery' },
      stdout: text('Capped tail of stdout'),
      stderr: text('Capped tail of stderr'),
      errors: texts(),
      warnings: texts(),
      canceled_by: { type: 'string', nullable: true },
      cancel_reason: { type: 'string', nullable: true },
      trigger: {
        type: 'string',
        enum: ['api', 'mcp', 'schedule'],
        description:
          'What started the run: the REST API (console, CLI, scripts), an agent through MCP, or a schedule',
      },
      client: {
        type: 'string',
        nullable: true,
        description:
          'The MCP client as `<name>/<version>` from its `clientInfo`; null for other triggers',
      },
      runbook_sha256: {
        type: 'string',
        nullable: true,
        description:
          'Hex SHA-256 of the runbook file before its `# History` line when the run was requested (null for runs recorded before it was kept)',
      },
      approval: {
        allOf: [ref('RunApproval')],
        nullable: true,
        description: 'The approval state; null for runbooks without an Approval section',
      },
      waiting_for: {
        type: 'string',
        nullable: true,
        description:
          'Why a queued run has not started: a Concurrency limit or lock and who holds it (`lock prod-db, held by run <id>`); null when not waiting',
      },
      queue_position: {
        type: 'integer',
        nullable: true,
        minimum: 1,
        description:
          '1 = next among the runs waiting for the same Concurrency slot or lock; null when not waiting for one',
      },
      scheduled_for: dateTime('The fire time of a run started by a schedule; null otherwise', true),
      missed: {
        type: 'boolean',
        description:
          'True for the one run a schedule made up for fires missed while no scheduler was up',
      },
    },
  },
  ScheduleInfo: {
    type: 'object',
    required: [
      'runbook',
      'cron',
      'timezone',
      'enabled',
      'next_fire_at',
      'last_fire_at',
      'last_run_id',
      'last_status',
      'authorized',
      'error',
    ],
    properties: {
      runbook: text('The runbook file name (`X.md`)'),
      cron: {
        type: 'string',
        nullable: true,
        description: 'The cron as written; null when unreadable',
      },
      timezone: { type: 'string', nullable: true, description: 'IANA time zone of the cron' },
      enabled: { type: 'boolean' },
      next_fire_at: dateTime('Next fire; null when disabled, in error or never again', true),
      last_fire_at: dateTime('Latest recorded fire', true),
      last_run_id: { type: 'string', nullable: true },
      last_status: { type: 'string', nullable: true, enum: [...RUN_STATUSES] },
      authorized: {
        type: 'boolean',
        description:
          "Whether SCHEDULER_CLAIMS satisfy the runbook's Required Claims (else fires are denied)",
      },
      error: {
        type: 'string',
        nullable: true,
        description: 'Why the schedule does not fire (invalid Schedule section); null when fine',
      },
    },
  },
  ScheduleListResponse: {
    type: 'object',
    required: ['data'],
    properties: { data: { type: 'array', items: ref('ScheduleInfo') } },
  },
  RunListResponse: {
    type: 'object',
    required: ['data', 'links'],
    properties: {
      data: {
        type: 'array',
        items: ref('RunRecord'),
        description: 'Newest first; only the fields of fields[data] when given',
      },
      links: {
        type: 'object',
        required: ['next'],
        properties: {
          next: { type: 'string', nullable: true, description: 'The next page, or null' },
        },
      },
    },
  },
  CancelRunRequest: {
    type: 'object',
    properties: { reason: { type: 'string', maxLength: 500 } },
  },
  ConfigItem: {
    type: 'object',
    required: ['name', 'value', 'from'],
    properties: {
      name: text(),
      value: text('The raw string; secrets read "secret"'),
      from: { type: 'string', enum: ['default', 'environment'] },
    },
  },
  TokenInfo: {
    type: 'object',
    required: ['user_id', 'roles', 'remote_ip', 'claims'],
    properties: {
      user_id: text(),
      roles: texts(),
      remote_ip: text(),
      claims: { type: 'object', additionalProperties: true },
    },
  },
  ConfigResponse: {
    type: 'object',
    required: ['config_items', 'token'],
    properties: {
      config_items: { type: 'array', items: ref('ConfigItem') },
      token: ref('TokenInfo'),
    },
  },
  ShutdownResponse: {
    type: 'object',
    required: ['message'],
    properties: { message: { type: 'string', example: 'Shutdown initiated' } },
  },
  DevLoginRequest: {
    type: 'object',
    properties: {
      subject: { type: 'string', default: 'dev-user-1' },
      roles: {
        oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }],
        default: ['developer'],
      },
    },
  },
  DevLoginResponse: {
    type: 'object',
    required: ['access_token', 'token_type', 'expires_at', 'subject', 'roles'],
    properties: {
      access_token: text(),
      token_type: { type: 'string', enum: ['bearer'] },
      expires_at: text('ISO-8601 with microseconds, e.g. 2026-11-22T15:17:24.588612+00:00'),
      subject: text(),
      roles: { oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }] },
    },
  },
  ApiInfo: {
    type: 'object',
    required: ['name', 'version', 'ui_header', 'dev_login', 'sandbox'],
    properties: {
      name: text(),
      version: text(),
      ui_header: text(),
      dev_login: { type: 'boolean', description: 'Whether POST /dev-login is available' },
      sandbox: {
        type: 'string',
        enum: ['per-run-uid', 'off', 'no-scripts'],
        description:
          'How scripts are isolated: each run under its own uid, as the server user, or no scripts run here (API-only process)',
      },
    },
  },
  HealthReport: {
    type: 'object',
    required: ['status', 'info', 'error', 'details'],
    description: 'The @nestjs/terminus report',
    properties: {
      status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
      info: { type: 'object', additionalProperties: true, description: 'Checks that are up' },
      error: { type: 'object', additionalProperties: true, description: 'Checks that are down' },
      details: { type: 'object', additionalProperties: true, description: 'Every check' },
    },
  },
} satisfies Record<string, SchemaObject>;

/** Name of a component schema. */
export type SchemaName = keyof typeof OPENAPI_SCHEMAS;
