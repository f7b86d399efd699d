import { Inject, Injectable } from '@nestjs/common';
import {
  isTerminalStatus,
  type OutputChunk,
  type Run,
  type RunFilter,
  type RunPage,
  type RunStore,
} from '@runbooks/history';

import type { Caller } from '../auth/caller';
import { AppError } from '../errors/app-error';
import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { RUN_STORE } from '../history/run-store.provider';
import { assertRunnable } from '../runbooks/runnable-check';
import { RunCancellation } from '../runs/run-cancellation.service';
import { RunEventsService } from '../runs/run-events.service';
import { RunSubmission } from '../runs/run-submission.service';
import { RunVisibility, type VisibilityCache } from '../runs/run-visibility.service';

/** A run the MCP surface starts: as the REST execute, plus who asked through which client. */
export interface McpSubmitCommand {
  filename: string;
  caller: Caller;
  envVars: Record<string, string>;
  labels: Record<string, string>;
  correlationId: string;
  remoteIp: string;
  /** `<name>/<version>` of the MCP client. */
  client: string;
}

/**
 * The one place the MCP surface touches the run machinery (submit, follow, cancel, visibility),
 * so the run-lifecycle refactor re-points MCP here only. Visibility and cancel ownership are
 * `RunVisibility`'s, as for REST. There is no approve or reject here: an agent may request a run
 * of a runbook with an Approval section (it stays `pending_approval`) but never decide it.
 */
@Injectable()
export class McpRunGateway {
  constructor(
    @Inject(RUN_STORE) private readonly store: RunStore,
    private readonly catalog: RunbookCatalog,
    private readonly visibility: RunVisibility,
    private readonly submission: RunSubmission,
    private readonly cancellation: RunCancellation,
    private readonly events: RunEventsService,
  ) {}

  /** Starts a run as REST execute does (same checks, limits, records); the record right after. */
  async submit(command: McpSubmitCommand): Promise<Run> {
    assertRunnable(await this.catalog.get(command.filename));
    const submission = await this.submission.submit({
      filename: command.filename,
      caller: command.caller,
      envVars: command.envVars,
      labels: command.labels,
      correlationId: command.correlationId,
      recursionHeader: undefined,
      remoteIp: command.remoteIp,
      trigger: 'mcp',
      client: command.client,
    });
    // The settled result is not needed here (runs are followed through the store), but its
    // promise must not reject unobserved. A run waiting for approval may wait for days: nothing
    // is kept waiting for it here.
    if (submission.run.status !== 'pending_approval')
      void submission.result().catch(() => undefined);
    return (await this.store.get(submission.run.id)) ?? submission.run;
  }

  /**
   * Waits up to `timeoutMs` for a run to end (following its events, in either mode), then reads
   * its record. A run in any state but queued/running is returned at once, as it is.
   */
  async waitForEnd(run: Run, timeoutMs: number): Promise<Run> {
    // pending_approval returns at once too: a decision may take days.
    if ((run.status !== 'queued' && run.status !== 'running') || timeoutMs <= 0) return run;
    let stop: () => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      // Only `done` matters: start after every line so nothing is replayed.
      void this.events
        .follow(run.id, Number.MAX_SAFE_INTEGER, { output: () => undefined, done: () => resolve() })
        .then(
          (unsubscribe) => (stop = unsubscribe),
          () => resolve(),
        );
    });
    clearTimeout(timer);
    stop();
    return (await this.store.get(run.id)) ?? run;
  }

  /** The run when the caller may see it; the REST 404 otherwise. */
  visibleRun(id: string, caller: Caller): Promise<Run> {
    return this.visibility.visibleRun(id, caller);
  }

  /** One store page filtered to what the caller may see. */
  async visiblePage(
    filter: RunFilter,
    limit: number,
    cursor: string | null,
    caller: Caller,
  ): Promise<{ items: Run[]; nextCursor: string | null }> {
    const page: RunPage = await this.store.list(filter, { limit, cursor });
    const cache: VisibilityCache = new Map();
    const items: Run[] = [];
    for (const run of page.items)
      if (await this.visibility.canSee(run, caller, cache)) items.push(run);
    return { items, nextCursor: page.nextCursor };
  }

  /** Stored output lines after `afterSeq`. */
  readOutput(runId: string, afterSeq: number, limit: number): Promise<OutputChunk[]> {
    return this.store.readOutput(runId, afterSeq + 1, limit);
  }

  /** Cancels as `POST /api/runs/{id}/cancel` does: requester or admin, active runs only. */
  async cancel(id: string, caller: Caller, reason: string | null): Promise<Run> {
    const run = await this.visibility.visibleRun(id, caller);
    this.visibility.assertMayCancel(run, caller);
    if (isTerminalStatus(run.status))
      throw new AppError('CONFLICT', `Run ${id} is not active (status: ${run.status})`);
    return this.cancellation.cancel(run, caller, reason?.slice(0, 500));
  }
}
