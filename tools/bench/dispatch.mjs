#!/usr/bin/env node
// Benchmark for @runbooks/dispatch (built packages in dist/libs/dispatch and dist/libs/history).
// Prints, for the in-process adapters and the Redis ones (BullMQ, Streams):
//   - RunQueue: enqueue → handler latency (median/p95, one job at a time) and throughput (jobs/s);
//   - OutputBus: publish → subscriber latency (a second bus instance for Redis) and lines/s;
//   - EventRelay: events/s from a real SQLite RunStore outbox to the runs.events Redis Stream.
// Uses its own key prefix on the Redis given by --redis (default redis://127.0.0.1:6379) and deletes
// its keys at the end.
// Usage: npx nx build dispatch && npx nx build history && node tools/bench/dispatch.mjs [--jobs 2000]
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { option, percentile, resolveWorkspaceLibsFromDist } from './bench-kit.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
resolveWorkspaceLibsFromDist(root);
const dispatch = require(join(root, 'dist/libs/dispatch'));
const history = require(join(root, 'dist/libs/history'));
const { Redis } = require('ioredis');

const REDIS_URL = option('redis', 'redis://127.0.0.1:6379');
const JOBS = Number(option('jobs', '2000'));
const LATENCY_SAMPLES = Number(option('samples', '300'));
const PREFIX = `rbbench:${randomBytes(4).toString('hex')}:`;

const ms = (value) => `${value.toFixed(3)} ms`;
const rate = (count, elapsedMs) =>
  `${Math.round((count / elapsedMs) * 1000).toLocaleString('en')}/s`;

/** enqueue → handler start, one job at a time. */
async function queueLatency(queue, label) {
  const samples = [];
  let arrived = () => undefined;
  const consumer = queue.consume(async () => arrived(performance.now()));
  await consumer.ready();
  for (let index = 0; index < LATENCY_SAMPLES + 20; index += 1) {
    const got = new Promise((resolve) => (arrived = resolve));
    const started = performance.now();
    await queue.enqueue(`${label}-lat-${index}`);
    const at = await got;
    if (index >= 20) samples.push(at - started); // the first ones warm connections up
  }
  await consumer.close();
  return samples;
}

/** Enqueue JOBS runs, consume them with concurrency 8: jobs/s from first enqueue to last handled. */
async function queueThroughput(queue, label) {
  let handled = 0;
  let finished = () => undefined;
  const done = new Promise((resolve) => (finished = resolve));
  const consumer = queue.consume(
    async () => {
      handled += 1;
      if (handled === JOBS) finished();
    },
    { concurrency: 8 },
  );
  await consumer.ready();
  const started = performance.now();
  const batch = 100;
  for (let index = 0; index < JOBS; index += batch) {
    const ids = Array.from(
      { length: Math.min(batch, JOBS - index) },
      (_, offset) => `${label}-tp-${index + offset}`,
    );
    await Promise.all(ids.map((id) => queue.enqueue(id)));
  }
  await done;
  const elapsed = performance.now() - started;
  await consumer.close();
  return elapsed;
}

