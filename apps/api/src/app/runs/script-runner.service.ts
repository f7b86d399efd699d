import { Inject, Injectable, Logger } from '@nestjs/common';
import { execute, type ExecutionResult } from '@runbooks/executor';
import type { Run, RunStore } from '@runbooks/history';
import type { RunStatus } from '@runbooks/types';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { pythonIsoFormat } from '../history/python-iso-format';
import type { CatalogEntry } from '../catalog/runbook-catalog.service';
import { RunbookAccess } from '../runbooks/runbook-access.service';
import { ScriptSandbox } from '../sandbox/script-sandbox.service';
import { NestingProofs } from './nesting-proofs';
import { pumpOutput } from './output-pump';
import { RunLifecycle, type Settled } from './run-lifecycle.service';
import { RunOutputWriter } from './run-output-writer';
import { RUN_PORTS, type RunPorts, type RunRequestDetails, type WorkerSettings } from './run-ports';
import { RUN_STORE } from '../history/run-store.provider';
import { outputTail } from '../history/output-tail';

/** How a run in progress can be stopped, and who stopped it. */
export interface RunControl {
  abort: AbortController;
  canceledBy: string | null;
  cancelReason: string | null;
}

/** What the worker hands over: a claimed run, its request details and its runbook. */
export interface ClaimedRun {
  run: Run;
  details: RunRequestDetails;
  entry: CatalogEntry;
  control: RunControl;
}

/**
 * Runs a claimed run's script in the sandbox: output to the store and the bus line by line, a
 * fenced heartbeat, the nesting proof for sub-runbook calls, then the settlement (History,
 * record, `done`) through the lifecycle.
 */
@Injectable()
export class ScriptRunner {
  private readonly logger = new Logger('Runs');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_STORE) private readonly store: RunStore,
    @Inject(RUN_PORTS) private readonly ports: RunPorts,
    private readonly lifecycle: RunLifecycle,
    private readonly sandbox: ScriptSandbox,
    private readonly nesting: NestingProofs,
    private readonly access: RunbookAccess,
  ) {}

  async run(claimed: ClaimedRun, worker: WorkerSettings): Promise<Settled> {
    const { run, control } = claimed;
    const startedAt = new Date();
    const writer = new RunOutputWriter(this.store, this.ports.bus, run.id, run.attempt, (error) =>
      this.logger.error(`Could not store output of run ${run.id}: ${(error as Error).message}`),
    );
    if (run.attempt > 1) {
      // A retry under the runbook's Retry Policy: readers of the output see where it starts.
      writer.add(
        'stderr',
        `[runbooks] attempt ${run.attempt}: the worker of the previous attempt was lost; running the script again`,
      );
    }
    const heartbeat = setInterval(
      () =>
        void this.lifecycle
          .heartbeat(run)
          .then((alive) => {
            // A refused heartbeat means the run was settled elsewhere (lost or timeout): stop the
            // script, its outcome can no longer be recorded.
            if (!alive) {
              this.logger.warn(`Run ${run.id} was fenced out; stopping its script`);
              control.abort.abort();
            }
          })
          .catch(() => undefined),
      worker.heartbeatMs,
    );
    let result: ExecutionResult;
    try {
      result = await this.execute(claimed, writer, worker);
    } finally {
      try {
        await this.nesting.revoke(run.id);
        // A flood of output can still be on its way to the store long after the script ended:
        // the attempt is alive until it is stored, so it keeps its heartbeat until then.
        await writer.flush();
      } finally {
        clearInterval(heartbeat);
      }
    }
    return this.finish(claimed, startedAt, result, writer.lastSeq);
  }

  private async execute(
    { run, details, entry, control }: ClaimedRun,
    writer: RunOutputWriter,
    worker: WorkerSettings,
  ): Promise<ExecutionResult> {
    const runbook = entry.parsed.runbook;
    const config = this.config;
    // Typed inputs (issue 17): defaults, `from` secrets resolved here (on the worker), values to mask.
    const inputs = await this.access.runInputs(entry, details.envVars);
    const nestingProof = await this.nesting
      .issue(run.id, (config.scriptTimeoutSeconds + config.killGraceSeconds + 60) * 1000)
      .catch((error: unknown) => {
        this.logger.warn(`Run ${run.id} gets no nesting proof: ${String(error)}`);
        return null;
      });
    const execution = execute(
      {
        script: runbook.script?.content ?? '',
        id: run.id,
        runbookDir: config.runbooksDir,
        inputs: runbook.inputs ?? [],
        declaredEnv: (runbook.environment ?? []).map((variable) => variable.name),
        envVars: inputs.envVars,
        secretValues: inputs.secretValues,
        system: {
          token: details.token,
          correlationId: run.correlationId,
          runbookUrl: `${config.apiProtocol}://${config.apiHost}:${config.apiPort}/api/runbooks`,
          recursionStack: run.recursionStack,
          mountDir: config.mountDir || null,
          nestingProof,
        },
      },
      {
        executionDir: config.executionDir,
        serverEnv: config.serverEnv,
        passthroughEnv: config.envPassthrough,
        secretEnvNames: config.secretEnvNames,
        allowedControlEnv: config.envAllowControlVars,
        sandbox: this.sandbox.options,
        timeoutMs: config.scriptTimeoutSeconds * 1000,
        killGraceMs: config.killGraceSeconds * 1000,
        maxOutputBytes: config.maxOutputSizeBytes,
        signal: control.abort.signal,
        parentDeathSignal: worker.parentDeathSignal,
      },
    );
    await pumpOutput(execution.events, writer);
    return execution.result;
  }

  private finish(
    { run, details, control }: ClaimedRun,
    startedAt: Date,
    result: ExecutionResult,
    lastSeq: number,
  ): Promise<Settled> {
    const finishedAt = new Date();
    const status: RunStatus = result.canceled
      ? 'canceled'
      : result.timedOut
        ? 'timeout'
        : result.returnCode === 0
          ? 'success'
          : 'failure';
    // A retried run keeps the notes of its lost attempts.
    const notes: string[] = run.attempt > 1 ? [...run.errors] : [];
    const output = { stdout: result.stdout, stderr: result.stderr };
    return this.lifecycle.settle(run, {
      status,
      from: ['running'],
      output,
      lastSeq,
      patch: {
        returnCode: result.returnCode,
        ...output,
        errors: result.failure ? [...notes, result.failure.message] : notes,
        warnings: details.warnings,
        canceledBy: control.canceledBy,
        cancelReason: control.cancelReason,
      },
      history: {
        filename: run.runbook,
        operation: 'execute',
        startedAt,
        finishedAt,
        returnCode: result.returnCode,
        // History keeps a bounded tail of each stream (issue 13 M1); the store has the rest.
        runId: run.id,
        stdout: outputTail(result.stdout, this.config.historyOutputBytes),
        stderr: outputTail(result.stderr, this.config.historyOutputBytes),
        errors: notes,
        warnings: details.warnings,
        // clients hook: a canceled run's History entry says who canceled it and why.
        ...(status === 'canceled'
          ? { canceled: { by: control.canceledBy, reason: control.cancelReason } }
          : {}),
        breadcrumb: {
          at_time: pythonIsoFormat(startedAt),
          by_user: run.requestedBy,
          from_ip: details.remoteIp,
          correlation_id: run.correlationId,
          recursion_stack: run.recursionStack,
          roles: run.roles,
        },
      },
    });
  }
}
