import { Injectable } from '@nestjs/common';
import { isHistoryError, toWire, type Run, type RunFilter } from '@runbooks/history';
import {
  McpRefusal,
  outputTail,
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
import { withoutHistoryOutput } from '@runbooks/runbook-format';
import { isRunStatus, type RunRecord, type RunStatus } from '@runbooks/types';

import type { Caller } from '../auth/caller';
import { AppError } from '../errors/app-error';
import { readEnvVars, readLabels } from '../http/request-body';
import { RunbookAccess } from '../runbooks/runbook-access.service';
import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { McpExecuteLimit } from './mcp-execute-limit';
import { requiredEnvOf } from './mcp-required-env';
import { McpRunGateway } from './run-gateway';

/** Who is calling through MCP, for one HTTP request. */
export interface McpCallContext {
  caller: Caller;
  /** `<name>/<version>` of the MCP client (known once the request's envelope was read). */
  client: () => string;
  correlationId: string;
  remoteIp: string;
}

/** Runs listed in `get_runbook`'s `recent_runs`. */
const RECENT_RUNS = 5;
/** Most store pages read to fill one page of visible runs (as `GET /api/runs`). */
const MAX_SCANNED_PAGES = 20;

/** Builds the API's MCP backend for one caller: the REST checks, messages and records. */
@Injectable()
export class ApiMcpBackendFactory {
  constructor(
    private readonly catalog: RunbookCatalog,
    private readonly access: RunbookAccess,
    private readonly gateway: McpRunGateway,
    private readonly limit: McpExecuteLimit,
  ) {}

  forCaller(context: McpCallContext): RunbooksMcpBackend {
    return new ApiMcpBackend(this.catalog, this.access, this.gateway, this.limit, context);
  }
}

/** Every refusal the REST API would answer with 4xx/503, as an MCP refusal with its message. */
async function refusing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) {
      switch (error.code) {
        case 'BAD_REQUEST':
        case 'INVALID_FILENAME':
        case 'PAYLOAD_TOO_LARGE':
          throw new McpRefusal('BAD_REQUEST', error.message);
        case 'FORBIDDEN':
        case 'UNAUTHORIZED':
          throw new McpRefusal('FORBIDDEN', error.message);
        case 'NOT_FOUND':
          throw new McpRefusal('NOT_FOUND', error.message);
        case 'CONFLICT':
          throw new McpRefusal('CONFLICT', error.message);
        case 'RATE_LIMITED':
          throw new McpRefusal('RATE_LIMITED', error.message);
        case 'UNAVAILABLE':
          throw new McpRefusal('UNAVAILABLE', error.message);
        case 'INTERNAL':
          break;
      }
    }
    if (isHistoryError(error, 'INVALID_CURSOR') || isHistoryError(error, 'INVALID_FILTER'))
      throw new McpRefusal('BAD_REQUEST', error.message);
    throw error;
  }
}

class ApiMcpBackend implements RunbooksMcpBackend {
  constructor(
    private readonly catalog: RunbookCatalog,
    private readonly access: RunbookAccess,
    private readonly gateway: McpRunGateway,
    private readonly limit: McpExecuteLimit,
    private readonly context: McpCallContext,
  ) {}

  private get caller(): Caller {
    return this.context.caller;
  }

  listRunbooks(): Promise<McpRunbookSummary[]> {
    return refusing(async () =>
      (await this.catalog.list()).map((entry) => ({
        filename: entry.filename,
        name: entry.parsed.runbook.name ?? entry.filename,
        description: entry.parsed.runbook.description.trim(),
        can_run: this.access.canRun(entry, this.caller),
        required_env: requiredEnvOf(entry.parsed.runbook),
      })),
    );
  }

  getRunbook(filename: string): Promise<McpRunbookDetail> {
    return refusing(async () => {
      const entry = await this.catalog.get(filename);
      const canRun = this.access.canRun(entry, this.caller);
      const recent = await this.gateway.visiblePage(
        { runbook: entry.filename },
        RECENT_RUNS,
        null,
        this.caller,
      );
      return {
        filename: entry.filename,
        name: entry.parsed.runbook.name ?? entry.filename,
        // As GET /api/runbooks/{filename}: History output only for those who may run it.
        content: canRun ? entry.text : withoutHistoryOutput(entry.text, entry.parsed.runbook),
        can_run: canRun,
        recent_runs: recent.items.map((run) => ({
          id: run.id,
          status: run.status,
          created_at: run.createdAt,
        })),
      };
    });
  }

