// Child process of redis-output-bus.spec.ts: publishes `count` lines of run `runId` (one every
// `intervalMs`), then its done, on the Redis bus under `prefix`. Prints "published" at the end.
import { RedisOutputBus } from '../src/lib/redis-output-bus';

async function main(): Promise<void> {
  const [url, prefix, runId, count, intervalMs] = process.argv.slice(2);
  if (url === undefined || prefix === undefined || runId === undefined) {
    throw new Error('usage: bus-publisher <url> <prefix> <runId> <count> <intervalMs>');
  }
  const bus = new RedisOutputBus({ connection: url, keyPrefix: prefix });
  const total = Number(count ?? 100);
  for (let seq = 1; seq <= total; seq += 1) {
    await bus.publish(runId, {
      seq,
      stream: seq % 7 === 0 ? 'stderr' : 'stdout',
      data: `line ${seq}\n`,
    });
    if (Number(intervalMs) > 0)
      await new Promise((resolve) => setTimeout(resolve, Number(intervalMs)));
  }
  await bus.complete(runId, {
    success: true,
    runbook: 'cross.md',
    return_code: 0,
    stdout: '',
    stderr: '',
    errors: [],
    warnings: [],
    run_id: runId,
  });
  await bus.close();
  process.stdout.write('published\n');
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
