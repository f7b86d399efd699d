/** A JSON Schema object as tools advertise it (plain data, shared by every MCP surface). */
export type JsonSchemaObject = Record<string, unknown>;

const text = { type: 'string' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const textList = { type: 'array', items: text } as const;

/** Maximum `wait_seconds` of `run_runbook` and `get_run`. */
export const MAX_WAIT_SECONDS = 60;
/** Default and maximum `max_lines` of `get_run_output`. */
export const DEFAULT_OUTPUT_LINES = 200;
export const MAX_OUTPUT_LINES = 1000;
/** Default and maximum `limit` of `list_runs`. */
export const DEFAULT_RUN_LIMIT = 20;
export const MAX_RUN_LIMIT = 100;

const filename = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  description: 'Runbook file name as list_runbooks gives it, e.g. "deploy.md"',
} as const;
const runId = { type: 'string', minLength: 1, maxLength: 200, description: 'Run id' } as const;
const env = {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: 65536 },
  description:
    'Variables for the script, NAME → value; only the ones the runbook declares reach it',
} as const;

/** The run record exactly as `GET /api/runs/{id}` serves it. */
export const RUN_RECORD_SCHEMA: JsonSchemaObject = {
  type: 'object',
  required: ['id', 'runbook', 'status', 'return_code', 'requested_by', 'created_at'],
  properties: {
    id: text,
    runbook: text,
    status: text,
    operation: text,
    return_code: { type: ['integer', 'null'] },
    requested_by: text,
    roles: textList,
    correlation_id: text,
    recursion_stack: textList,
    labels: stringMap,
    env_var_names: textList,
    created_at: text,
    started_at: nullableText,
    finished_at: nullableText,
    attempt: { type: 'integer' },
    stdout: text,
    stderr: text,
    errors: textList,
    warnings: textList,
    canceled_by: nullableText,
    cancel_reason: nullableText,
    trigger: text,
    client: nullableText,
  },
};

/** Input and output schemas of the eight tools, by tool name. */
export const TOOL_SCHEMAS = {
  list_runbooks: {
    input: { type: 'object', properties: {}, additionalProperties: false },
    output: {
      type: 'object',
      required: ['runbooks'],
      properties: {
        runbooks: {
          type: 'array',
          items: {
            type: 'object',
            required: ['filename', 'name', 'description', 'can_run', 'required_env'],
            properties: {
              filename: text,
              name: text,
              description: text,
              can_run: { type: 'boolean' },
              required_env: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'description', 'type', 'enum', 'secret', 'required'],
                  properties: {
                    name: text,
                    description: text,
                    type: text,
                    enum: { type: ['array', 'null'], items: text },
                    secret: { type: 'boolean' },
                    required: { type: 'boolean' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  get_runbook: {
    input: {
      type: 'object',
      required: ['filename'],
      properties: { filename },
      additionalProperties: false,
    },
    output: {
      type: 'object',
      required: ['filename', 'name', 'content', 'can_run', 'recent_runs'],
      properties: {
        filename: text,
        name: text,
        content: text,
        can_run: { type: 'boolean' },
        recent_runs: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'status', 'created_at'],
            properties: { id: text, status: text, created_at: text },
          },
        },
      },
    },
  },
  validate_runbook: {
    input: {
      type: 'object',
      required: ['filename'],
      properties: { filename, env },
      additionalProperties: false,
    },
    output: {
      type: 'object',
      required: ['valid', 'errors', 'warnings'],
      properties: { valid: { type: 'boolean' }, errors: textList, warnings: textList },
    },
  },
  run_runbook: {
    input: {
      type: 'object',
      required: ['filename'],
      properties: {
        filename,
        env,
        labels: {
          ...stringMap,
          description: 'Labels stored with the run (e.g. {"ticket": "INC-42"}), for list_runs',
        },
        wait_seconds: {
          type: 'integer',
          minimum: 0,
          maximum: MAX_WAIT_SECONDS,
          default: 20,
          description: 'How long to wait for the run to end (0–60, default 20)',
        },
      },
      additionalProperties: false,
    },
    output: {
      type: 'object',
      required: ['run_id', 'status', 'return_code', 'output_tail'],
      properties: {
        run_id: text,
        status: text,
        return_code: { type: ['integer', 'null'] },
        output_tail: text,
        message: { ...text, description: 'What to do next when the run has not ended' },
      },
    },
  },
  get_run: {
    input: {
      type: 'object',
      required: ['run_id'],
      properties: {
        run_id: runId,
        wait_seconds: {
          type: 'integer',
          minimum: 0,
          maximum: MAX_WAIT_SECONDS,
          default: 0,
          description: 'How long to wait for the run to end (0–60, default 0)',
        },
      },
      additionalProperties: false,
    },
    output: RUN_RECORD_SCHEMA,
  },
  get_run_output: {
    input: {
      type: 'object',
      required: ['run_id'],
      properties: {
        run_id: runId,
        after_seq: {
          type: 'integer',
          minimum: 0,
          default: 0,
          description: 'Return lines after this sequence number (0 = from the start)',
        },
        max_lines: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_OUTPUT_LINES,
          default: DEFAULT_OUTPUT_LINES,
          description: 'At most this many lines (default 200, at most 1000)',
        },
      },
      additionalProperties: false,
    },
    output: {
      type: 'object',
      required: ['lines', 'next_seq', 'done'],
      properties: {
        lines: {
          type: 'array',
          items: {
            type: 'object',
            required: ['seq', 'stream', 'text'],
            properties: {
              seq: { type: 'integer' },
              stream: { type: 'string', enum: ['stdout', 'stderr'] },
              text,
            },
          },
        },
        next_seq: { type: 'integer' },
        done: { type: 'boolean' },
      },
    },
  },
  list_runs: {
    input: {
      type: 'object',
      properties: {
        runbook: { ...filename, description: 'Only runs of this runbook' },
        status: {
          anyOf: [text, { type: 'array', items: text, maxItems: 20 }],
          description:
            'A status or a list: queued, running, success, failure, timeout, canceled, lost, denied',
        },
        labels: { ...stringMap, description: 'Only runs carrying all these labels' },
        limit: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_RUN_LIMIT,
          default: DEFAULT_RUN_LIMIT,
        },
        cursor: { type: 'string', maxLength: 2000, description: 'next_cursor of the last page' },
      },
      additionalProperties: false,
    },
    output: {
      type: 'object',
      required: ['runs', 'next_cursor'],
      properties: { runs: { type: 'array', items: RUN_RECORD_SCHEMA }, next_cursor: nullableText },
    },
  },
  cancel_run: {
    input: {
      type: 'object',
      required: ['run_id'],
      properties: {
        run_id: runId,
        reason: { type: 'string', maxLength: 500, description: 'Why, recorded with the run' },
      },
      additionalProperties: false,
    },
    output: RUN_RECORD_SCHEMA,
  },
} as const satisfies Record<string, { input: JsonSchemaObject; output: JsonSchemaObject }>;

/** The tool names, exactly as agents call them. */
export type RunbooksToolName = keyof typeof TOOL_SCHEMAS;
