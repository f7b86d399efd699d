// Child process of redis-cancel-channel.spec.ts: plays the worker that owns run `runId`. It
// watches the run, prints "watching", and exits printing the cancel request it receives.
import { RedisCancelChannel } from '../src/lib/redis-cancel-channel';

async function main(): Promise<void> {
  const [url, prefix, runId] = process.argv.slice(2);
  if (url === undefined || prefix === undefined || runId === undefined) {
    throw new Error('usage: cancel-watcher <url> <prefix> <runId>');
  }
  const channel = new RedisCancelChannel({ connection: url, keyPrefix: prefix });
  const received = new Promise<string>((resolve) => {
    void channel
      .watch(runId, (request) => resolve(JSON.stringify(request)))
      .then(() => {
        process.stdout.write('watching\n');
      });
  });
  process.stdout.write(`${await received}\n`);
  await channel.close();
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
