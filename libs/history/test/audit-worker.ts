// Child process of jsonl-audit-log.spec.ts: appends `count` large records to the log at once.
import type { HistoryRecord } from '@runbooks/types';
import { JsonlAuditLog } from '../src/lib/jsonl-audit-log';

export function auditRecord(tag: string, stdoutBytes = 64 * 1024): HistoryRecord {
  return {
    start_timestamp: '2026-11-22T07:17:51.447Z',
    finish_timestamp: '2026-11-22T07:17:52.001Z',
    return_code: 0,
    operation: 'execute',
    breadcrumb: {
      at_time: '2026-11-22T07:17:51.447015+00:00',
      by_user: tag,
      from_ip: '127.0.0.1',
      correlation_id: `corr-${tag}`,
      recursion_stack: ['deploy.md'],
      roles: ['admin'],
    },
    config_items: [{ name: 'API_PORT', value: '8083', from: 'default' }],
    stdout: tag.repeat(Math.ceil(stdoutBytes / tag.length)).slice(0, stdoutBytes),
    stderr: '',
    errors: [],
    warnings: [],
  };
}

async function main(): Promise<void> {
  const [path, tag, countText] = process.argv.slice(2);
  if (path === undefined || tag === undefined)
    throw new Error('usage: audit-worker <path> <tag> <count>');
  const log = new JsonlAuditLog({ path });
  await Promise.all(
    Array.from({ length: Number(countText ?? '1') }, (_, i) =>
      log.append(auditRecord(`${tag}${i}`)),
    ),
  );
  await log.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(String(error instanceof Error ? error.stack : error));
    process.exitCode = 1;
  });
}