/** publish → listener, one line at a time; then LINES lines as fast as they go. */
async function busFigures(writer, reader, label) {
  const samples = [];
  let arrived = () => undefined;
  const runId = `${label}-latency`;
  reader.subscribe(runId, 0, (signal) => {
    if (signal.kind === 'output') arrived(performance.now());
  });
  for (let index = 0; index < LATENCY_SAMPLES + 20; index += 1) {
    const got = new Promise((resolve) => (arrived = resolve));
    const started = performance.now();
    await writer.publish(runId, { stream: 'stdout', data: `line ${index}\n` });
    const at = await got;
    if (index >= 20) samples.push(at - started);
  }
  const lines = JOBS * 5;
  let received = 0;
  let finished = () => undefined;
  const done = new Promise((resolve) => (finished = resolve));
  const burst = `${label}-burst`;
  reader.subscribe(burst, 0, (signal) => {
    if (signal.kind === 'done') finished();
    else received += 1;
  });
  const started = performance.now();
  const pending = [];
  for (let seq = 1; seq <= lines; seq += 1) {
    pending.push(writer.publish(burst, { seq, stream: 'stdout', data: `burst line ${seq}\n` }));
    if (pending.length === 500) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await writer.complete(burst, {
    success: true,
    runbook: 'b.md',
    return_code: 0,
    stdout: '',
    stderr: '',
    errors: [],
    warnings: [],
  });
  await done;
  const elapsed = performance.now() - started;
  if (received !== lines) throw new Error(`${label}: ${received} of ${lines} lines arrived`);
  return { samples, lines, elapsed };
}

async function relayFigures() {
  const store = await history.openSqliteRunStore({ file: ':memory:', outbox: true });
  const runs = Math.max(100, Math.floor(JOBS / 2));
  for (let index = 0; index < runs; index += 1) {
    const run = await store.create({
      runbook: 'bench.md',
      requestedBy: 'bench',
      labels: { env: 'prod' },
    });
    const claimed = await store.claim(run.id, { workerId: 'w' });
    await store.transition(run.id, claimed.attempt, ['running'], 'success', { returnCode: 0 });
  }
  const stream = `${PREFIX}runs.events`;
  const sink = new dispatch.RedisStreamEventSink({ connection: REDIS_URL, stream });
  const relay = new dispatch.EventRelay({ source: store, sinks: [sink], batchSize: 500 });
  const started = performance.now();
  let published = 0;
  for (let count = await relay.relayOnce(); count > 0; count = await relay.relayOnce())
    published += count;
  const elapsed = performance.now() - started;
  const redis = new Redis(REDIS_URL);
  const length = await redis.xlen(stream);
  redis.disconnect();
  await sink.close();
  await store.close();
  if (length !== runs * 3) throw new Error(`relay: ${length} entries for ${runs * 3} events`);
  return { published, elapsed };
}

async function cleanup() {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

async function main() {
  console.log(
    `@runbooks/dispatch benchmark — node ${process.version}, ${JOBS} jobs, ${LATENCY_SAMPLES} latency samples, Redis ${REDIS_URL}`,
  );
  try {
    const rows = [];
    const inProcess = new dispatch.InProcessRunQueue();
    const inLatency = await queueLatency(inProcess, 'mem');
    const inElapsed = await queueThroughput(inProcess, 'mem');
    await inProcess.close();
    rows.push(['in-process', inLatency, inElapsed]);

    const bull = new dispatch.BullmqRunQueue({ connection: REDIS_URL, prefix: `${PREFIX}bull` });
    const bullLatency = await queueLatency(bull, 'bull');
    const bullElapsed = await queueThroughput(bull, 'bull');
    await bull.close();
    rows.push(['BullMQ', bullLatency, bullElapsed]);

    console.log(
      '\nRunQueue: enqueue → handler start (one at a time), and throughput (concurrency 8)',
    );
    for (const [name, latency, elapsed] of rows) {
      console.log(
        `  ${name.padEnd(11)} median ${ms(percentile(latency, 0.5))}  p95 ${ms(percentile(latency, 0.95))}  throughput ${rate(JOBS, elapsed)}`,
      );
    }
    const added = percentile(bullLatency, 0.5) - percentile(inLatency, 0.5);
    console.log(`  added median dispatch latency of BullMQ over in-process: ${ms(added)}`);

    console.log(
      '\nOutputBus: publish → subscriber (one at a time), and lines/s (publish all, until done)',
    );
    const memBus = new dispatch.InProcessOutputBus();
    const mem = await busFigures(memBus, memBus, 'mem');
    await memBus.close();
    const writer = new dispatch.RedisOutputBus({
      connection: REDIS_URL,
      keyPrefix: PREFIX,
      maxLinesPerRun: JOBS * 10,
    });
    const reader = new dispatch.RedisOutputBus({ connection: REDIS_URL, keyPrefix: PREFIX });
    const streams = await busFigures(writer, reader, 'redis');
    await writer.close();
    await reader.close();
    for (const [name, figures] of [
      ['in-process', mem],
      ['Redis', streams],
    ]) {
      console.log(
        `  ${name.padEnd(11)} median ${ms(percentile(figures.samples, 0.5))}  p95 ${ms(percentile(figures.samples, 0.95))}  ${rate(figures.lines, figures.elapsed)} (${figures.lines} lines)`,
      );
    }

    const relay = await relayFigures();
    console.log('\nEventRelay: SQLite RunStore outbox → runs.events Redis Stream');
    console.log(
      `  ${relay.published} events in ${ms(relay.elapsed)}: ${rate(relay.published, relay.elapsed)}`,
    );
  } finally {
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
