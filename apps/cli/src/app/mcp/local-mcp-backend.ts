import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  McpRefusal,
  outputTail,
  type McpOutputLine,
  type McpOutputPage,
  type McpRequiredEnv,
  type McpRunbookDetail,
  type McpRunbookSummary,
  type McpRunPage,
  type McpRunQuery,
  type McpRunRequest,
  type McpRunStarted,
  type McpValidation,
  type RunbooksMcpBackend,
} from '@runbooks/mcp';
import { SECTION_TITLES, type Runbook } from '@runbooks/runbook-format';
import { isRunStatus, type RunRecord } from '@runbooks/types';
import {
  isDocumentationOnly,
  listLocalRunbooks,
  loadLocalRunbook,
  localRuns,
  validateLocalRunbook,
  type LoadedRunbook,
  type LocalRun,
} from '../local-runbooks';
import { displayPath } from '../runbook-resolver';
import { LocalMcpRun } from './local-mcp-run';

/** Where and as whom `runbook mcp` runs local runbooks. */
export interface LocalMcpSettings {
  runbooksDir: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
  user: string;
  /** `<name>/<version>` of the connected agent. */
  client: () => string;
  now: () => Date;
}

/** A plain runbook file name: `Name.md`, no folder, not hidden. */
const PLAIN_FILENAME = /^[^/\\]+\.md$/;

/** The variables a runbook asks for (untyped declarations: required strings). */
function requiredEnvOf(runbook: Runbook): McpRequiredEnv[] {
  return (runbook.environment ?? []).map((variable) => ({
    name: variable.name,
    description: variable.description,
    type: 'string',
    enum: null,
    secret: false,
    required: true,
  }));
}

/** A History entry in the API's run record shape (local runs have no owner or labels). */
function historyRecord(run: LocalRun): RunRecord {
  return {
    id: run.id,
    runbook: run.runbook,
    status: run.status,
    operation: 'execute',
    return_code: run.return_code,
    requested_by: '',
    roles: [],
    correlation_id: run.id,
    recursion_stack: [run.runbook],
    labels: {},
    env_var_names: [],
    created_at: run.finished_at,
    started_at: null,
    finished_at: run.finished_at,
    attempt: 1,
    stdout: run.stdout,
    stderr: run.stderr,
    errors: run.errors,
    warnings: [],
    canceled_by: null,
    cancel_reason: null,
    trigger: 'api',
    client: null,
    runbook_sha256: null,
    approval: null,
    waiting_for: null,
    queue_position: null,
    scheduled_for: null,
    missed: false,
  };
}

function linesOf(record: RunRecord): McpOutputLine[] {
  const lines: McpOutputLine[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    const text = record[stream].replace(/\n$/, '');
    if (text !== '')
      for (const line of text.split('\n'))
        lines.push({ seq: lines.length + 1, stream, text: line });
  }
  return lines;
}

/**
 * The MCP backend of `runbook mcp` without a server: the runbooks of a local folder, run on this
 * machine as the user (as `runbook execute` runs them). Runs started in this session are followed
 * live; earlier ones are the runbooks' History entries (`<file>#<n>`). There are no claims to
 * check locally: every runbook with a Script may run.
 */
export class LocalMcpBackend implements RunbooksMcpBackend {
  constructor(
    private readonly settings: LocalMcpSettings,
    /** Runs started in this session (shared by the backends of one `runbook mcp`). */
    private readonly runs = new Map<string, LocalMcpRun>(),
  ) {}

  private get folder(): string {
    return resolve(this.settings.cwd, this.settings.runbooksDir);
  }

  private load(filename: string): LoadedRunbook {
    if (!PLAIN_FILENAME.test(filename) || filename.startsWith('.'))
      throw new McpRefusal(
        'BAD_REQUEST',
        `Invalid runbook file name: ${filename} (expected Name.md)`,
      );
    const path = join(this.folder, filename);
    if (!existsSync(path)) throw new McpRefusal('NOT_FOUND', `Runbook not found: ${filename}`);
    const loaded = loadLocalRunbook({
      path,
      filename,
      dir: this.folder,
      display: displayPath(path, this.settings.cwd),
    });
    if (loaded.runbook.name === null)
      throw new McpRefusal('NOT_FOUND', `Runbook not found: ${filename}`);
    return loaded;
  }

  private all(): LoadedRunbook[] {
    return listLocalRunbooks(this.settings.runbooksDir, this.settings.cwd);
  }

  listRunbooks(): Promise<McpRunbookSummary[]> {
    return Promise.resolve(
      this.all().map((loaded) => ({
        filename: loaded.file.filename,
        name: loaded.runbook.name ?? loaded.file.filename,
        description: loaded.runbook.description.trim(),
        can_run: true,
        required_env: requiredEnvOf(loaded.runbook),
      })),
    );
  }

