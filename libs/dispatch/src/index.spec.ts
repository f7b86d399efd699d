import * as dispatch from './index';
import type { RunEventSource } from './index';

describe('@runbooks/dispatch public API', () => {
  it('exports the ports’ adapters, the relay, its sinks and the error type', () => {
    expect(Object.keys(dispatch).sort()).toEqual(
      [
        'BullmqRunQueue',
        'DispatchError',
        'EventRelay',
        'InProcessCancelChannel',
        'InProcessOutputBus',
        'InProcessRunQueue',
        'RedisCancelChannel',
        'RedisOutputBus',
        'RedisStreamEventSink',
        'WEBHOOK_HEADERS',
        'WebhookEventSink',
        'decodeRunEventEntry',
        'isDispatchError',
        'jobIdOf',
        'signWebhookBody',
        'verifyWebhookSignature',
      ].sort(),
    );
  });

  it('runs an embedded run from the index alone: queue → worker → output → done', async () => {
    const queue = new dispatch.InProcessRunQueue();
    const bus = new dispatch.InProcessOutputBus();
    const cancel = new dispatch.InProcessCancelChannel();
    const lines: string[] = [];
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finished = resolve));
    bus.subscribe('r1', 0, (signal) => {
      if (signal.kind === 'output') lines.push(signal.line.data);
      else finished();
    });
    queue.consume(async (job) => {
      const watch = await cancel.watch(job.runId, () => undefined);
      await bus.publish(job.runId, { stream: 'stdout', data: 'hello\n' });
      await bus.complete(job.runId, {
        success: true,
        runbook: 'hello.md',
        return_code: 0,
        stdout: 'hello\n',
        stderr: '',
        errors: [],
        warnings: [],
        run_id: job.runId,
      });
      await watch.close();
    });
    await queue.enqueue('r1');
    await done;
    expect(lines).toEqual(['hello\n']);
    expect(dispatch.isDispatchError(new dispatch.DispatchError('QUEUE_UNAVAILABLE', 'x'))).toBe(
      true,
    );
    await Promise.all([queue.close(), bus.close(), cancel.close()]);
  });

  it('takes any outbox with readOutbox/markPublished as an event source', () => {
    const source: RunEventSource = {
      readOutbox: () => Promise.resolve([]),
      markPublished: () => Promise.resolve(0),
    };
    expect(new dispatch.EventRelay({ source, sinks: [] }).isRunning).toBe(false);
  });
});
