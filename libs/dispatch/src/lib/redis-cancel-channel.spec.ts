import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { deleteKeys, REDIS_URL, uniquePrefix, waitFor } from '../../test/redis-test-keys';
import { PrivateRedis } from '../../test/redis-server';
import type { CancelRequest } from './cancel-channel';
import { describeCancelChannelContract } from './cancel-channel.contract';
import { isDispatchError } from './dispatch-error';
import { RedisCancelChannel } from './redis-cancel-channel';

let prefix = uniquePrefix('cancel');

describeCancelChannelContract('Redis pub/sub', {
  create: (options) =>
    Promise.resolve(
      new RedisCancelChannel({ ...options, connection: REDIS_URL, keyPrefix: prefix }),
    ),
  cleanup: async () => {
    await deleteKeys(prefix);
    prefix = uniquePrefix('cancel');
  },
});

const TS_REGISTER = join(__dirname, '../../test/ts-register.cjs');
const WATCHER = join(__dirname, '../../test/cancel-watcher.ts');

describe('RedisCancelChannel', () => {
  afterEach(async () => {
    await deleteKeys(prefix);
    prefix = uniquePrefix('cancel');
  });

  it('reaches the process that owns the run, from another process', async () => {
    const child = spawn(process.execPath, [
      '-r',
      TS_REGISTER,
      WATCHER,
      REDIS_URL,
      prefix,
      'owned-run',
    ]);
    const lines: string[] = [];
    child.stdout.on('data', (data: Buffer) =>
      lines.push(...data.toString().split('\n').filter(Boolean)),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const api = new RedisCancelChannel({ connection: REDIS_URL, keyPrefix: prefix });
    try {
      await waitFor(() => lines.includes('watching'), 30_000, 'watcher ready');
      expect(
        await api.request({ runId: 'owned-run', requestedBy: 'bob', reason: 'wrong target' }),
      ).toBe(true);
      expect(await exited).toBe(0);
      expect(JSON.parse(lines[1] ?? 'null')).toEqual({
        runId: 'owned-run',
        requestedBy: 'bob',
        reason: 'wrong target',
      });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await api.close();
    }
  }, 60_000);

  it('fails fast with CANCEL_UNAVAILABLE when Redis cannot be reached; a watch still returns', async () => {
    const errors: unknown[] = [];
    const channel = new RedisCancelChannel({
      connection: 'redis://127.0.0.1:6390',
      timeoutMs: 300,
      onError: (error) => errors.push(error),
    });
    const started = Date.now();
    let caught: unknown = null;
    try {
      await channel.request({ runId: 'x', requestedBy: 'a', reason: null });
    } catch (error) {
      caught = error;
    }
    expect(isDispatchError(caught, 'CANCEL_UNAVAILABLE')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
    const watch = await channel.watch('x', () => undefined);
    expect(errors.length).toBeGreaterThan(0);
    await watch.close();
    await channel.close();
  });

  it('delivers a request sent while the owner was cut off, once Redis is back', async () => {
    const redis = await PrivateRedis.start();
    const worker = new RedisCancelChannel({ connection: redis.url, timeoutMs: 300 });
    const api = new RedisCancelChannel({ connection: redis.url, timeoutMs: 300 });
    try {
      const received: CancelRequest[] = [];
      await worker.watch('cut-off', (request) => received.push(request));
      await redis.kill();
      await redis.restart();
      // The API reconnects first and sends; the worker's subscription is not back yet, or just.
      await waitFor(
        async () => {
          try {
            await api.request({ runId: 'cut-off', requestedBy: 'ops', reason: null });
            return true;
          } catch {
            return false;
          }
        },
        15_000,
        'api reconnected',
      );
      await waitFor(() => received.length === 1, 15_000, 'request delivered after reconnect');
      expect(received[0]?.requestedBy).toBe('ops');
    } finally {
      await worker.close();
      await api.close();
      await redis.stop();
    }
  }, 60_000);
});