  async getRunbook(filename: string): Promise<McpRunbookDetail> {
    const loaded = this.load(filename);
    const recent = (await this.listRuns({ runbook: filename, limit: 5 })).runs;
    return {
      filename,
      name: loaded.runbook.name ?? filename,
      content: loaded.text,
      can_run: true,
      recent_runs: recent.map((run) => ({
        id: run.id,
        status: run.status,
        created_at: run.created_at,
      })),
    };
  }

  validateRunbook(filename: string, env: Record<string, string>): Promise<McpValidation> {
    const loaded = this.load(filename);
    const result = validateLocalRunbook(loaded, { ...this.settings.env, ...env });
    return Promise.resolve({
      valid: result.valid,
      errors: result.errors,
      warnings: result.warnings,
    });
  }

  async runRunbook(request: McpRunRequest): Promise<McpRunStarted> {
    const loaded = this.load(request.filename);
    if (isDocumentationOnly(loaded.runbook))
      throw new McpRefusal(
        'BAD_REQUEST',
        `${request.filename} is documentation only: it has no Script section, so there is nothing to run.`,
      );
    // Only a server collects approvals: running the file here would skip the gate.
    if (loaded.runbook.sections.some((section) => section.title === SECTION_TITLES.approval))
      throw new McpRefusal(
        'FORBIDDEN',
        `${request.filename} has an Approval section: each run needs an approval, which only a Runbooks server collects.`,
      );
    const validation = validateLocalRunbook(loaded, { ...this.settings.env, ...request.env });
    if (!validation.valid) {
      return {
        run_id: '',
        status: 'failure',
        return_code: 1,
        output_tail: validation.errors.join('\n'),
      };
    }
    const run = new LocalMcpRun(loaded, {
      envVars: request.env,
      labels: request.labels,
      serverEnv: this.settings.env,
      timeoutMs: this.settings.timeoutMs,
      requestedBy: this.settings.user,
      client: this.settings.client(),
      now: this.settings.now,
    });
    this.runs.set(run.record.id, run);
    await this.waitFor(run, request.waitSeconds);
    const { record } = run;
    return {
      run_id: record.id,
      status: record.status,
      return_code: record.return_code,
      output_tail: outputTail(
        run.lines
          .filter((line) => line.stream === 'stdout')
          .map((line) => line.text)
          .join('\n'),
        run.lines
          .filter((line) => line.stream === 'stderr')
          .map((line) => line.text)
          .join('\n'),
      ),
    };
  }

  private async waitFor(run: LocalMcpRun, seconds: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      run.finished,
      new Promise<void>((done) => (timer = setTimeout(done, seconds * 1000))),
    ]);
    clearTimeout(timer);
  }

  private find(runId: string): { session: LocalMcpRun | null; record: RunRecord } {
    const session = this.runs.get(runId);
    if (session) return { session, record: { ...session.record } };
    const hash = runId.lastIndexOf('#');
    if (hash > 0) {
      const history = localRuns([this.load(runId.slice(0, hash))]).find((run) => run.id === runId);
      if (history) return { session: null, record: historyRecord(history) };
    }
    throw new McpRefusal('NOT_FOUND', `Run not found: ${runId}`);
  }

  async getRun(runId: string, waitSeconds: number): Promise<RunRecord> {
    const { session } = this.find(runId);
    if (session?.isActive) await this.waitFor(session, waitSeconds);
    return this.find(runId).record;
  }

  getRunOutput(runId: string, afterSeq: number, maxLines: number): Promise<McpOutputPage> {
    const { session, record } = this.find(runId);
    const all = session ? [...session.lines] : linesOf(record);
    const after = all.filter((line) => line.seq > afterSeq);
    const page = after.slice(0, maxLines);
    return Promise.resolve({
      lines: page,
      next_seq: page.at(-1)?.seq ?? afterSeq,
      done: !(session?.isActive ?? false) && after.length <= maxLines,
    });
  }

  listRuns(query: McpRunQuery): Promise<McpRunPage> {
    const unknown = (query.status ?? []).filter((status) => !isRunStatus(status));
    if (unknown.length > 0)
      throw new McpRefusal('BAD_REQUEST', `Unknown run status: ${unknown.join(', ')}`);
    const runbooks = query.runbook ? [this.load(query.runbook)] : this.all();
    const records = [
      ...[...this.runs.values()].map((run) => ({ ...run.record })).reverse(),
      ...localRuns(runbooks).map(historyRecord),
    ];
    const labels = Object.entries(query.labels ?? {});
    const runs = records.filter(
      (run) =>
        (query.runbook === undefined || run.runbook === query.runbook) &&
        (query.status === undefined ||
          query.status.length === 0 ||
          query.status.includes(run.status)) &&
        labels.every(([key, value]) => run.labels[key] === value),
    );
    return Promise.resolve({ runs: runs.slice(0, query.limit), next_cursor: null });
  }

  async cancelRun(runId: string, reason: string | null): Promise<RunRecord> {
    const { session, record } = this.find(runId);
    if (!session?.isActive)
      throw new McpRefusal('CONFLICT', `Run ${runId} is not active (status: ${record.status})`);
    await session.cancel(this.settings.user, reason);
    return { ...session.record };
  }
}
