import type { RunAccepted, RunRecord } from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { PacedSseClient, rssBytes, sleep, timeGet } from './support/paced-sse-client';
import { runbookText } from './support/runbook-text';
import { parseSse } from './support/sse';
import { waitFor } from './support/wait-for';

/** About 8 MB of output: 100 000 numbered lines of 83-84 bytes. */
const LINES = 100_000;
const PADDING = 'x'.repeat(70);
const BIG = runbookText({
  name: 'Big',
  script: `for i in {1..${LINES}}; do print -r -- "line $i ${PADDING}"; done`,
});

/** Runs Big.md to the end and returns its run id. */
async function bigRun(server: ApiServer, token: string): Promise<string> {
  const accepted = await call<RunAccepted>(server, '/api/runbooks/Big.md/execute', {
    method: 'POST',
    token,
    headers: { Prefer: 'respond-async' },
  });
  expect(accepted.status).toBe(202);
  const id = accepted.body.run_id;
  const run = await waitFor(
    async () => {
      const record = (await call<RunRecord>(server, `/api/runs/${id}`, { token })).body;
      return ['queued', 'running'].includes(record.status) ? null : record;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: 'the 8 MB run to finish' },
  );
  expect(run.status).toBe('success');
  return id;
}

/** Checks a complete replay: every line once, in order, then done. */
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

describe('event streams under slow and stalled clients (H4)', () => {
  afterAll(stopAllServers);

  describe('with the default limits', () => {
    let server: ApiServer;
    let token: string;
    let runId: string;

    beforeAll(async () => {
      server = await startApi({
        samples: false,
        runbooks: { 'Big.md': BIG },
        env: { RUNBOOK_HISTORY_MARKDOWN: 'false' },
      });
      token = server.token({ sub: 'alice' });
      runId = await bigRun(server, token);
    }, 120_000);

    it('stays responsive and bounded in memory while 15 clients never read an 8 MB replay', async () => {
      const pid = server.child.pid ?? 0;
      const clients = await Promise.all(
        Array.from({ length: 15 }, () =>
          PacedSseClient.open(server.url, `/api/runs/${runId}/events`, token),
        ),
      );
      let slowestMs = 0;
      let largestRss = 0;
      const until = Date.now() + 4000;
      while (Date.now() < until) {
        slowestMs = Math.max(slowestMs, await timeGet(`${server.url}/health/live`));
        largestRss = Math.max(largestRss, rssBytes(pid));
        await sleep(100);
      }
      for (const client of clients) client.destroy();
      expect(slowestMs).toBeLessThan(1000);
      expect(largestRss).toBeLessThan(600 * 1024 * 1024);
    });

    it('gives a slow reader every line in order, once, then done', async () => {
      const client = await PacedSseClient.open(server.url, `/api/runs/${runId}/events`, token);
      await sleep(1000); // the server fills the socket and has to wait
      await client.readSlowly(30, 20);
      expectWholeRun(client.received);
    });
  });

  describe('with a short idle limit', () => {
    let server: ApiServer;
    let token: string;
    let runId: string;

    beforeAll(async () => {
      server = await startApi({
        samples: false,
        runbooks: { 'Big.md': BIG },
        env: { RUNBOOK_HISTORY_MARKDOWN: 'false', SSE_CLIENT_IDLE_SECONDS: '2' },
      });
      token = server.token({ sub: 'alice' });
      runId = await bigRun(server, token);
    }, 120_000);

    it('drops a client that stops reading, and it resumes with Last-Event-ID', async () => {
      const client = await PacedSseClient.open(server.url, `/api/runs/${runId}/events`, token, {
        reading: true,
      });
      await waitFor(() => client.received.length > 200_000, { what: 'the first 200 kB' });
      client.pause();
      await waitFor(
        async () => {
          const metrics = await call(server, '/metrics').catch(() => null);
          return /runbook_sse_clients_dropped_total\{reason="idle"\} 1\b/.test(metrics?.text ?? '');
        },
        { timeoutMs: 20_000, intervalMs: 250, what: 'the stalled client to be dropped' },
      );
      expect(server.logs).toMatch(/Dropped an event-stream client of run \S+: nothing read for 2s/);
      // What the kernel still held arrives, then the connection ends without `done`.
      const text = await client.readToEnd();
      const { events } = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2));
      expect(events.some((event) => event.event === 'done')).toBe(false);
      const lastId = Number(events.at(-1)?.id ?? 0);
      expect(lastId).toBeGreaterThan(0);
      expect(lastId).toBeLessThan(LINES);
      // Resuming after the last complete event gives exactly the rest.
      const rest = await PacedSseClient.open(server.url, `/api/runs/${runId}/events`, token, {
        reading: true,
        headers: { 'Last-Event-ID': String(lastId) },
      });
      const restEvents = parseSse(await rest.readToEnd()).events;
      const ids = restEvents.filter((event) => event.event === 'stdout').map((event) => event.id);
      expect(ids[0]).toBe(String(lastId + 1));
      expect(ids).toHaveLength(LINES - lastId);
      expect(restEvents.at(-1)?.event).toBe('done');
    });
  });
});
