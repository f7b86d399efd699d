import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseHistoryEntries } from '@runbooks/runbook-format';
import type { RunAccepted, RunListResponse, RunRecord } from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { killMarked, processesWithMarker } from './support/processes';
import { runbookText } from './support/runbook-text';
import { doneOf, LiveStream, parseSse } from './support/sse';
import { waitFor } from './support/wait-for';

const WAIT_FOR_GO = 'while [[ ! -e $GO_FILE ]]; do sleep 0.05; done';

const RUNBOOKS = {
  'Quick.md': runbookText({ name: 'Quick', script: 'echo one\necho two\necho three' }),
  'TwoPhase.md': runbookText({
    name: 'TwoPhase',
    env: { GO_FILE: 'Release file' },
    script: `echo first\necho second\n${WAIT_FOR_GO}\necho third\necho fourth`,
  }),
  'Tree.md': runbookText({
    name: 'Tree',
    env: { MARKER: 'Unique text in the environment of every process of the run' },
    script: [
      '(exec -a "$MARKER-sleeper" sleep 300) &',
      "zsh -c 'sleep 300; echo never' &",
      'echo started',
      'wait',
    ].join('\n'),
  }),
  'AdminOnly.md': runbookText({
    name: 'AdminOnly',
    claims: { roles: 'admin' },
    script: 'echo admin things',
  }),
};

