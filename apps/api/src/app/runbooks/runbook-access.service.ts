import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { isValidEnvName } from '@runbooks/executor';
import { evaluateClaims, formatDenial, formatRbacHistoryError } from '@runbooks/rbac';
import { validateRunbook, type ValidationResult } from '@runbooks/runbook-format';
import { isControlEnvName, type RunOperation } from '@runbooks/types';

import type { Caller } from '../auth/caller';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { HistoryRecorder } from '../history/history-recorder.service';
import { NO_OUTPUT } from '../history/output-tail';
import { pythonIsoFormat } from '../history/python-iso-format';
import { MetricsService } from '../metrics/metrics.service';
import { DeclaredInputs, type RunInputs } from './declared-inputs';
import { DenialEntryThrottle, summarizeDenial } from './denial-entries';
import type { CatalogEntry } from '../catalog/runbook-catalog.service';

/** Where a request came from, for denial records. */
export interface RequestOrigin {
  correlationId: string;
  remoteIp: string;
  /** The incoming recursion stack (null when the caller sent none). */
  recursionStack: string[] | null;
}

/** The RBAC message for a runbook and caller, or null when the caller may proceed. */
export function denialMessage(
  entry: CatalogEntry,
  caller: Caller,
  operation: string,
  multiValuedClaims: readonly string[] = [],
): string | null {
  const required = entry.parsed.runbook.requiredClaims;
  if (required === null) {
    return `RBAC check failed for ${operation}. The runbook's Required Claims section cannot be read, so nobody may ${operation} it`;
  }
  const decision = evaluateClaims(required, caller.claims, { multiValuedClaims });
  return decision.allowed ? null : formatDenial(operation, decision);
}

/** RBAC and validation of runbooks for a caller: the checks validate and execute share. */
@Injectable()
export class RunbookAccess {
  private readonly logger = new Logger('RBAC');
  private readonly denialEntries = new DenialEntryThrottle();
  private readonly inputs: DeclaredInputs;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly history: HistoryRecorder,
    private readonly metrics: MetricsService,
  ) {
    this.inputs = new DeclaredInputs(config);
  }

  /** Whether the caller may run this runbook (no recording; for listings and run access). */
  canRun(entry: CatalogEntry, caller: Caller): boolean {
    return denialMessage(entry, caller, 'execute', this.config.security.multiValuedClaims) === null;
  }

  /**
   * Throws 403 when the caller lacks the runbook's required claims, after appending the denial to
   * the runbook's history and the audit log (as the reference does).
   */
  async authorize(
    entry: CatalogEntry,
    caller: Caller,
    operation: RunOperation,
    origin: RequestOrigin,
  ): Promise<void> {
    const message = denialMessage(entry, caller, operation, this.config.security.multiValuedClaims);
    if (message === null) return;
    await this.recordDenial(entry, caller, operation, origin, message);
    throw new AppError('FORBIDDEN', message);
  }

  /**
   * Records a denial: audit record (in full), metric, log line, and a markdown `Exit Code: 403`
   * entry whose error is summarized to one line of at most 200 characters, at most once per
   * caller and runbook per 10 minutes (a refused caller cannot grow the file).
   */
  async recordDenial(
    entry: CatalogEntry,
    caller: Caller,
    operation: RunOperation,
    origin: RequestOrigin,
    message: string,
  ): Promise<void> {
    const now = new Date();
    const error = formatRbacHistoryError(caller.userId, message);
    this.logger.warn(`RBAC failure for user ${caller.userId || 'unknown'}: ${message}`);
    this.metrics.rbacDenials.inc({ runbook: entry.filename, operation });
    await this.history.record({
      filename: entry.filename,
      operation,
      startedAt: now,
      finishedAt: now,
      returnCode: 403,
      runId: null,
      stdout: NO_OUTPUT,
      stderr: NO_OUTPUT,
      errors: [error],
      warnings: [],
      error: summarizeDenial(error),
      skipMarkdown: !this.denialEntries.shouldWrite(caller.userId, entry.filename, now.getTime()),
      breadcrumb: {
        at_time: pythonIsoFormat(now),
        by_user: caller.userId,
        from_ip: origin.remoteIp,
        correlation_id: origin.correlationId,
        recursion_stack: origin.recursionStack,
        roles: caller.roles,
      },
    });
  }

  /**
   * The server values scripts may see: `ENV_PASSTHROUGH` only, never a secret. Validation and
   * required-env look at this, so neither reveals what else the server's environment holds.
   */
  scriptServerEnv(): Record<string, string> {
    const secrets = new Set(this.config.secretEnvNames);
    const env: Record<string, string> = {};
    for (const name of this.config.envPassthrough) {
      const value = this.config.serverEnv[name];
      if (value !== undefined && !secrets.has(name)) env[name] = value;
    }
    return env;
  }

  /**
   * Splits a request's variables into those the script gets (declared by the runbook, not a
   * control name; invalid names too, so the run is refused with the reference's message) and a
   * warning for each one left out.
   */
  requestEnv(
    entry: CatalogEntry,
    envVars: Record<string, string>,
  ): { passed: Record<string, string>; warnings: string[] } {
    const declared = new Set((entry.parsed.runbook.environment ?? []).map((v) => v.name));
    const allowed = this.config.envAllowControlVars;
    const passed: Record<string, string> = {};
    const warnings: string[] = [];
    for (const [name, value] of Object.entries(envVars)) {
      if (!isValidEnvName(name)) {
        // Kept: the executor refuses the run with the reference's message for it.
        passed[name] = value;
      } else if (isControlEnvName(name, allowed)) {
        warnings.push(
          `Environment variable ${name} was not passed to the script: it controls how shells, the dynamic loader or tools start, and a request may never set it`,
        );
      } else if (!declared.has(name)) {
        warnings.push(
          `Environment variable ${name} was not passed to the script: the runbook does not declare it in Environment Requirements`,
        );
      } else {
        passed[name] = value;
      }
    }
    return { passed, warnings };
  }

  /**
   * Validates against what a run would get (the passthrough server values, the runbook's `from`
   * secrets and the request's declared variables, checked against their declarations); ignored
   * request variables are listed as warnings.
   */
  async validate(entry: CatalogEntry, envVars: Record<string, string>): Promise<ValidationResult> {
    const request = this.requestEnv(entry, envVars);
    const secrets = await this.inputs.serverSecrets(entry);
    const result = validateRunbook(entry.parsed.runbook, {
      env: { ...this.scriptServerEnv(), ...secrets, ...request.passed },
      fileExists: (path) => existsSync(join(this.config.runbooksDir, path)),
      allowedControlEnv: this.config.envAllowControlVars,
      parseDiagnostics: entry.parsed.diagnostics,
      callerNames: Object.keys(envVars),
    });
    return { ...result, warnings: [...result.warnings, ...request.warnings] };
  }

  /** The declared variables and secret values of a validated run (see DeclaredInputs). */
  runInputs(entry: CatalogEntry, passed: Record<string, string>): Promise<RunInputs> {
    return this.inputs.forRun(entry, passed, this.scriptServerEnv());
  }
}
