// Child process of bullmq-run-queue.spec.ts: consumes the BullMQ queue named by argv and prints
// each run id it handles, one per line. Prints "ready" once consuming; SIGTERM closes gracefully.
// With a `hangOn` run id, it prints "started <id>" for that job and never finishes it (to be killed).
import { BullmqRunQueue } from '../src/lib/bullmq-run-queue';

async function main(): Promise<void> {
  const [url, prefix, concurrency, lockMs, hangOn] = process.argv.slice(2);
  if (url === undefined || prefix === undefined)
    throw new Error('usage: queue-consumer <url> <prefix> [concurrency]');
  const queue = new BullmqRunQueue({
    connection: url,
    prefix,
    lockDurationMs: Number(lockMs ?? 30_000),
    stalledIntervalMs: Number(lockMs ?? 30_000),
  });
  const consumer = queue.consume(
    async (job) => {
      if (job.runId === hangOn) {
        process.stdout.write(`started ${job.runId}\n`);
        await new Promise(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      process.stdout.write(`${job.runId}\n`);
    },
    { concurrency: Number(concurrency ?? 2) },
  );
  await consumer.ready();
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void queue.close().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