describe('runs', () => {
  let server: ApiServer;
  let alice: string;
  let bob: string;
  let admin: string;

  beforeAll(async () => {
    server = await startApi({ runbooks: RUNBOOKS, samples: false });
    alice = server.token({ sub: 'alice', roles: ['sre'] });
    bob = server.token({ sub: 'bob', roles: ['sre'] });
    admin = server.token({ sub: 'root', roles: ['admin'] });
  });
  afterAll(stopAllServers);

  const runAsync = async (
    token: string,
    filename: string,
    json: Record<string, unknown> = {},
  ): Promise<string> => {
    const response = await call<RunAccepted>(server, `/api/runbooks/${filename}/execute`, {
      method: 'POST',
      token,
      json,
      headers: { Prefer: 'respond-async' },
    });
    expect(response.status).toBe(202);
    return response.body.run_id;
  };
  const getRun = (id: string, token = admin) =>
    call<RunRecord>(server, `/api/runs/${id}`, { token });
  const finished = (id: string) =>
    waitFor(async () => {
      const run = (await getRun(id)).body;
      return ['queued', 'running'].includes(run.status) ? null : run;
    });
  const listRuns = (query: string, token = admin) =>
    call<RunListResponse>(server, `/api/runs${query}`, { token });

  describe('GET /api/runs', () => {
    let ids: string[];

    beforeAll(async () => {
      ids = [];
      for (const [token, labels] of [
        [alice, { env: 'prod', team: 'a' }],
        [bob, { env: 'dev', team: 'a' }],
        [alice, { env: 'dev', team: 'b' }],
      ] as const) {
        const id = await runAsync(token, 'Quick.md', { labels });
        await finished(id);
        ids.push(id);
      }
      ids.push(await runAsync(admin, 'AdminOnly.md', { labels: { env: 'prod' } }));
      await finished(ids[3] ?? '');
    });

    it('lists runs newest first in the playbook-dispatcher envelope', async () => {
      const response = await listRuns('');
      expect(response.status).toBe(200);
      expect(response.body.links).toEqual({ next: null });
      expect(response.body.data.map((run) => run.id)).toEqual([...ids].reverse());
      expect(response.body.data[0]).toMatchObject({
        runbook: 'AdminOnly.md',
        status: 'success',
        operation: 'execute',
        return_code: 0,
        requested_by: 'root',
      });
    });

    it('filters by status, runbook, requester, labels and time range', async () => {
      const byUser = await listRuns('?filter[requested_by]=alice');
      expect(byUser.body.data.map((run) => run.id)).toEqual([ids[2], ids[0]]);
      const byRunbook = await listRuns('?filter[runbook]=AdminOnly.md');
      expect(byRunbook.body.data.map((run) => run.id)).toEqual([ids[3]]);
      const byLabels = await listRuns('?filter[labels][env]=dev&filter[labels][team]=a');
      expect(byLabels.body.data.map((run) => run.id)).toEqual([ids[1]]);
      const byStatus = await listRuns('?filter[status]=failure,timeout');
      expect(byStatus.body.data).toEqual([]);
      const success = await listRuns('?filter[status]=success');
      expect(success.body.data).toHaveLength(4);
      const second = (await getRun(ids[1] ?? '')).body;
      const from = await listRuns(
        `?filter[created_at][gte]=${encodeURIComponent(second.created_at)}`,
      );
      expect(from.body.data.map((run) => run.id)).toEqual([ids[3], ids[2], ids[1]]);
      const before = await listRuns(
        `?filter[created_at][lt]=${encodeURIComponent(second.created_at)}`,
      );
      expect(before.body.data.map((run) => run.id)).toEqual([ids[0]]);
    });

    it('returns sparse fieldsets', async () => {
      const response = await listRuns('?fields[data]=id,status&filter[runbook]=Quick.md');
      expect(response.body.data).toEqual([
        { id: ids[2], status: 'success' },
        { id: ids[1], status: 'success' },
        { id: ids[0], status: 'success' },
      ]);
    });

    it('pages with an opaque cursor until links.next is null', async () => {
      const seen: string[] = [];
      let next: string | null = '/api/runs?limit=1';
      let pages = 0;
      while (next) {
        const page: Awaited<ReturnType<typeof listRuns>> = await call<RunListResponse>(
          server,
          next,
          { token: admin },
        );
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(1);
        seen.push(...page.body.data.map((run) => run.id ?? ''));
        next = page.body.links.next;
        pages++;
        expect(pages).toBeLessThan(10);
      }
      expect(seen).toEqual([...ids].reverse());
    });

    it('answers 400 for bad parameters', async () => {
      for (const query of [
        '?filter[status]=done',
        '?limit=0',
        '?limit=501',
        '?fields[data]=id,password',
        '?cursor=not-a-cursor',
        '?filter[created_at][gte]=yesterday',
      ]) {
        const response = await listRuns(query);
        expect([query, response.status]).toEqual([query, 400]);
        expect(typeof response.body).toBe('object');
      }
    });

    it('names an unknown or misspelled filter in a 400 instead of listing every run', async () => {
      const cases: [string, string][] = [
        ['?filter[nope]=x', 'filter[nope]'],
        ['?filter[statuss]=running', 'filter[statuss]'],
        ['?filter[labels]=env', 'filter[labels]'],
      ];
      for (const [query, named] of cases) {
        const response = await listRuns(query);
        expect([query, response.status]).toEqual([query, 400]);
        expect(JSON.stringify(response.body)).toContain(`Unknown filter: ${named}`);
      }
    });

    it('shows a caller only runs of runbooks whose Required Claims they satisfy', async () => {
      const visible = await listRuns('', alice);
      expect(visible.body.data.map((run) => run.runbook)).not.toContain('AdminOnly.md');
      expect(visible.body.data).toHaveLength(3);
      const hidden = await getRun(ids[3] ?? '', alice);
      expect(hidden.status).toBe(404);
      expect(hidden.body).toEqual({ error: `Run not found: ${ids[3]}` });
      const events = await call(server, `/api/runs/${ids[3]}/events`, { token: alice });
      expect(events.status).toBe(404);
      const cancel = await call(server, `/api/runs/${ids[3]}/cancel`, {
        method: 'POST',
        token: alice,
      });
      expect(cancel.status).toBe(404);
      expect((await getRun(ids[0] ?? '', bob)).status).toBe(200);
    });

    it('404s an unknown run id', async () => {
      const response = await getRun(randomUUID());
      expect(response.status).toBe(404);
    });
  });

  describe('GET /api/runs/:id/events', () => {
    it('replays a finished run, and resumes after Last-Event-ID', async () => {
      const id = await runAsync(alice, 'Quick.md');
      await finished(id);
      const full = await call(server, `/api/runs/${id}/events`, { token: alice });
      expect(full.status).toBe(200);
      expect(full.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = parseSse(full.text).events;
      expect(events.map((e) => [e.event, e.data])).toEqual([
        ['stdout', 'one\n'],
        ['stdout', 'two\n'],
        ['stdout', 'three\n'],
        ['done', expect.any(String)],
      ]);
      expect(doneOf(parseSse(full.text))).toMatchObject({
        success: true,
        stdout: 'one\ntwo\nthree\n',
        run_id: id,
      });
      const firstId = events[0]?.id ?? '';
      const resumed = await call(server, `/api/runs/${id}/events`, {
        token: alice,
        headers: { 'Last-Event-ID': firstId },
      });
      expect(parseSse(resumed.text).events.map((e) => e.data.split('\n')[0])).toEqual([
        'two',
        'three',
        expect.stringContaining('"success": true'),
      ]);
    });

    it('follows a live run and resumes a dropped connection without gaps or duplicates', async () => {
      const go = join(server.dirs.root, `go-${randomUUID()}`);
      const id = await runAsync(alice, 'TwoPhase.md', { env_vars: { GO_FILE: go } });
      const first = await LiveStream.open(`${server.url}/api/runs/${id}/events`, {
        headers: { Authorization: `Bearer ${alice}` },
      });
      await waitFor(() => first.parsed.events.length >= 2, { what: 'the first two lines' });
      const seen = first.parsed.events;
      await first.abort();
      expect(seen.map((e) => e.data)).toEqual(['first\n', 'second\n']);
      const second = await LiveStream.open(`${server.url}/api/runs/${id}/events`, {
        headers: { Authorization: `Bearer ${alice}`, 'Last-Event-ID': seen.at(-1)?.id ?? '' },
      });
      writeFileSync(go, '');
      const rest = (await second.untilEnd()).events;
      expect(rest.map((e) => e.event)).toEqual(['stdout', 'stdout', 'done']);
      expect(rest.slice(0, 2).map((e) => e.data)).toEqual(['third\n', 'fourth\n']);
      const allIds = [...seen, ...rest.slice(0, 2)].map((e) => Number(e.id));
      expect(new Set(allIds).size).toBe(4);
      expect(allIds).toEqual([...allIds].sort((a, b) => a - b));
    });
  });

  describe('POST /api/runs/:id/cancel', () => {
    it('kills the whole process tree and records who canceled and why', async () => {
      const marker = `e2e-tree-${randomUUID()}`;
      try {
        const id = await runAsync(alice, 'Tree.md', { env_vars: { MARKER: marker } });
        await waitFor(async () => (await getRun(id)).body.stdout === 'started\n', {
          what: 'the script to start its children',
        });
        // zsh, the renamed sleep and the nested zsh with its sleep.
        expect(processesWithMarker(marker).length).toBeGreaterThanOrEqual(3);
        // Bob may run Tree.md and so sees alice's run, but only she or an admin may stop it.
        const refused = await call<{ error: string }>(server, `/api/runs/${id}/cancel`, {
          method: 'POST',
          token: bob,
          json: { reason: 'not mine' },
        });
        expect(refused.status).toBe(403);
        expect(refused.body.error).toBe(
          `Only the user who started run ${id} (alice) or an admin may cancel it`,
        );
        expect((await getRun(id)).body.status).toBe('running');
        const admin = server.token({ sub: 'carol', roles: ['admin'] });
        const response = await call<RunRecord>(server, `/api/runs/${id}/cancel`, {
          method: 'POST',
          token: admin,
          json: { reason: 'wrong target' },
        });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({
          id,
          status: 'canceled',
          canceled_by: 'carol',
          cancel_reason: 'wrong target',
        });
        expect(processesWithMarker(marker)).toEqual([]);
        const again = await call(server, `/api/runs/${id}/cancel`, {
          method: 'POST',
          token: admin,
        });
        expect(again.status).toBe(409);
        const entries = parseHistoryEntries(
          readFileSync(join(server.dirs.runbooks, 'Tree.md'), 'utf8'),
        );
        expect(entries.at(-1)?.exitCode).toBe(-15);
        const replay = await call(server, `/api/runs/${id}/events`, { token: alice });
        expect(doneOf(parseSse(replay.text))).toMatchObject({ success: false, return_code: -15 });
      } finally {
        killMarked(marker);
      }
    });

    it('409s a run that already finished', async () => {
      const id = await runAsync(alice, 'Quick.md');
      await finished(id);
      const response = await call(server, `/api/runs/${id}/cancel`, {
        method: 'POST',
        token: alice,
      });
      expect(response.status).toBe(409);
    });
  });

  describe('client disconnect', () => {
    it('does not kill the run: it finishes, is recorded and can be re-attached', async () => {
      const go = join(server.dirs.root, `go-${randomUUID()}`);
      const stream = await LiveStream.open(`${server.url}/api/runbooks/TwoPhase.md/execute`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${alice}`,
          Accept: 'text/event-stream',
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ env_vars: { GO_FILE: go } }),
      });
      const id = stream.response.headers.get('x-run-id') ?? '';
      await waitFor(() => stream.parsed.events.length >= 1, { what: 'the first line' });
      await stream.abort();
      expect((await getRun(id)).body.status).toBe('running');
      const reattached = await LiveStream.open(`${server.url}/api/runs/${id}/events`, {
        headers: { Authorization: `Bearer ${alice}` },
      });
      writeFileSync(go, '');
      expect(doneOf(await reattached.untilEnd())).toMatchObject({
        success: true,
        stdout: 'first\nsecond\nthird\nfourth\n',
      });
      expect((await finished(id)).status).toBe('success');
      const entries = parseHistoryEntries(
        readFileSync(join(server.dirs.runbooks, 'TwoPhase.md'), 'utf8'),
      );
      expect(entries.at(-1)).toMatchObject({
        exitCode: 0,
        stdout: 'first\nsecond\nthird\nfourth\n',
      });
    });
  });
});

describe('runs left behind by a dead process', () => {
  afterAll(stopAllServers);

  /** Starts a Tree.md run (scripts tagged with `marker`) and waits until it is running. */
  async function startTree(server: ApiServer, marker: string) {
    const token = server.token({ sub: 'alice', roles: ['sre'] });
    const response = await call<RunAccepted>(server, '/api/runbooks/Tree.md/execute', {
      method: 'POST',
      token,
      json: { env_vars: { MARKER: marker } },
      headers: { Prefer: 'respond-async' },
    });
    const id = response.body.run_id;
    await waitFor(
      async () =>
        (await call<RunRecord>(server, `/api/runs/${id}`, { token })).body.status === 'running',
    );
    return { token, id };
  }

  it('are not touched by a second server on the same RUNBOOK_DATA_DIR: it refuses to start', async () => {
    const marker = `e2e-shared-${randomUUID()}`;
    const first = await startApi({ runbooks: RUNBOOKS, samples: false });
    try {
      const { token, id } = await startTree(first, marker);
      const second = await startApi({
        dirs: first.dirs,
        env: { JWT_SECRET: first.secret },
        waitLive: false,
      });
      expect(await second.waitForExit()).not.toBe(0);
      expect(second.logs).toContain(
        `RUNBOOK_DATA_DIR ${first.dirs.data} is in use by another Runbooks server (pid ${first.child.pid} on `,
      );
      const run = await call<RunRecord>(first, `/api/runs/${id}`, { token });
      expect(run.body.status).toBe('running');
    } finally {
      await first.crash();
      killMarked(marker);
      rmSync(first.dirs.root, { recursive: true, force: true });
    }
  });

  it('are marked lost when the next server starts', async () => {
    const marker = `e2e-lost-${randomUUID()}`;
    const first = await startApi({ runbooks: RUNBOOKS, samples: false });
    try {
      const { token, id } = await startTree(first, marker);
      await first.crash();
      // The executor's watchdog takes the dead server's scripts with it.
      await waitFor(() => processesWithMarker(marker).length === 0, {
        what: 'the orphaned script to be killed',
      });
      const second = await startApi({ dirs: first.dirs, env: { JWT_SECRET: first.secret } });
      const run = await call<RunRecord>(second, `/api/runs/${id}`, { token });
      expect(run.body).toMatchObject({ status: 'lost' });
      expect(run.body.errors).toContain('The server stopped before this run finished');
      await second.stop();
    } finally {
      killMarked(marker);
      rmSync(first.dirs.root, { recursive: true, force: true });
    }
  });
});
