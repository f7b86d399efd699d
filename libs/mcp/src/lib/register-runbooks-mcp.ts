import {
  CLIENT_INFO_META_KEY,
  fromJsonSchema,
  McpServer,
  ResourceTemplate,
  type CallToolResult,
  type Implementation,
  type ServerContext,
} from '@modelcontextprotocol/server';

import { isMcpRefusal, type McpRefusalCode } from './mcp-refusal';
import { diagnoseRunPrompt, draftRunbookPrompt, outputTail } from './runbook-prompts';
import type { McpRunQuery, RunbooksMcpBackend } from './runbooks-mcp-backend';
import { TOOL_CATALOG } from './tool-catalog';
import {
  DEFAULT_OUTPUT_LINES,
  DEFAULT_RUN_LIMIT,
  MAX_OUTPUT_LINES,
  TOOL_SCHEMAS,
  type RunbooksToolName,
} from './tool-schemas';

/** How one tool call ended, for the caller's audit log and metrics. */
export interface McpToolCall {
  tool: RunbooksToolName;
  /** `ok`, `refused` (an `McpRefusal`: denied, not found, limited…) or `error` (a bug or outage). */
  outcome: 'ok' | 'refused' | 'error';
  refusal: McpRefusalCode | null;
  durationMs: number;
  /** The refusal or error message; null on success. */
  message: string | null;
  /** The runbook or run the call was about, when it names one. */
  target: string | null;
}

/** Observers of the MCP surface (all optional). */
export interface RunbooksMcpHooks {
  /** Called once per tool call, after it settled. */
  onToolCall?: (call: McpToolCall) => void;
  /**
   * Called before a tool runs with the client's `clientInfo` when the request carries it (the
   * 2026-07-28 per-request envelope); 2025-era clients give it once, in `initialize`.
   */
  onClientInfo?: (info: Implementation) => void;
  /** Called with an unexpected error before the agent gets a generic message instead. */
  onError?: (error: unknown, tool: RunbooksToolName) => void;
}

/** What the agent sees when a call failed for a reason it cannot act on (details stay in the log). */
export const INTERNAL_ERROR_MESSAGE =
  'The server could not complete this call; try again later or ask an operator to check its log.';

/** Lines of output the `run://` resource and the `diagnose-failed-run` prompt include. */
const PROMPT_OUTPUT_LINES = 200;

type ToolArguments = Record<string, unknown>;

/**
 * Creates an MCP server exposing runbooks through `backend`: the eight tools, the `runbook://`
 * and `run://` resources and the two prompts. One server per request or connection: the backend
 * is bound to one caller.
 */
export function createRunbooksMcpServer(
  info: Implementation,
  backend: RunbooksMcpBackend,
  hooks: RunbooksMcpHooks = {},
): McpServer {
  const server = new McpServer(info, {
    capabilities: { tools: {}, resources: {}, prompts: {} },
    instructions:
      'Runbooks are reviewed markdown procedures with a script. Find one with list_runbooks, read it with get_runbook, check variables with validate_runbook, run it with run_runbook and follow a long run with get_run. Runs are recorded with your identity; some need a human approval that no tool can give.',
  });
  registerTools(server, backend, hooks);
  registerResources(server, backend);
  registerPrompts(server, backend);
  return server;
}

function registerTools(
  server: McpServer,
  backend: RunbooksMcpBackend,
  hooks: RunbooksMcpHooks,
): void {
  const handlers: Record<RunbooksToolName, (args: ToolArguments) => Promise<unknown>> = {
    list_runbooks: async () => ({ runbooks: await backend.listRunbooks() }),
    get_runbook: (args) => backend.getRunbook(text(args['filename'])),
    validate_runbook: (args) =>
      backend.validateRunbook(text(args['filename']), textMap(args['env'])),
    run_runbook: async (args) => {
      const started = await backend.runRunbook({
        filename: text(args['filename']),
        env: textMap(args['env']),
        labels: textMap(args['labels']),
        waitSeconds: integer(args['wait_seconds'], 20),
      });
      const message = nextStepFor(started.status, started.run_id);
      return message === null ? started : { ...started, message };
    },
    get_run: (args) => backend.getRun(text(args['run_id']), integer(args['wait_seconds'], 0)),
    get_run_output: (args) =>
      backend.getRunOutput(
        text(args['run_id']),
        integer(args['after_seq'], 0),
        Math.min(integer(args['max_lines'], DEFAULT_OUTPUT_LINES), MAX_OUTPUT_LINES),
      ),
    list_runs: (args) => backend.listRuns(runQuery(args)),
    cancel_run: (args) =>
      backend.cancelRun(
        text(args['run_id']),
        typeof args['reason'] === 'string' ? args['reason'] : null,
      ),
  };
  for (const name of Object.keys(TOOL_SCHEMAS) as RunbooksToolName[]) {
    const schemas = TOOL_SCHEMAS[name];
    const described = TOOL_CATALOG[name];
    server.registerTool(
      name,
      {
        title: described.title,
        description: described.description,
        annotations: described.annotations,
        inputSchema: fromJsonSchema<ToolArguments>(schemas.input),
        outputSchema: fromJsonSchema<Record<string, unknown>>(schemas.output),
      },
      (args: ToolArguments, ctx: ServerContext) => {
        const info = envelopeClientInfo(ctx);
        if (info) hooks.onClientInfo?.(info);
        return callTool(name, args, handlers[name], hooks);
      },
    );
  }
}

