import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deleteKeys, listKeys, REDIS_URL, uniquePrefix, waitFor } from '../../test/redis-test-keys';
import { isDispatchError } from './dispatch-error';
import type { RunSignal } from './output-bus';
import { describeOutputBusContract, Recorder, resultOf } from './output-bus.contract';
import { RedisOutputBus } from './redis-output-bus';

let prefix = uniquePrefix('bus');

describeOutputBusContract('Redis Streams', {
  create: (options) =>
    Promise.resolve(new RedisOutputBus({ ...options, connection: REDIS_URL, keyPrefix: prefix })),
  cleanup: async () => {
    await deleteKeys(prefix);
    prefix = uniquePrefix('bus');
  },
});

const TS_REGISTER = join(__dirname, '../../test/ts-register.cjs');
const PUBLISHER = join(__dirname, '../../test/bus-publisher.ts');
const SUBSCRIBER = join(__dirname, '../../test/bus-subscriber.ts');

/** Runs a child script; resolves with its stdout lines once it exits with code 0. */
function runChild(
  script: string,
  args: string[],
  onLine: (line: string) => void = () => undefined,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', TS_REGISTER, script, ...args]);
    const lines: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
      buffer += data.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        onLine(line);
      }
    });
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(lines);
      else reject(new Error(`${script} exited with ${code}: ${stderr}`));
    });
  });
}

describe('RedisOutputBus', () => {
  afterEach(async () => {
    await deleteKeys(prefix);
    prefix = uniquePrefix('bus');
  });

  it('keeps one stream per run whose entry ids are the seqs, with an expiry', async () => {
    const bus = new RedisOutputBus({
      connection: REDIS_URL,
      keyPrefix: prefix,
      ttlMs: 60_000,
      completedTtlMs: 5_000,
    });
    const redis = new Redis(REDIS_URL);
    try {
      await bus.publish('ids', { seq: 1, stream: 'stdout', data: 'a' });
      await bus.publish('ids', { seq: 2, stream: 'stderr', data: 'b' });
      const key = bus.streamKey('ids');
      expect(key).toBe(`${prefix}run:ids:output`);
      expect(await listKeys(prefix)).toEqual([key]);
      const entries = await redis.xrange(key, '-', '+');
      expect(entries).toEqual([
        ['0-1', ['s', 'stdout', 'd', 'a']],
        ['0-2', ['s', 'stderr', 'd', 'b']],
      ]);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      await bus.complete('ids', resultOf('ids'));
      const done = await redis.xrange(key, '1-0', '1-0');
      expect(done[0]?.[1]).toEqual(['k', 'done', 'r', JSON.stringify(resultOf('ids')), 'l', '2']);
      expect(await redis.pttl(key)).toBeLessThanOrEqual(5_000);
    } finally {
      redis.disconnect();
      await bus.close();
    }
  });

  it('fails fast with BUS_UNAVAILABLE when Redis cannot be reached, and still closes', async () => {
    const bus = new RedisOutputBus({ connection: 'redis://127.0.0.1:6390', publishTimeoutMs: 300 });
    const started = Date.now();
    let caught: unknown = null;
    try {
      await bus.publish('x', { stream: 'stdout', data: 'x' });
    } catch (error) {
      caught = error;
    }
    expect(isDispatchError(caught, 'BUS_UNAVAILABLE')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
    bus.subscribe('x', 0, () => undefined);
    await bus.close();
  });

  it('delivers to a subscriber process every line another process publishes; a new process resumes from its Last-Event-ID', async () => {
    const runId = 'cross-1';
    const total = 200;
    const first: RunSignal[] = [];
    // Subscriber 1 (this process) starts before the publisher and "disconnects" after 80 lines.
    const bus = new RedisOutputBus({ connection: REDIS_URL, keyPrefix: prefix });
    const seen = new Recorder();
    const subscription = bus.subscribe(runId, 0, (signal) => {
      seen.listener(signal);
      first.push(signal);
      if (seen.seqs.length === 80) subscription.close();
    });
    try {
      const publishing = runChild(PUBLISHER, [REDIS_URL, prefix, runId, String(total), '2']);
      await waitFor(() => seen.seqs.length >= 80, 30_000, 'first 80 lines');
      const lastEventId = seen.seqs[seen.seqs.length - 1] ?? 0;
      // Subscriber 2: another process, resuming while the publisher is still going.
      const resumed = await runChild(SUBSCRIBER, [REDIS_URL, prefix, runId, String(lastEventId)]);
      expect(await publishing).toEqual(['published']);
      const signals = resumed
        .filter((line) => line !== 'subscribed')
        .map((line) => JSON.parse(line) as RunSignal);
      const resumedSeqs = signals.flatMap((signal) =>
        signal.kind === 'output' ? [signal.line.seq] : [],
      );
      expect(seen.seqs).toEqual(Array.from({ length: 80 }, (_, index) => index + 1));
      expect([...seen.seqs, ...resumedSeqs]).toEqual(
        Array.from({ length: total }, (_, index) => index + 1),
      );
      expect(signals[signals.length - 1]).toMatchObject({ kind: 'done', lastSeq: total });
      const seventh = signals.find((signal) => signal.kind === 'output' && signal.line.seq === 84);
      expect(seventh).toEqual({
        kind: 'output',
        line: { seq: 84, stream: 'stderr', data: 'line 84\n' },
      });
    } finally {
      await bus.close();
    }
  }, 60_000);

  it('serves many runs from one blocking connection and picks up new subscriptions at once', async () => {
    const writer = new RedisOutputBus({ connection: REDIS_URL, keyPrefix: prefix });
    const reader = new RedisOutputBus({
      connection: REDIS_URL,
      keyPrefix: prefix,
      blockMs: 10_000,
    });
    try {
      const recorders = Array.from({ length: 20 }, () => new Recorder());
      for (const [index, recorder] of recorders.entries()) {
        reader.subscribe(`many-${index}`, 0, recorder.listener);
        await writer.publish(`many-${index}`, { stream: 'stdout', data: `hello ${index}` });
        // With a 10 s block, only the wake-up makes this fast.
        await waitFor(() => recorder.seqs.length === 1, 5_000, `run ${index} delivered`);
      }
    } finally {
      await writer.close();
      await reader.close();
    }
  }, 60_000);
});
