import { randomUUID } from 'node:crypto';
import { execute, type ExecutionResult } from '@runbooks/executor';
import { MarkdownHistory } from '@runbooks/history';
import type { McpOutputLine } from '@runbooks/mcp';
import { formatHistoryEntry } from '@runbooks/runbook-format';
import type { RunRecord, RunStatus } from '@runbooks/types';
import { CANCELED_MARKER, type LoadedRunbook } from '../local-runbooks';

/** What a local MCP run needs besides the runbook. */
export interface LocalRunOptions {
  envVars: Record<string, string>;
  labels: Record<string, string>;
  /** The user's environment (declared variables are passed from it, as `runbook execute` does). */
  serverEnv: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
  requestedBy: string;
  client: string;
  now: () => Date;
}

/**
 * One run `runbook mcp` started in local mode: the script runs as `runbook execute` would run it
 * (same executor, History appended at the end), its output is kept as lines for
 * `get_run_output`, and its record has the API's shape (`trigger: "mcp"`).
 */
export class LocalMcpRun {
  readonly record: RunRecord;
  readonly lines: McpOutputLine[] = [];
  readonly finished: Promise<void>;
  private readonly abort = new AbortController();
  private readonly partial = { stdout: '', stderr: '' };

  constructor(loaded: LoadedRunbook, options: LocalRunOptions) {
    const id = randomUUID();
    const now = options.now().toISOString();
    this.record = {
      id,
      runbook: loaded.file.filename,
      status: 'running',
      operation: 'execute',
      return_code: null,
      requested_by: options.requestedBy,
      roles: [],
      correlation_id: id,
      recursion_stack: [loaded.file.filename],
      labels: { ...options.labels },
      env_var_names: Object.keys(options.envVars).sort(),
      created_at: now,
      started_at: now,
      finished_at: null,
      attempt: 1,
      stdout: '',
      stderr: '',
      errors: [],
      warnings: [],
      canceled_by: null,
      cancel_reason: null,
      trigger: 'mcp',
      client: options.client,
      runbook_sha256: null,
      approval: null,
      waiting_for: null,
      queue_position: null,
      scheduled_for: null,
      missed: false,
    };
    this.finished = this.run(loaded, options);
  }

  /** Whether the run is still going. */
  get isActive(): boolean {
    return this.record.status === 'running';
  }

  /** Stops the run's process tree; resolves once it is recorded. */
  async cancel(by: string, reason: string | null): Promise<void> {
    this.record.canceled_by = by;
    this.record.cancel_reason = reason;
    this.abort.abort();
    await this.finished;
  }

  private async run(loaded: LoadedRunbook, options: LocalRunOptions): Promise<void> {
    const script = loaded.runbook.script?.content ?? '';
    const declared = (loaded.runbook.environment ?? []).map((variable) => variable.name);
    const execution = execute(
      {
        script,
        id: this.record.id,
        runbookDir: loaded.file.dir,
        inputs: loaded.runbook.inputs ?? [],
        declaredEnv: declared,
        envVars: options.envVars,
        system: {
          correlationId: this.record.id,
          runbookUrl: '',
          recursionStack: [loaded.file.filename],
        },
      },
      {
        serverEnv: options.serverEnv,
        passthroughEnv: declared,
        timeoutMs: options.timeoutMs,
        signal: this.abort.signal,
      },
    );
    for await (const event of execution.events) {
      if (event.type === 'stdout' || event.type === 'stderr')
        this.addOutput(event.type, event.data);
    }
    const result = await execution.result;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') this.addLine(stream, this.partial[stream]);
    }
    await this.settle(loaded, result, options.now());
  }

  private addOutput(stream: 'stdout' | 'stderr', data: string): void {
    const parts = (this.partial[stream] + data).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.addLine(stream, line);
  }

  private addLine(stream: 'stdout' | 'stderr', text: string): void {
    this.lines.push({ seq: this.lines.length + 1, stream, text });
  }

  private async settle(loaded: LoadedRunbook, result: ExecutionResult, at: Date): Promise<void> {
    const status: RunStatus = result.canceled
      ? 'canceled'
      : result.timedOut
        ? 'timeout'
        : result.returnCode === 0
          ? 'success'
          : 'failure';
    const stderr = result.canceled
      ? `${result.stderr}${result.stderr === '' || result.stderr.endsWith('\n') ? '' : '\n'}${CANCELED_MARKER}\n`
      : result.stderr;
    await new MarkdownHistory().append(
      loaded.file.path,
      formatHistoryEntry({
        timestamp: at,
        exitCode: result.returnCode,
        stdout: result.stdout,
        stderr,
      }),
    );
    Object.assign(this.record, {
      status,
      return_code: result.returnCode,
      finished_at: at.toISOString(),
      stdout: result.stdout,
      stderr,
      errors: result.failure ? [result.failure.message] : [],
    });
  }
}
