import { writeFileSync } from 'node:fs';

import type { ExecuteResult } from '@runbooks/types';

import { RunsTestApp, eventually, runbookText } from '../../testing/runs-test-app';
import { RunEventsService } from './run-events.service';
import { RunSubmission } from './run-submission.service';

const COUNT = runbookText('Count', 'for i in 1 2 3 4 5; do echo "line $i"; done');
const GATED = runbookText(
  'Gated',
  'echo before; while [ ! -e "$GO_FILE" ]; do sleep 0.05; done; echo after',
).replace(
  '# Environment Requirements\n```yaml\n',
  '# Environment Requirements\n```yaml\nGO_FILE: A file\n',
);

/** What a follower received: output lines and the done events. */
function recorder() {
  const lines: { seq: number; data: string }[] = [];
  const dones: { result: ExecuteResult; seq: number }[] = [];
  return {
    lines,
    dones,
    sink: {
      output: (line: { seq: number; data: string }) => {
        lines.push({ seq: line.seq, data: line.data });
      },
      done: (result: ExecuteResult, seq: number) => dones.push({ result, seq }),
    },
  };
}

describe('RunEventsService (embedded ports)', () => {
  let app: RunsTestApp;
  let events: RunEventsService;

  beforeAll(async () => {
    app = await RunsTestApp.start(
      { 'Count.md': COUNT, 'Gated.md': GATED },
      { ALLOW_UNSANDBOXED: 'true' },
    );
    events = app.get(RunEventsService);
  });
  afterAll(() => app.stop());

  it('replays a finished run from the store after Last-Event-ID, then done once', async () => {
    const submission = await app.get(RunSubmission).submit(app.command('Count.md'));
    await submission.result();
    const all = recorder();
    await events.follow(submission.run.id, 0, all.sink);
    expect(all.lines.map((line) => line.data)).toEqual([
      'line 1\n',
      'line 2\n',
      'line 3\n',
      'line 4\n',
      'line 5\n',
    ]);
    expect(all.dones).toHaveLength(1);
    expect(all.dones[0]?.seq).toBe(6);
    const resumed = recorder();
    await events.follow(submission.run.id, 3, resumed.sink);
    expect(resumed.lines.map((line) => line.seq)).toEqual([4, 5]);
    expect(resumed.dones[0]?.result).toMatchObject({ success: true, return_code: 0 });
  });

  it('waits for a sink that returns a promise before the next line (back-pressure)', async () => {
    const submission = await app.get(RunSubmission).submit(app.command('Count.md'));
    await submission.result();
    const seen: number[] = [];
    const gates: (() => void)[] = [];
    let finished = false;
    const following = events.follow(submission.run.id, 0, {
      output: (line) => {
        seen.push(line.seq);
        return new Promise<void>((resolve) => gates.push(resolve));
      },
      done: () => {
        finished = true;
      },
    });
    for (let count = 1; count <= 5; count += 1) {
      await eventually(() => Promise.resolve(gates.length === 1), `line ${count}`);
      expect(seen).toHaveLength(count);
      gates.shift()?.();
    }
    await following;
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(finished).toBe(true);
  });

  it('follows a live run without gaps or duplicates, ending with its done', async () => {
    const go = `${app.root}/go-${Date.now()}`;
    const submission = await app
      .get(RunSubmission)
      .submit(app.command('Gated.md', {}, { GO_FILE: go }));
    const live = recorder();
    const stop = await events.follow(submission.run.id, 0, live.sink);
    await eventually(() => Promise.resolve(live.lines.length === 1), 'the first line');
    writeFileSync(go, '');
    await eventually(() => Promise.resolve(live.dones.length === 1), 'done');
    stop();
    expect(live.lines).toEqual([
      { seq: 1, data: 'before\n' },
      { seq: 2, data: 'after\n' },
    ]);
    expect(live.dones[0]).toMatchObject({ seq: 3, result: { success: true } });
  });
});
