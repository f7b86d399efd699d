import { rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import type { ApiServer } from '../support/api-server';
import { PacedSseClient, rssBytes, sleep, timeGet } from '../support/paced-sse-client';
import { runbookText } from '../support/runbook-text';
import { sharedFile } from '../support/shared-file';
import { parseSse } from '../support/sse';
import { Cluster } from './cluster';
import { RunClient } from './run-client';

/**
 * 40 000 numbered lines (about 3.3 MB, four times what a run's Redis stream keeps): the first
 * half, a wait for GO_FILE, the second half.
 */
const LINES = 40_000;
const PADDING = 'x'.repeat(70);
const print = (from: number, to: number) =>
  `for i in {${from}..${to}}; do print -r -- "line $i ${PADDING}"; done`;

function expectWholeRun(text: string): void {
  const { events } = parseSse(text);
  const output = events.filter((event) => event.event === 'stdout');
  expect(output).toHaveLength(LINES);
  for (let index = 0; index < LINES; index += 1) {
    const event = output[index];
    if (event?.id !== String(index + 1) || event.data !== `line ${index + 1} ${PADDING}\n`) {
      throw new Error(`event ${index + 1} is wrong: ${JSON.stringify(event)}`);
    }
  }
  expect(events.at(-1)?.event).toBe('done');
  expect(events.filter((event) => event.event === 'done')).toHaveLength(1);
}

describe('distributed event streams under slow and stalled clients (H4)', () => {
  let cluster: Cluster;
  let api: ApiServer;
  let client: RunClient;
  let token: string;
  let goFile: string;

  beforeAll(async () => {
    goFile = sharedFile('runbooks-dist-bp-', 'go');
    rmSync(goFile);
    cluster = await Cluster.create({
      'Big.md': runbookText({
        name: 'Big',
        env: { GO_FILE: 'Continue once this file exists' },
        script: [
          print(1, LINES / 2),
          'while [[ ! -e $GO_FILE ]]; do sleep 0.05; done',
          print(LINES / 2 + 1, LINES),
        ].join('\n'),
      }),
    });
    // A worker busy storing 40 000 lines on a loaded machine must not be taken for lost.
    [api] = await Promise.all([
      cluster.start('api', { LOST_AFTER_SECONDS: '300' }),
      cluster.start('worker', { LOST_AFTER_SECONDS: '300' }),
    ]);
    token = api.token({ sub: 'alice' });
    client = new RunClient(token);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    if (goFile) rmSync(dirname(goFile), { recursive: true, force: true });
  }, 60_000);

  it('follows a live run (Redis) to a slow reader without loss, and a finished one (PostgreSQL) to stalled clients', async () => {
    const id = await client.submit(api, 'Big.md', { GO_FILE: goFile });
    await client.statusBecomes(api, id, 'running', 60_000);
    const path = `/api/runs/${id}/events`;
    const slow = await PacedSseClient.open(api.url, path, token);
    await sleep(1000); // the stream stalls on the unread socket while the run goes on
    writeFileSync(goFile, '');
    await slow.readSlowly(30, 20);
    expect((await client.record(api, id)).status).toBe('success');
    expectWholeRun(slow.received);

    const pid = api.child.pid ?? 0;
    const stalled = await Promise.all(
      Array.from({ length: 15 }, () => PacedSseClient.open(api.url, path, token)),
    );
    let slowestMs = 0;
    let largestRss = 0;
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      slowestMs = Math.max(slowestMs, await timeGet(`${api.url}/health/live`));
      largestRss = Math.max(largestRss, rssBytes(pid));
      await sleep(100);
    }
    for (const stream of stalled) stream.destroy();
    expect(slowestMs).toBeLessThan(1000);
    expect(largestRss).toBeLessThan(600 * 1024 * 1024);
    // The replay of the finished run is complete for a reader that reads.
    const reader = await PacedSseClient.open(api.url, path, token, { reading: true });
    expectWholeRun(await reader.readToEnd());
  });
});
