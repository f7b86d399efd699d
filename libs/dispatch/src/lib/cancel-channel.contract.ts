/**
 * The CancelChannel contract: one Jest suite every adapter runs (in-process and Redis pub/sub).
 * Test-only: excluded from the published build (tsconfig.lib.json).
 */
import { waitFor } from '../../test/redis-test-keys';
import type { CancelChannel, CancelChannelOptions, CancelRequest } from './cancel-channel';
import { isDispatchError } from './dispatch-error';

/**
 * How the suite gets channels, and cleans up after each test. Channels created during one test
 * reach each other, as processes sharing one Redis do.
 */
export interface CancelChannelHarness {
  create(options: CancelChannelOptions): Promise<CancelChannel>;
  cleanup?(): Promise<void>;
}

const request = (runId: string, reason: string | null = 'not needed'): CancelRequest => ({
  runId,
  requestedBy: 'alice',
  reason,
});

/** Registers the CancelChannel contract tests for one adapter. */
export function describeCancelChannelContract(name: string, harness: CancelChannelHarness): void {
  describe(`CancelChannel contract: ${name}`, () => {
    const channels: CancelChannel[] = [];
    const errors: unknown[] = [];
    const open = async (options: CancelChannelOptions = {}): Promise<CancelChannel> => {
      const channel = await harness.create({ onError: (error) => errors.push(error), ...options });
      channels.push(channel);
      return channel;
    };

    beforeEach(() => {
      errors.length = 0;
    });

    afterEach(async () => {
      await Promise.all(channels.splice(0).map((channel) => channel.close()));
      await harness.cleanup?.();
    });

    it('carries a request to the watcher of that run, once', async () => {
      const api = await open();
      const worker = await open();
      const received: CancelRequest[] = [];
      const watch = await worker.watch('run-1', (got) => received.push(got));
      const other: CancelRequest[] = [];
      await worker.watch('run-2', (got) => other.push(got));
      expect(await api.request(request('run-1'))).toBe(true);
      await waitFor(() => received.length === 1);
      expect(received).toEqual([request('run-1')]);
      expect(await api.request(request('run-1', null))).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received).toHaveLength(1);
      expect(other).toEqual([]);
      await watch.close();
      await watch.close();
    });

    it('delivers a request made before the owner started watching', async () => {
      const api = await open();
      const worker = await open();
      expect(await api.request(request('early'))).toBe(false);
      const received: CancelRequest[] = [];
      await worker.watch('early', (got) => received.push(got));
      await waitFor(() => received.length === 1);
      expect(received[0]).toEqual(request('early'));
    });

    it('forgets an undelivered request after pendingTtlMs, and a closed watch hears nothing', async () => {
      const api = await open({ pendingTtlMs: 30 });
      const worker = await open({ pendingTtlMs: 30 });
      await api.request(request('expired'));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const received: CancelRequest[] = [];
      const watch = await worker.watch('expired', (got) => received.push(got));
      await watch.close();
      expect(await api.request(request('expired'))).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received).toEqual([]);
    });

    it('keeps going when a handler throws', async () => {
      const api = await open();
      const worker = await open();
      const received: string[] = [];
      await worker.watch('boom', () => {
        throw new Error('handler bug');
      });
      await worker.watch('boom', (got) => received.push(got.runId));
      await api.request(request('boom'));
      await waitFor(() => received.length === 1);
      await waitFor(() =>
        errors.some((error) => error instanceof Error && error.message === 'handler bug'),
      );
    });

    it('rejects bad run ids and work after close', async () => {
      const channel = await open();
      const code = async (promise: Promise<unknown>): Promise<string> => {
        try {
          await promise;
          return 'resolved';
        } catch (error) {
          return isDispatchError(error) ? error.code : String(error);
        }
      };
      expect(await code(channel.request(request('')))).toBe('INVALID_RUN_ID');
      expect(await code(channel.watch('', () => undefined))).toBe('INVALID_RUN_ID');
      await channel.close();
      await channel.close();
      expect(await code(channel.request(request('late')))).toBe('CANCEL_CLOSED');
      expect(await code(channel.watch('late', () => undefined))).toBe('CANCEL_CLOSED');
    });
  });
}
