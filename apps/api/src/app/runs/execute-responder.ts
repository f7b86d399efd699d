import { Inject, Injectable, Logger } from '@nestjs/common';
import { pythonJsonDumps } from '@runbooks/executor';
import type { RunAccepted } from '@runbooks/types';
import type { Request, Response } from 'express';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { RunEventsService } from './run-events.service';
import type { Submission } from './run-submission.service';
import { SseResponse } from './sse-response';

/** True when the client asked for server-sent events. */
export function wantsEventStream(request: Request): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

/** True when the client asked not to wait (`Prefer: respond-async`). */
export function wantsAsync(request: Request): boolean {
  return /\brespond-async\b/i.test(String(request.headers['prefer'] ?? ''));
}

/**
 * Answers an execute by content negotiation: `Prefer: respond-async` → 202 + Location; `Accept:
 * text/event-stream` → SSE as the reference streams it (plus ids and heartbeats); otherwise one
 * JSON body with the done fields. Every answer carries the run id (`X-Run-Id`).
 */
@Injectable()
export class ExecuteResponder {
  private readonly logger = new Logger('RunEvents');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: RunEventsService,
    private readonly metrics: MetricsService,
  ) {}

  async respond(request: Request, response: Response, submission: Submission): Promise<void> {
    const runId = submission.run.id;
    response.setHeader('X-Run-Id', runId);
    if (submission.refused !== undefined) {
      // A Concurrency limit or lock refused the run (recorded as `skipped`).
      response.status(409).json({ error: submission.refused, success: false, run_id: runId });
      return;
    }
    // A run waiting for approval is answered at once, whatever was asked: nobody can wait
    // on a request for a decision that may take days.
    const pending = submission.run.status === 'pending_approval';
    if (wantsAsync(request) || pending) {
      const location = `/api/runs/${runId}`;
      const body: RunAccepted = { run_id: runId, status: submission.run.status, location };
      if (pending && submission.run.approval) body.approval = submission.run.approval;
      response.status(202).setHeader('Location', location).json(body);
      return;
    }
    if (wantsEventStream(request)) {
      await this.stream(response, runId);
      return;
    }
    const result = await submission.result();
    if (!response.writableEnded) response.status(200).json(result);
  }

  /** Streams a run's events from `afterSeq` (0 = from the start) until done or disconnect. */
  async stream(response: Response, runId: string, afterSeq = 0): Promise<void> {
    const sse = new SseResponse(
      response,
      { 'X-Run-Id': runId },
      {
        heartbeatMs: this.config.sseHeartbeatSeconds * 1000,
        maxBacklogBytes: this.config.sseClientMaxBacklogBytes,
        idleMs: this.config.sseClientIdleSeconds * 1000,
      },
      (reason) => {
        this.metrics.sseClientsDropped.inc({ reason });
        this.logger.warn(
          `Dropped an event-stream client of run ${runId}: ${reason === 'idle' ? `nothing read for ${this.config.sseClientIdleSeconds}s` : `over ${this.config.sseClientMaxBacklogBytes} bytes unread`}`,
        );
      },
    );
    const stop = await this.events.follow(runId, afterSeq, {
      output: (line) => sse.send(line.stream, line.data, line.seq),
      isOpen: () => sse.isOpen,
      done: (result, seq) => {
        void sse.send('done', pythonJsonDumps(result), seq);
        sse.end(); // after everything queued is written
      },
    });
    if (!sse.isOpen) stop();
    else sse.onClose(stop);
  }
}