async function callTool(
  tool: RunbooksToolName,
  args: ToolArguments,
  handler: (args: ToolArguments) => Promise<unknown>,
  hooks: RunbooksMcpHooks,
): Promise<CallToolResult> {
  const started = Date.now();
  const target = targetOf(args);
  const report = (
    outcome: McpToolCall['outcome'],
    message: string | null,
    refusal = null as McpRefusalCode | null,
  ) =>
    hooks.onToolCall?.({
      tool,
      outcome,
      refusal,
      durationMs: Date.now() - started,
      message,
      target,
    });
  try {
    const result = (await handler(args)) as Record<string, unknown>;
    report('ok', null);
    return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
  } catch (error) {
    if (isMcpRefusal(error)) {
      report('refused', error.message, error.code);
      return { content: [{ type: 'text', text: error.message }], isError: true };
    }
    hooks.onError?.(error, tool);
    report('error', error instanceof Error ? error.message : String(error));
    return { content: [{ type: 'text', text: INTERNAL_ERROR_MESSAGE }], isError: true };
  }
}

/** The `clientInfo` of a 2026-07-28 request's envelope, when it carries a usable one. */
function envelopeClientInfo(ctx: ServerContext): Implementation | null {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const info = envelope?.[CLIENT_INFO_META_KEY];
  if (typeof info !== 'object' || info === null) return null;
  const { name, version } = info as { name?: unknown; version?: unknown };
  return typeof name === 'string' && typeof version === 'string' ? { name, version } : null;
}

/** What an agent should do about a run that has not ended yet (null once it ended). */
export function nextStepFor(status: string, runId: string): string | null {
  if (status === 'running' || status === 'queued') {
    return `The run is still ${status}. Follow it with get_run {"run_id": "${runId}", "wait_seconds": 60} instead of starting it again.`;
  }
  if (status === 'pending_approval') {
    return `The run waits for approval: a person holding the runbook's approver claims must approve run ${runId} in the Runbooks console or with the runbook CLI. No tool can approve it; check on it later with get_run.`;
  }
  return null;
}

function registerResources(server: McpServer, backend: RunbooksMcpBackend): void {
  server.registerResource(
    'runbook',
    new ResourceTemplate('runbook://{filename}', {
      list: async () => ({
        resources: (await backend.listRunbooks()).map((runbook) => ({
          uri: `runbook://${encodeURIComponent(runbook.filename)}`,
          name: runbook.filename,
          title: runbook.name,
          description: runbook.description,
          mimeType: 'text/markdown',
        })),
      }),
    }),
    { title: 'Runbook', description: 'The markdown of a runbook', mimeType: 'text/markdown' },
    async (uri, variables) => {
      const runbook = await backend.getRunbook(variable(variables['filename']));
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: runbook.content }] };
    },
  );
  server.registerResource(
    'run',
    new ResourceTemplate('run://{id}', { list: undefined }),
    {
      title: 'Run',
      description: 'The record of a run you may see, with the last lines of its output',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const run = await backend.getRun(variable(variables['id']), 0);
      const body = { ...run, output_tail: outputTail(run.stdout, run.stderr, PROMPT_OUTPUT_LINES) };
      return {
        contents: [
          { uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) },
        ],
      };
    },
  );
}

function registerPrompts(server: McpServer, backend: RunbooksMcpBackend): void {
  server.registerPrompt(
    'diagnose-failed-run',
    {
      title: 'Diagnose a failed run',
      description: "A prompt holding a run's record and output, asking why it failed",
      argsSchema: fromJsonSchema<{ run_id: string }>({
        type: 'object',
        required: ['run_id'],
        properties: { run_id: { type: 'string', minLength: 1, description: 'The run id' } },
      }),
    },
    async ({ run_id: runId }) => {
      const run = await backend.getRun(runId, 0);
      const page = await backend.getRunOutput(runId, 0, MAX_OUTPUT_LINES);
      const lines = page.lines.slice(-PROMPT_OUTPUT_LINES);
      return {
        description: `Why did run ${run.id} of ${run.runbook} end ${run.status}?`,
        messages: [
          { role: 'user', content: { type: 'text', text: diagnoseRunPrompt(run, lines) } },
        ],
      };
    },
  );
  server.registerPrompt(
    'draft-runbook',
    {
      title: 'Draft a runbook',
      description:
        'A prompt that teaches the runbook format (with a valid example) and asks for a new runbook',
      argsSchema: fromJsonSchema<{ description: string }>({
        type: 'object',
        required: ['description'],
        properties: {
          description: { type: 'string', minLength: 1, description: 'What the runbook should do' },
        },
      }),
    },
    ({ description }) => ({
      description: 'Draft a new runbook',
      messages: [
        { role: 'user', content: { type: 'text', text: draftRunbookPrompt(description) } },
      ],
    }),
  );
}

function runQuery(args: ToolArguments): McpRunQuery {
  const status = args['status'];
  const query: McpRunQuery = { limit: integer(args['limit'], DEFAULT_RUN_LIMIT) };
  if (typeof args['runbook'] === 'string') query.runbook = args['runbook'];
  if (typeof status === 'string') query.status = [status];
  else if (Array.isArray(status))
    query.status = status.filter((s): s is string => typeof s === 'string');
  if (args['labels'] !== undefined) query.labels = textMap(args['labels']);
  if (typeof args['cursor'] === 'string') query.cursor = args['cursor'];
  return query;
}

function targetOf(args: ToolArguments): string | null {
  const value = args['run_id'] ?? args['filename'] ?? args['runbook'];
  return typeof value === 'string' ? value : null;
}

/** The schemas were checked by the SDK; these narrow the types (and keep hostile shapes out). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function integer(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

function textMap(value: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return map;
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') map[key] = entry;
  return map;
}

function variable(value: string | string[] | undefined): string {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return '';
  try {
    return decodeURIComponent(first);
  } catch {
    return first;
  }
}
