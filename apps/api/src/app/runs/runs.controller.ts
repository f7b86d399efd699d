import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiParam, ApiQuery } from '@nestjs/swagger';
import { toWire, type RunStore } from '@runbooks/history';
import type { CancelRunRequest, RunListResponse, RunRecord } from '@runbooks/types';
import type { Request, Response } from 'express';

import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import {
  ApiErrors,
  ApiJsonBody,
  ApiJsonResult,
  ApiOperationDoc,
  ApiTextResult,
} from '../docs/api-docs.decorators';
import { ExecuteResponder } from './execute-responder';
import { parseRunQuery, pickFields } from './run-query';
import { RunCancellation } from './run-cancellation.service';
import { RunVisibility, type VisibilityCache } from './run-visibility.service';
import { RUN_STORE } from '../history/run-store.provider';

/** Most store pages read to fill one filtered page of visible runs. */
const MAX_SCANNED_PAGES = 20;

/** Run records: list, get, follow events, cancel. Callers see runs of runbooks they may run or approve. */
@Controller('api/runs')
export class RunsController {
  constructor(
    @Inject(RUN_STORE) private readonly store: RunStore,
    private readonly visibility: RunVisibility,
    private readonly cancellation: RunCancellation,
    private readonly responder: ExecuteResponder,
  ) {}

  @ApiOperationDoc({
    tag: 'Runs',
    operationId: 'listRuns',
    summary: 'List runs',
    description:
      'Run records, newest first, in the playbook-dispatcher envelope `{data, links: {next}}`. A caller sees runs of runbooks whose Required Claims or approver claims they satisfy (admins see all). Follow `links.next` for the next page.',
  })
  @ApiQuery({
    name: 'filter[status]',
    required: false,
    description:
      'Comma-separated statuses: queued, running, success, failure, timeout, canceled, lost, denied, pending_approval, rejected, expired, skipped',
    schema: { type: 'string', example: 'failure,timeout' },
  })
  @ApiQuery({ name: 'filter[runbook]', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'filter[requested_by]', required: false, schema: { type: 'string' } })
  @ApiQuery({
    name: 'filter[labels]',
    required: false,
    style: 'deepObject',
    explode: true,
    description: 'Label equality, e.g. `filter[labels][env]=prod` (several are ANDed)',
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  })
  @ApiQuery({
    name: 'filter[created_at][gte]',
    required: false,
    description: 'Created at or after (ISO-8601)',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({
    name: 'filter[created_at][lt]',
    required: false,
    description: 'Created before (ISO-8601)',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({
    name: 'fields[data]',
    required: false,
    description: 'Sparse fieldset: comma-separated RunRecord fields, e.g. `id,status,runbook`',
    schema: { type: 'string' },
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: 'Opaque cursor from `links.next`',
    schema: { type: 'string' },
  })
  @ApiJsonResult(200, 'RunListResponse', 'A page of runs')
  @ApiErrors(400, 401, 429)
  @Get()
  async list(@CurrentCaller() caller: Caller, @Req() request: Request): Promise<RunListResponse> {
    const query = parseRunQuery(request.query);
    const visible: VisibilityCache = new Map();
    const data: Partial<RunRecord>[] = [];
    let cursor = query.cursor;
    for (let page = 0; page < MAX_SCANNED_PAGES && data.length < query.limit; page++) {
      const result = await this.page(query, cursor, query.limit - data.length);
      for (const run of result.items) {
        if (await this.visibility.canSee(run, caller, visible))
          data.push(pickFields(toWire(run), query.fields));
      }
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return { data, links: { next: cursor ? this.nextLink(request, cursor) : null } };
  }

  @ApiOperationDoc({ tag: 'Runs', operationId: 'getRun', summary: 'Get a run' })
  @ApiParam({ name: 'id', description: 'Run id (X-Run-Id)', schema: { type: 'string' } })
  @ApiJsonResult(200, 'RunRecord', 'The run (stdout/stderr are capped tails)')
  @ApiErrors(401, 404, 429)
  @Get(':id')
  async get(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<RunRecord> {
    return toWire(await this.visibility.visibleRun(id, caller));
  }

  @ApiOperationDoc({
    tag: 'Runs',
    operationId: 'followRun',
    summary: "Follow a run's output (SSE)",
    description:
      'Replays the stored output, then follows the run live until its `done` event, in the execute SSE grammar. Reconnect with `Last-Event-ID` (or `?last_event_id=`) to receive only later events, without gaps or duplicates.',
  })
  @ApiParam({ name: 'id', schema: { type: 'string' } })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last event received',
    schema: { type: 'integer' },
  })
  @ApiQuery({
    name: 'last_event_id',
    required: false,
    description: 'Same as Last-Event-ID, for clients that cannot set headers',
    schema: { type: 'integer' },
  })
  @ApiTextResult(200, 'text/event-stream', 'The event stream')
  @ApiErrors(401, 404, 429)
  @Get(':id/events')
  async events(
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.visibility.visibleRun(id, caller);
    const lastEventId =
      request.header('Last-Event-ID') ??
      (typeof request.query['last_event_id'] === 'string' ? request.query['last_event_id'] : '0');
    const afterSeq = Number.parseInt(lastEventId, 10);
    await this.responder.stream(
      response,
      id,
      Number.isFinite(afterSeq) && afterSeq > 0 ? afterSeq : 0,
    );
  }

  @ApiOperationDoc({
    tag: 'Runs',
    operationId: 'cancelRun',
    summary: 'Cancel a run',
    description:
      "Stops a pending, queued or running run (a run pending approval ends `canceled` at once): the script's whole process tree gets SIGTERM, then SIGKILL after KILL_GRACE_SECONDS. The run ends `canceled` with who and why recorded (return_code -15). Only the user who started the run or an admin may cancel it (403 for others who can see it).",
  })
  @ApiParam({ name: 'id', schema: { type: 'string' } })
  @ApiJsonBody('CancelRunRequest', 'Why (optional)')
  @ApiJsonResult(200, 'RunRecord', 'The run after the cancel')
  @ApiErrors(401, 403, 404, 409, 429)
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(
    @Param('id') id: string,
    @Body() body: CancelRunRequest | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<RunRecord> {
    const run = await this.visibility.visibleRun(id, caller);
    // Seeing a run (may run or approve its runbook) is not owning it.
    this.visibility.assertMayCancel(run, caller);
    const reason = typeof body?.reason === 'string' ? body.reason.slice(0, 500) : undefined;
    return toWire(await this.cancellation.cancel(run, caller, reason));
  }

  private async page(
    query: ReturnType<typeof parseRunQuery>,
    cursor: string | null,
    limit: number,
  ) {
    // A bad cursor or filter is a library error the exception filter answers with 400.
    return this.store.list(query.filter, {
      limit,
      cursor,
      includeOutput:
        !query.fields || query.fields.includes('stdout') || query.fields.includes('stderr'),
    });
  }

  private nextLink(request: Request, cursor: string): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query)) {
      if (key !== 'cursor' && typeof value === 'string') params.set(key, value);
    }
    params.set('cursor', cursor);
    return `/api/runs?${params.toString()}`;
  }
}
