// Child process of redis-output-bus.spec.ts: subscribes to run `runId` after `afterSeq` and prints
// every signal as one JSON line until done (or until it has seen `stopAfter` lines, to play a
// client that disconnects). Prints "subscribed" first.
import { RedisOutputBus } from '../src/lib/redis-output-bus';

async function main(): Promise<void> {
  const [url, prefix, runId, afterSeq, stopAfter] = process.argv.slice(2);
  if (url === undefined || prefix === undefined || runId === undefined) {
    throw new Error('usage: bus-subscriber <url> <prefix> <runId> <afterSeq> [stopAfter]');
  }
  const bus = new RedisOutputBus({ connection: url, keyPrefix: prefix });
  let lines = 0;
  const limit = stopAfter === undefined ? Infinity : Number(stopAfter);
  await new Promise<void>((resolve) => {
    const subscription = bus.subscribe(runId, Number(afterSeq ?? 0), (signal) => {
      process.stdout.write(`${JSON.stringify(signal)}\n`);
      if (signal.kind === 'done') resolve();
      else if ((lines += 1) >= limit) {
        subscription.close();
        resolve();
      }
    });
    process.stdout.write('subscribed\n');
  });
  await bus.close();
}

main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error));
  process.exit(1);
});
