import { Inject, Injectable } from '@nestjs/common';
import { pythonJsonDumps } from '@runbooks/executor';
import type { RunAccepted } from '@runbooks/types';
import type { Request, Response } from 'express';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
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
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: RunEventsService,
  ) {}

  async respond(request: Request, response: Response, submission: Submission): Promise<void> {
    const runId = submission.run.id;
    response.setHeader('X-Run-Id', runId);
    if (wantsAsync(request)) {
      const location = `/api/runs/${runId}`;
      const body: RunAccepted = { run_id: runId, status: submission.run.status, location };
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
      this.config.sseHeartbeatSeconds * 1000,
    );
    const stop = await this.events.follow(runId, afterSeq, {
      output: (line) => sse.send(line.stream, line.data, line.seq),
      done: (result, seq) => {
        sse.send('done', pythonJsonDumps(result), seq);
        sse.end();
      },
    });
    if (!sse.isOpen) stop();
    else sse.onClose(stop);
  }
}
