import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiParam, ApiQuery } from '@nestjs/swagger';
import { toWire } from '@runbooks/history';
import type { RunListResponse, RunRecord } from '@runbooks/types';
import type { Request } from 'express';

import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import {
  ApiErrors,
  ApiJsonBody,
  ApiJsonResult,
  ApiOperationDoc,
} from '../docs/api-docs.decorators';
import { AppError } from '../errors/app-error';
import { MAX_DECISION_TEXT, RunApprovals } from './run-approvals.service';

/** Approve and reject runs that wait for approval, and list what the caller could decide. */
@Controller('api')
export class ApprovalsController {
  constructor(private readonly approvals: RunApprovals) {}

  @ApiOperationDoc({
    tag: 'Runs',
    operationId: 'listApprovals',
    summary: 'Runs the caller could approve',
    description:
      'Runs pending approval whose approver claims the caller satisfies, not requested by the caller (unless the runbook allows self-approval) and not already approved by them, newest first, in the envelope of `GET /api/runs`.',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
  @ApiJsonResult(200, 'RunListResponse', 'A page of runs pending approval')
  @ApiErrors(400, 401, 429)
  @Get('approvals')
  async list(@CurrentCaller() caller: Caller, @Req() request: Request): Promise<RunListResponse> {
    const limit = readLimit(request.query['limit']);
    const cursor = typeof request.query['cursor'] === 'string' ? request.query['cursor'] : null;
    const page = await this.approvals.pendingFor(caller, limit, cursor);
    const next = page.nextCursor
      ? `/api/approvals?${new URLSearchParams({ limit: String(limit), cursor: page.nextCursor }).toString()}`
      : null;
    return { data: page.items.map(toWire), links: { next } };
  }

  @ApiOperationDoc({
    tag: 'Runs',
    operationId: 'approveRun',
    summary: 'Approve a run',
    description:
      "Records the caller's approval of a run pending approval. Once the runbook's `count` distinct approvals are in, the run is queued and starts as its requester (if the runbook changed since the request, it ends `expired` instead). 403 when the caller lacks the approver claims or requested the run (without self-approval); 409 when the run is not pending approval or the caller already approved it.",
  })
  @ApiParam({ name: 'id', schema: { type: 'string' } })
  @ApiJsonBody('ApproveRunRequest', 'An optional comment')
  @ApiJsonResult(200, 'RunRecord', 'The run after the approval')
  @ApiErrors(400, 401, 403, 404, 409, 429)
  @Post('runs/:id/approve')
  @HttpCode(200)
  async approve(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<RunRecord> {
    const comment = readText(body, 'comment', false);
    return toWire(await this.approvals.approve(id, caller, comment));
  }

  @ApiOperationDoc({
    tag: 'Runs',
    operationId: 'rejectRun',
    summary: 'Reject a run',
    description:
      'Ends a run pending approval with the final status `rejected`, recording who and why. Same 403/409/404 rules as approve (the requester withdraws a request by canceling it).',
  })
  @ApiParam({ name: 'id', schema: { type: 'string' } })
  @ApiJsonBody('RejectRunRequest', 'Why (required, 1-500 characters)', true)
  @ApiJsonResult(200, 'RunRecord', 'The rejected run')
  @ApiErrors(400, 401, 403, 404, 409, 429)
  @Post('runs/:id/reject')
  @HttpCode(200)
  async reject(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<RunRecord> {
    const reason = readText(body, 'reason', true) as string;
    return toWire(await this.approvals.reject(id, caller, reason));
  }
}

/** A comment or reason from the body: trimmed, 1-500 characters; 400 otherwise. */
function readText(body: unknown, field: string, required: boolean): string | null {
  const value =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)[field]
      : undefined;
  if (value === undefined || value === null) {
    if (required)
      throw new AppError('BAD_REQUEST', `${field} is required (1-${MAX_DECISION_TEXT} characters)`);
    return null;
  }
  if (typeof value !== 'string')
    throw new AppError(
      'BAD_REQUEST',
      `${field} must be a string of 1-${MAX_DECISION_TEXT} characters`,
    );
  const text = value.trim();
  if (text.length > MAX_DECISION_TEXT || (required && text.length === 0))
    throw new AppError('BAD_REQUEST', `${field} must be 1-${MAX_DECISION_TEXT} characters`);
  return text.length === 0 ? null : text;
}

/** `limit`: 1-500, default 50; 400 otherwise. */
function readLimit(value: unknown): number {
  if (value === undefined) return 50;
  const limit = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= 500)) throw new AppError('BAD_REQUEST', 'limit must be 1 to 500');
  return limit;
}
