import { join } from 'node:path';

import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { JsonlAuditLog, MarkdownHistory } from '@runbooks/history';
import { formatHistoryEntry } from '@runbooks/runbook-format';
import type { Breadcrumb, HistoryApprovalNote, HistoryRecord, RunOperation } from '@runbooks/types';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { closeOpenHistoryBlocks, HISTORY_CLOSE_CHECK_BYTES } from './history-block-closer';
import { historyOutputText, type OutputTail } from './output-tail';

/** What one history entry is about. */
export interface HistoryFacts {
  filename: string;
  operation: RunOperation;
  startedAt: Date;
  finishedAt: Date;
  returnCode: number;
  /** The run whose record holds the whole output (null when there is no run, e.g. a denial). */
  runId: string | null;
  /** What History keeps of each stream: its last `RUNBOOK_HISTORY_OUTPUT_BYTES` (`outputTail`). */
  stdout: OutputTail;
  stderr: OutputTail;
  errors: string[];
  warnings: string[];
  breadcrumb: Breadcrumb;
  /** The `**Error:**` block (RBAC denials). */
  error?: string;
  /** Only the audit log (a repeated denial: the runbook file already holds one). */
  skipMarkdown?: boolean;
  /** Who canceled the run and why (a canceled run's entry says so in its `**Error:**` block). */
  canceled?: { by: string | null; reason: string | null };
  /** The approval line of the markdown entry: who approved or rejected it, or that it expired. */
  approval?: string;
}

/** The note a canceled run's History entry carries: `Canceled by alice: wrong target`. */
export function cancelNote(canceled: { by: string | null; reason: string | null }): string {
  const reason = canceled.reason?.trim();
  return `Canceled by ${canceled.by?.trim() || 'unknown'}${reason ? `: ${reason}` : ''}`;
}

/**
 * Writes the two histories of every executed run and every RBAC denial: the markdown entry
 * appended to the runbook (locked, atomic) and one JSON line in `RUNBOOK_DATA_DIR/history.jsonl`,
 * also logged like the reference's history manager.
 */
@Injectable()
export class HistoryRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger('HistoryManager');
  private readonly markdown: MarkdownHistory;
  private readonly audit: JsonlAuditLog;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: RunbookCatalog,
  ) {
    this.audit = new JsonlAuditLog({ path: join(config.dataDir, 'history.jsonl') });
    // An entry never lands inside a block the file leaves open (L8: an unclosed `<!--` would let
    // run output add sections after History).
    this.markdown = new MarkdownHistory({
      fsync: config.historyFsync,
      closeOpenBlocks: closeOpenHistoryBlocks,
      closeCheckBytes: HISTORY_CLOSE_CHECK_BYTES,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.audit.close();
  }

  /** Appends both records; failures are logged, never thrown (a run's outcome stands). */
  async record(facts: HistoryFacts): Promise<void> {
    const stdout = historyOutputText(facts.stdout, 'stdout', facts.runId);
    const stderr = historyOutputText(facts.stderr, 'stderr', facts.runId);
    const note = facts.canceled ? cancelNote(facts.canceled) : undefined;
    const record: HistoryRecord = {
      start_timestamp: facts.startedAt.toISOString(),
      finish_timestamp: facts.finishedAt.toISOString(),
      return_code: facts.returnCode,
      operation: facts.operation,
      breadcrumb: facts.breadcrumb,
      config_items: this.config.items,
      stdout,
      stderr,
      errors: note === undefined ? facts.errors : [...facts.errors, note],
      warnings: facts.warnings,
    };
    const error = facts.error ?? note;
    await Promise.all([
      this.appendMarkdown(error === undefined ? facts : { ...facts, error }, stdout, stderr),
      this.appendAudit(record),
    ]);
  }

  private async appendMarkdown(facts: HistoryFacts, stdout: string, stderr: string): Promise<void> {
    if (!this.config.historyMarkdown || facts.skipMarkdown === true) return;
    const entry = formatHistoryEntry({
      timestamp: facts.finishedAt,
      exitCode: facts.returnCode,
      stdout,
      stderr,
      ...(facts.error === undefined ? {} : { error: facts.error }),
      ...(facts.approval === undefined ? {} : { approval: facts.approval }),
    });
    try {
      await this.markdown.append(this.catalog.pathOf(facts.filename), entry);
      await this.catalog.noteAppended(facts.filename, entry);
    } catch (error) {
      this.logger.error(
        `Could not append history to ${facts.filename}: ${(error as Error).message}`,
      );
    }
  }

  /** Writes one audit record of an approval decision (the markdown entry comes when the run ends). */
  async recordDecision(
    note: HistoryApprovalNote,
    context: { filename: string; breadcrumb: Breadcrumb },
  ): Promise<void> {
    const now = new Date().toISOString();
    await this.appendAudit({
      start_timestamp: now,
      finish_timestamp: now,
      return_code: 0,
      operation: 'execute',
      breadcrumb: context.breadcrumb,
      config_items: this.config.items,
      stdout: '',
      stderr: '',
      errors: [],
      warnings: [],
      approval: note,
    });
  }

  private async appendAudit(record: HistoryRecord): Promise<void> {
    try {
      await this.audit.append(record);
      this.logger.log(
        JSON.stringify({
          ...record,
          config_items: undefined,
          stdout: `${record.stdout.length} chars`,
          stderr: `${record.stderr.length} chars`,
        }),
      );
    } catch (error) {
      this.logger.error(`Could not write the audit record: ${(error as Error).message}`);
    }
  }
}
