// Child process of bullmq-run-queue.spec.ts: consumes the BullMQ queue named by argv and prints
// each run id it handles, one per line. Prints "ready" once consuming; SIGTERM closes gracefully.
import { BullmqRunQueue } from '../src/lib/bullmq-run-queue';

async function main(): Promise<void> {
  const [url, prefix, concurrency] = process.argv.slice(2);
  if (url === undefined || prefix === undefined)
    throw new Error('usage: queue-consumer <url> <prefix> [concurrency]');
  const queue = new BullmqRunQueue({ connection: url, prefix });
  const consumer = queue.consume(
    async (job) => {
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
