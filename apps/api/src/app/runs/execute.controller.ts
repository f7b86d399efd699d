import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import {
  ApiErrors,
  ApiFilenameParam,
  ApiJsonBody,
  ApiOperationDoc,
  ApiOptionalHeader,
  RATE_LIMIT_HEADERS,
  schemaRef,
} from '../docs/api-docs.decorators';
import { EXECUTE_DESCRIPTION } from '../docs/execute-description';
import { clientIpOf } from '../http/client-ip';
import { correlationIdOf } from '../http/correlation-id.middleware';
import { nestingProofOf } from '../http/recursion-stack';
import { readEnvVars, readLabels } from '../http/request-body';
import { FailuresCarrySuccessFlag } from '../errors/success-flag';
import { ExecuteRateLimit } from '../rate-limit/rate-limit.decorators';
import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { assertRunnable } from '../runbooks/runnable-check';
import { ExecuteResponder } from './execute-responder';
import { RunSubmission } from './run-submission.service';

/** `POST /api/runbooks/{file}/execute`: the reference's execute route, owned by the runs feature. */
@Controller('api/runbooks')
export class ExecuteController {
  constructor(
    private readonly catalog: RunbookCatalog,
    private readonly submission: RunSubmission,
    private readonly responder: ExecuteResponder,
  ) {}

  @ApiOperationDoc({
    tag: 'Runbooks',
    operationId: 'executeRunbook',
    summary: 'Execute a runbook',
    description: EXECUTE_DESCRIPTION,
  })
  @ApiFilenameParam()
  @ApiOptionalHeader(
    'Accept',
    '`text/event-stream` streams server-sent events; anything else answers one JSON body',
  )
  @ApiOptionalHeader(
    'Prefer',
    '`respond-async`: answer 202 at once with `Location: /api/runs/{id}`',
  )
  @ApiOptionalHeader(
    'X-Recursion-Stack',
    'JSON array of the runbooks already running in this chain (set by sub-runbook calls)',
  )
  @ApiOptionalHeader('X-Correlation-Id', 'Correlation id for logs, the run record and the script')
  @ApiJsonBody('ExecuteRequest', 'Variables for the script and labels for the run')
  @ApiResponse({
    status: 200,
    description:
      'The run completed (whatever its exit code), or was refused by recursion protection or validation (return_code 1). SSE with `Accept: text/event-stream` (grammar above), else JSON.',
    content: {
      'text/event-stream': { schema: { type: 'string', description: 'See the SSE grammar' } },
      'application/json': { schema: schemaRef('ExecuteResult') },
    },
    headers: {
      'X-Run-Id': { description: 'Id of the run record', schema: { type: 'string' } },
      ...RATE_LIMIT_HEADERS,
    },
  })
  @ApiResponse({
    status: 202,
    description:
      'Started asynchronously (`Prefer: respond-async`), or, for a runbook with an Approval section, recorded `pending_approval` (always 202, whatever `Accept`/`Prefer` say; the body carries `approval`)',
    content: { 'application/json': { schema: schemaRef('RunAccepted') } },
    headers: {
      Location: { description: '/api/runs/{id}', schema: { type: 'string' } },
      'X-Run-Id': { description: 'Id of the run record', schema: { type: 'string' } },
      ...RATE_LIMIT_HEADERS,
    },
  })
  @ApiResponse({
    status: 409,
    description:
      'Refused by the runbook\'s Concurrency section (on_limit: reject, the queue is full, or a sub-runbook needing a lock its parent holds): `{"error", "success": false, "run_id"}`; the attempt is recorded as `skipped`',
    content: { 'application/json': { schema: schemaRef('ExecuteRefusal') } },
    headers: {
      'X-Run-Id': { description: 'Id of the skipped run record', schema: { type: 'string' } },
    },
  })
  @ApiErrors(400, 401, 403, 404, 413, 429, 500, 503)
  @ExecuteRateLimit()
  @FailuresCarrySuccessFlag()
  @Post([':filename/execute', ':filename'])
  async execute(
    @Param('filename') filename: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    assertRunnable(await this.catalog.get(filename));
    const submission = await this.submission.submit({
      filename,
      caller,
      envVars: readEnvVars(body),
      labels: readLabels(body),
      correlationId: correlationIdOf(request),
      recursionHeader: request.headers['x-recursion-stack'],
      nestingProof: nestingProofOf(request.headers['content-type']),
      remoteIp: clientIpOf(request),
    });
    await this.responder.respond(request, response, submission);
  }
}
