import type { Run } from '@runbooks/history';

import type { HistoryFacts } from '../history/history-recorder.service';
import { outputTail } from '../history/output-tail';
import { pythonIsoFormat } from '../history/python-iso-format';

/**
 * The History facts of a run refused by its Concurrency section (`skipped`): it never ran, so
 * only the audit log records it, never the runbook's markdown History.
 */
export function skippedHistory(run: Run, message: string, remoteIp: string): HistoryFacts {
  const requestedAt = new Date(run.createdAt);
  return {
    filename: run.runbook,
    operation: 'execute',
    startedAt: requestedAt,
    finishedAt: new Date(),
    returnCode: 1,
    runId: run.id,
    stdout: outputTail('', 0),
    stderr: outputTail('', 0),
    errors: [message],
    warnings: [],
    skipMarkdown: true,
    breadcrumb: {
      at_time: pythonIsoFormat(requestedAt),
      by_user: run.requestedBy,
      from_ip: remoteIp,
      correlation_id: run.correlationId,
      recursion_stack: run.recursionStack,
      roles: run.roles,
    },
  };
}
