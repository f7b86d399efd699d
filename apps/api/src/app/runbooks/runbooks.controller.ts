import { Body, Controller, Get, Inject, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { computeRequiredEnv } from '@runbooks/runbook-format';
import type {
  RequiredEnvResponse,
  RunbookContentResponse,
  RunbookListItem,
  RunbookListResponse,
  ValidateResponse,
} from '@runbooks/types';
import type { Request, Response } from 'express';

import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { correlationIdOf } from '../http/correlation-id.middleware';
import { readEnvVars, readLabels } from '../http/request-body';
import { ExecuteRateLimit } from '../rate-limit/rate-limit.decorators';
import { ExecuteResponder } from '../runs/execute-responder';
import { LastRunIndex } from '../runs/last-run-index.service';
import { parseRecursionStack } from '../runs/recursion-stack';
import { RunService } from '../runs/run.service';
import { RunbookAccess } from './runbook-access.service';
import { RunbookCatalog } from './runbook-catalog.service';

/** The reference's runbook endpoints (plus the seed README's PATCH/POST aliases). */
@Controller('api/runbooks')
export class RunbooksController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: RunbookCatalog,
    private readonly access: RunbookAccess,
    private readonly runs: RunService,
    private readonly lastRuns: LastRunIndex,
    private readonly responder: ExecuteResponder,
  ) {}

  @Get()
  async list(@CurrentCaller() caller: Caller): Promise<RunbookListResponse> {
    const entries = await this.catalog.list();
    const runbooks = entries.map((entry): RunbookListItem => {
      const runbook = entry.parsed.runbook;
      return {
        filename: entry.filename,
        name: runbook.name ?? entry.filename,
        path: entry.filename,
        description: runbook.description,
        required_claims: runbook.requiredClaims,
        can_execute: this.access.canRun(entry, caller),
        executable: runbook.sections.some((section) => section.title === 'Script'),
        last_run: this.lastRuns.get(entry.filename),
      };
    });
    return { success: true, runbooks };
  }

  @Get(':filename')
  async get(@Param('filename') filename: string): Promise<RunbookContentResponse> {
    const entry = await this.catalog.get(filename);
    return {
      success: true,
      filename,
      name: entry.parsed.runbook.name ?? filename,
      content: entry.text,
    };
  }

  @Get(':filename/required-env')
  async requiredEnv(@Param('filename') filename: string): Promise<RequiredEnvResponse> {
    const entry = await this.catalog.get(filename);
    // Reference §3.5: an empty file cannot be loaded (500, not an empty list).
    if (entry.parsed.runbook.isEmpty) throw new AppError('INTERNAL', 'Failed to load runbook');
    const { required, available, missing } = computeRequiredEnv(
      entry.parsed.runbook,
      this.config.serverEnv,
    );
    return { success: true, filename, required, available, missing };
  }

  @Patch([':filename/validate', ':filename'])
  async validate(
    @Param('filename') filename: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ValidateResponse> {
    const entry = await this.catalog.get(filename);
    if (entry.parsed.runbook.isEmpty) {
      throw new AppError('INTERNAL', 'Failed to validate runbook: Failed to load runbook');
    }
    const envVars = readEnvVars(body);
    const stack = parseRecursionStack(request.headers['x-recursion-stack']);
    const origin = {
      correlationId: correlationIdOf(request),
      remoteIp: request.ip ?? '',
      recursionStack: stack.length > 0 ? stack : null,
    };
    await this.access.authorize(entry, caller, 'validate', origin);
    const result = this.access.validate(entry, envVars);
    response.status(result.valid ? 200 : 400);
    return {
      success: result.valid,
      runbook: filename,
      errors: result.errors,
      warnings: result.warnings,
    };
  }

  @ExecuteRateLimit()
  @Post([':filename/execute', ':filename'])
  async execute(
    @Param('filename') filename: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const submission = await this.runs.submit({
      filename,
      caller,
      envVars: readEnvVars(body, true),
      labels: readLabels(body, true),
      correlationId: correlationIdOf(request),
      recursionHeader: request.headers['x-recursion-stack'],
      remoteIp: request.ip ?? '',
    });
    await this.responder.respond(request, response, submission);
  }
}
