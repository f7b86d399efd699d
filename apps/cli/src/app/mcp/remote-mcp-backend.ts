import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  McpRefusal,
  type McpOutputPage,
  type McpRunbookDetail,
  type McpRunbookSummary,
  type McpRunPage,
  type McpRunQuery,
  type McpRunRequest,
  type McpRunStarted,
  type McpValidation,
  type RunbooksMcpBackend,
} from '@runbooks/mcp';
import type { RunRecord } from '@runbooks/types';

/** Where the proxy forwards to, and as which agent. */
export interface RemoteMcpSettings {
  apiUrl: string;
  token: string | null;
  /** The connected agent's `clientInfo` (the server records it with every run). */
  clientInfo: () => { name: string; version: string };
}

/**
 * `runbook mcp --api-url`: every tool call is forwarded to the server's `/mcp` as the same tool
 * call, with the user's token and the agent's own client name, so the server applies its rules and
 * records the run exactly as for an agent connected directly (`trigger: "mcp"`). A refusal comes
 * back as the server's message; an unreachable server as a refusal naming it.
 */
export class RemoteMcpBackend implements RunbooksMcpBackend {
  private client: Promise<Client> | null = null;

  constructor(private readonly settings: RemoteMcpSettings) {}

  /** Closes the connection to the server (if one was opened). */
  async close(): Promise<void> {
    const client = await this.client?.catch(() => null);
    await client?.close();
  }

  private connect(): Promise<Client> {
    this.client ??= (async () => {
      const client = new Client(this.settings.clientInfo(), {
        versionNegotiation: { mode: 'auto' },
      });
      const headers: Record<string, string> = {};
      if (this.settings.token) headers['Authorization'] = `Bearer ${this.settings.token}`;
      const url = new URL(
        'mcp',
        this.settings.apiUrl.endsWith('/') ? this.settings.apiUrl : `${this.settings.apiUrl}/`,
      );
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
      return client;
    })();
    // A failed connection is retried on the next call instead of being remembered.
    this.client.catch(() => (this.client = null));
    return this.client;
  }

  private async call<T>(name: string, args: Record<string, unknown>): Promise<T> {
    let client: Client;
    try {
      client = await this.connect();
    } catch (error) {
      throw new McpRefusal(
        'UNAVAILABLE',
        `Cannot use the Runbooks server at ${this.settings.apiUrl}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const result = await client.callTool({ name, arguments: args });
    if (result.isError === true) {
      const first = result.content[0];
      throw new McpRefusal('BAD_REQUEST', first?.type === 'text' ? first.text : `${name} failed`);
    }
    return result.structuredContent as T;
  }

  async listRunbooks(): Promise<McpRunbookSummary[]> {
    return (await this.call<{ runbooks: McpRunbookSummary[] }>('list_runbooks', {})).runbooks;
  }

  getRunbook(filename: string): Promise<McpRunbookDetail> {
    return this.call('get_runbook', { filename });
  }

  validateRunbook(filename: string, env: Record<string, string>): Promise<McpValidation> {
    return this.call('validate_runbook', { filename, env });
  }

  async runRunbook(request: McpRunRequest): Promise<McpRunStarted> {
    const started = await this.call<McpRunStarted & { message?: string }>('run_runbook', {
      filename: request.filename,
      env: request.env,
      labels: request.labels,
      wait_seconds: request.waitSeconds,
    });
    // The local server adds its own next-step message.
    const { message: _message, ...rest } = started;
    return rest;
  }

  getRun(runId: string, waitSeconds: number): Promise<RunRecord> {
    return this.call('get_run', { run_id: runId, wait_seconds: waitSeconds });
  }

  getRunOutput(runId: string, afterSeq: number, maxLines: number): Promise<McpOutputPage> {
    return this.call('get_run_output', { run_id: runId, after_seq: afterSeq, max_lines: maxLines });
  }

  listRuns(query: McpRunQuery): Promise<McpRunPage> {
    return this.call('list_runs', { ...query });
  }

  cancelRun(runId: string, reason: string | null): Promise<RunRecord> {
    return this.call('cancel_run', reason === null ? { run_id: runId } : { run_id: runId, reason });
  }
}
