import { InProcessOutputBus, type RunSignal } from '@runbooks/dispatch';
import type { ExecuteResult } from '@runbooks/types';

import { DispatchLiveOutput } from './live-output';

const result: ExecuteResult = {
  success: true,
  runbook: 'Echo.md',
  return_code: 0,
  stdout: 'a\nb\n',
  stderr: '',
  errors: [],
  warnings: [],
  run_id: 'run-1',
};

describe('DispatchLiveOutput', () => {
  it('publishes lines with the store seq and completes with the last seq it published', async () => {
    const bus = new InProcessOutputBus();
    const live = new DispatchLiveOutput(bus);
    const seen: RunSignal[] = [];
    const done = new Promise<void>((resolve) => {
      bus.subscribe('run-1', 0, (signal) => {
        seen.push(signal);
        if (signal.kind === 'done') resolve();
      });
    });
    live.publish('run-1', { kind: 'output', line: { seq: 1, stream: 'stdout', data: 'a\n' } });
    live.publish('run-1', { kind: 'output', line: { seq: 2, stream: 'stdout', data: 'b\n' } });
    live.publish('run-1', { kind: 'done', result });
    await done;
    expect(seen).toEqual([
      { kind: 'output', line: { seq: 1, stream: 'stdout', data: 'a\n' } },
      { kind: 'output', line: { seq: 2, stream: 'stdout', data: 'b\n' } },
      { kind: 'done', result, lastSeq: 2 },
    ]);
    await bus.close();
  });

  it('reports a failed complete instead of throwing', async () => {
    const bus = new InProcessOutputBus();
    await bus.close();
    const errors: unknown[] = [];
    const live = new DispatchLiveOutput(bus, (error) => errors.push(error));
    live.publish('run-2', { kind: 'output', line: { seq: 1, stream: 'stderr', data: 'x' } });
    live.publish('run-2', { kind: 'done', result: { ...result, run_id: 'run-2' } });
    await waitUntil(() => errors.length > 0);
    expect(errors).toHaveLength(1);
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}