  validateRunbook(filename: string, env: Record<string, string>): Promise<McpValidation> {
    return refusing(async () => {
      const entry = await this.catalog.get(filename);
      if (entry.parsed.runbook.isEmpty)
        throw new AppError('BAD_REQUEST', 'Failed to validate runbook: Failed to load runbook');
      const envVars = readEnvVars({ env_vars: env });
      await this.access.authorize(entry, this.caller, 'validate', {
        correlationId: this.context.correlationId,
        remoteIp: this.context.remoteIp,
        recursionStack: null,
      });
      const result = await this.access.validate(entry, envVars);
      return { valid: result.valid, errors: result.errors, warnings: result.warnings };
    });
  }

  runRunbook(request: McpRunRequest): Promise<McpRunStarted> {
    return refusing(async () => {
      await this.limit.take(this.context.remoteIp);
      const submitted = await this.gateway.submit({
        filename: request.filename,
        caller: this.caller,
        envVars: readEnvVars({ env_vars: request.env }),
        labels: readLabels({ labels: request.labels }),
        correlationId: this.context.correlationId,
        remoteIp: this.context.remoteIp,
        client: this.context.client(),
      });
      const run = await this.gateway.waitForEnd(submitted, request.waitSeconds * 1000);
      return {
        run_id: run.id,
        status: run.status,
        return_code: run.returnCode,
        output_tail: outputTail(run.stdout, run.stderr),
      };
    });
  }

  getRun(runId: string, waitSeconds: number): Promise<RunRecord> {
    return refusing(async () => {
      const run = await this.gateway.visibleRun(runId, this.caller);
      return toWire(await this.gateway.waitForEnd(run, waitSeconds * 1000));
    });
  }

  getRunOutput(runId: string, afterSeq: number, maxLines: number): Promise<McpOutputPage> {
    return refusing(async () => {
      // The status first: output is stored before a run's final transition.
      const run = await this.gateway.visibleRun(runId, this.caller);
      const ended = run.status !== 'queued' && run.status !== 'running';
      const chunks = await this.gateway.readOutput(runId, afterSeq, maxLines + 1);
      const page = chunks.slice(0, maxLines);
      return {
        lines: page.map((chunk) => ({
          seq: chunk.seq,
          stream: chunk.stream,
          text: chunk.data.replace(/\r?\n$/, ''),
        })),
        next_seq: page.at(-1)?.seq ?? afterSeq,
        done: ended && chunks.length <= maxLines,
      };
    });
  }

  listRuns(query: McpRunQuery): Promise<McpRunPage> {
    return refusing(async () => {
      const filter: RunFilter = {};
      if (query.runbook !== undefined) filter.runbook = query.runbook;
      if (query.labels !== undefined && Object.keys(query.labels).length > 0)
        filter.labels = readLabels({ labels: query.labels });
      if (query.status !== undefined && query.status.length > 0) {
        const unknown = query.status.filter((status) => !isRunStatus(status));
        if (unknown.length > 0)
          throw new AppError('BAD_REQUEST', `Unknown run status: ${unknown.join(', ')}`);
        filter.status = query.status as RunStatus[];
      }
      const runs: Run[] = [];
      let cursor = query.cursor ?? null;
      for (let page = 0; page < MAX_SCANNED_PAGES && runs.length < query.limit; page++) {
        const found = await this.gateway.visiblePage(
          filter,
          query.limit - runs.length,
          cursor,
          this.caller,
        );
        runs.push(...found.items);
        cursor = found.nextCursor;
        if (!cursor) break;
      }
      return { runs: runs.map(toWire), next_cursor: cursor };
    });
  }

  cancelRun(runId: string, reason: string | null): Promise<RunRecord> {
    return refusing(async () => toWire(await this.gateway.cancel(runId, this.caller, reason)));
  }
}
