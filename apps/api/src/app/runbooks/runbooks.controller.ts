import { Body, Controller, Get, Inject, Param, Patch, Req, Res } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { computeRequiredEnv, withoutHistoryOutput } from '@runbooks/runbook-format';
import type {
  HistoryPageResponse,
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
import { clientIpOf } from '../http/client-ip';
import { correlationIdOf } from '../http/correlation-id.middleware';
import { readEnvVars } from '../http/request-body';
import {
  ApiErrors,
  ApiFilenameParam,
  ApiJsonBody,
  ApiJsonResult,
  ApiOperationDoc,
  schemaRef,
} from '../docs/api-docs.decorators';
import { LastRunIndex } from '../history/last-run-index.service';
import { parseRecursionStack } from '../http/recursion-stack';
import { historyPage } from './history-page';
import { RunbookAccess } from './runbook-access.service';
import { RunbookCatalog, type CatalogEntry } from '../catalog/runbook-catalog.service';
import { RunbookListCache } from '../catalog/runbook-list-cache';
import { hasScriptSection } from './runnable-check';

/** The reference's runbook endpoints (plus the seed README's PATCH/POST aliases). */
@Controller('api/runbooks')
export class RunbooksController {
  private readonly listCache = new RunbookListCache();
  private claimNames: string[] = [];
  private claimNamesVersion = '';

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: RunbookCatalog,
    private readonly access: RunbookAccess,
    private readonly lastRuns: LastRunIndex,
  ) {}

  @ApiOperationDoc({
    tag: 'Runbooks',
    operationId: 'listRunbooks',
    summary: 'List runbooks',
    description:
      'Every `*.md` file of RUNBOOKS_DIR that starts with an H1, sorted by file name (code-point order). Runbooks the caller may not run are listed too, with `can_execute: false`.',
  })
  @ApiJsonResult(200, 'RunbookListResponse', 'The runbooks')
  @ApiErrors(401, 404, 429, 500)
  @Get()
  async list(
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const entries = await this.catalog.list();
    const version = `${this.catalog.version}:${this.lastRuns.version}`;
    if (version !== this.claimNamesVersion) {
      this.claimNames = [
        ...new Set(
          entries.flatMap((entry) => Object.keys(entry.parsed.runbook.requiredClaims ?? {})),
        ),
      ].sort();
      this.claimNamesVersion = version;
    }
    const claimsKey = JSON.stringify(this.claimNames.map((name) => caller.claims[name] ?? null));
    const listing = this.listCache.get(version, claimsKey, () => this.buildList(entries, caller));
    response.setHeader('ETag', listing.etag);
    if (request.headers['if-none-match'] === listing.etag) {
      response.status(304).end();
      return;
    }
    response.status(200).type('application/json').end(listing.body);
  }

  private buildList(entries: CatalogEntry[], caller: Caller): RunbookListResponse {
    const runbooks = entries.map((entry): RunbookListItem => {
      const runbook = entry.parsed.runbook;
      return {
        filename: entry.filename,
        name: runbook.name ?? entry.filename,
        path: entry.filename,
        description: runbook.description,
        required_claims: runbook.requiredClaims,
        can_execute: this.access.canRun(entry, caller),
        executable: hasScriptSection(entry),
        last_run: this.lastRuns.get(entry.filename),
      };
    });
    return { success: true, runbooks };
  }

  @ApiOperationDoc({
    tag: 'Runbooks',
    operationId: 'getRunbook',
    summary: 'Get a runbook',
    description:
      "The raw markdown. Its History output is shown only to callers who satisfy the runbook's Required Claims: for others, History holds each entry's heading (time and exit code) only, and `history_output_hidden` is true.",
  })
  @ApiFilenameParam()
  @ApiJsonResult(200, 'RunbookContentResponse', 'The runbook')
  @ApiErrors(400, 401, 404, 429, 500)
  @Get(':filename')
  async get(
    @Param('filename') filename: string,
    @CurrentCaller() caller: Caller,
  ): Promise<RunbookContentResponse> {
    const entry = await this.catalog.get(filename);
    const mayReadOutput = this.access.canRun(entry, caller);
    const window = entry.historyWindow;
    return {
      success: true,
      filename,
      name: entry.parsed.runbook.name ?? filename,
      content: mayReadOutput ? entry.text : withoutHistoryOutput(entry.text, entry.parsed.runbook),
      history_output_hidden: !mayReadOutput,
      ...(window !== null && window.omittedBytes > 0
        ? { history_older: historyPageUrl(filename, window.shownFrom) }
        : {}),
    };
  }

  @ApiOperationDoc({
    tag: 'Runbooks',
    operationId: 'getRunbookHistory',
    summary: 'Page through a runbook History',
    description:
      'History entries older than byte offset `before` of the file (default: its end), at most `max_bytes` (default and largest: RUNBOOK_HISTORY_RESPONSE_BYTES), starting at an entry. `older` links the page before. Output is shown under the same rule as the runbook GET.',
  })
  @ApiFilenameParam()
  @ApiJsonResult(200, 'HistoryPageResponse', 'One page of History')
  @ApiErrors(400, 401, 404, 429, 500)
  @Get(':filename/history')
  async history(
    @Param('filename') filename: string,
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
  ): Promise<HistoryPageResponse> {
    const entry = await this.catalog.get(filename);
    const mayReadOutput = this.access.canRun(entry, caller);
    const page = await historyPage(entry, request.query, this.config.historyResponseBytes);
    return {
      success: true,
      filename,
      content: mayReadOutput ? page.content : page.headings,
      older: page.older === null ? null : historyPageUrl(filename, page.older),
      history_output_hidden: !mayReadOutput,
    };
  }

  @ApiOperationDoc({
    tag: 'Runbooks',
    operationId: 'getRequiredEnv',
    summary: 'Required environment variables',
    description:
      'The variables the runbook declares, in file order, split by whether the server passes them to scripts (ENV_PASSTHROUGH; never its secrets). An empty file is a 500 `Failed to load runbook` (reference).',
  })
  @ApiFilenameParam()
  @ApiJsonResult(200, 'RequiredEnvResponse', 'Required, available and missing variables')
  @ApiErrors(400, 401, 404, 429, 500)
  @Get(':filename/required-env')
  async requiredEnv(@Param('filename') filename: string): Promise<RequiredEnvResponse> {
    const entry = await this.catalog.get(filename);
    // Reference §3.5: an empty file cannot be loaded (500, not an empty list).
    if (entry.parsed.runbook.isEmpty) throw new AppError('INTERNAL', 'Failed to load runbook');
    const { required, available, missing } = computeRequiredEnv(
      entry.parsed.runbook,
      this.access.scriptServerEnv(),
    );
    return { success: true, filename, required, available, missing };
  }

  @ApiOperationDoc({
    tag: 'Runbooks',
    operationId: 'validateRunbook',
    summary: 'Validate a runbook',
    description:
      "Checks the caller's claims (403 and a history entry when they are missing), then validates the runbook against the server environment plus `env_vars`: 200 when valid, 400 when not. `PATCH /api/runbooks/{filename}` is an alias (seed README).",
  })
  @ApiFilenameParam()
  @ApiJsonBody('EnvVarsRequest', 'Variables to validate with')
  @ApiJsonResult(200, 'ValidateResponse', 'The runbook is valid')
  @ApiResponse({
    status: 400,
    description:
      'The runbook is invalid (a ValidateResponse with success false), or the file name or body is bad (an ErrorResponse)',
    content: {
      'application/json': {
        schema: { oneOf: [schemaRef('ValidateResponse'), schemaRef('ErrorResponse')] },
      },
    },
  })
  @ApiErrors(401, 403, 404, 413, 429, 500)
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
      remoteIp: clientIpOf(request),
      recursionStack: stack.length > 0 ? stack : null,
    };
    await this.access.authorize(entry, caller, 'validate', origin);
    const result = await this.access.validate(entry, envVars);
    response.status(result.valid ? 200 : 400);
    return {
      success: result.valid,
      runbook: filename,
      errors: result.errors,
      warnings: result.warnings,
    };
  }
}

/** The URL of the History page that ends before byte `before` of the file. */
function historyPageUrl(filename: string, before: number): string {
  return `/api/runbooks/${encodeURIComponent(filename)}/history?before=${before}`;
}
