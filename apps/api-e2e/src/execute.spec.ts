import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseHistoryEntries } from '@runbooks/runbook-format';
import type { ExecuteResult, HistoryRecord, RunAccepted, RunRecord } from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { runbookText } from './support/runbook-text';
import { doneOf, LiveStream, parseSse } from './support/sse';
import { waitFor } from './support/wait-for';

/** A script that waits until the file named by $GO_FILE exists (no timing in the tests). */
const WAIT_FOR_GO = 'while [[ ! -e $GO_FILE ]]; do sleep 0.05; done';

const RUNBOOKS = {
  'Echo.md': runbookText({ name: 'Echo', script: 'echo hello\nprint -n "no newline at end"' }),
  'Mixed.md': runbookText({
    name: 'Mixed',
    script: 'echo out1\necho err1 >&2\nprintf "two\\nlines\\n"',
  }),
  'Gated.md': runbookText({
    name: 'Gated',
    env: { GO_FILE: 'File whose existence releases the script' },
    script: `${WAIT_FOR_GO}\necho released`,
  }),
  'EnvProbe.md': runbookText({
    name: 'EnvProbe',
    env: { GO_FILE: 'Release file', PROBE: 'A value to print back' },
    script: `${WAIT_FOR_GO}\nenv | sort`,
  }),
};

describe('execute', () => {
  let server: ApiServer;
  let sre: string;

  beforeAll(async () => {
    server = await startApi({
      runbooks: RUNBOOKS,
      env: {
        SSE_HEARTBEAT_SECONDS: '1',
        E2E_SERVER_ONLY: 'server-private-value',
        MOUNT_DIR: '/host/execution/',
      },
    });
    sre = server.token({ sub: 'alice', roles: ['sre', 'api'] });
  });
  afterAll(stopAllServers);

  const goFile = () => join(server.dirs.root, `go-${randomUUID()}`);
  const execute = (filename: string, json: unknown, headers: Record<string, string> = {}) =>
    call<ExecuteResult>(server, `/api/runbooks/${filename}/execute`, {
      method: 'POST',
      token: sre,
      json,
      headers,
    });
  const getRun = (id: string) => call<RunRecord>(server, `/api/runs/${id}`, { token: sre });

  describe('SSE mode (Accept: text/event-stream)', () => {
    it('streams one event per line with ids, then one done JSON line', async () => {
      const response = await execute('Echo.md', {}, { Accept: 'text/event-stream' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      const runId = response.headers.get('x-run-id');
      expect(runId).toMatch(/^[0-9a-f-]{36}$/);
      // The reference wire form: `hello\n` is `data: hello` + `data: ` (empty line).
      expect(response.text).toMatch(/event: stdout\nid: \d+\ndata: hello\ndata: \n\n/);
      expect(response.text).toMatch(/event: stdout\nid: \d+\ndata: no newline at end\n\n/);
      const stream = parseSse(response.text);
      expect(stream.events.map((e) => [e.event, e.data])).toEqual([
        ['stdout', 'hello\n'],
        ['stdout', 'no newline at end'],
        ['done', expect.any(String)],
      ]);
      // Every event has an id; done's is one past the last line's.
      const ids = stream.events.map((e) => Number(e.id));
      expect(ids).toEqual([ids[0], (ids[0] ?? 0) + 1, (ids[0] ?? 0) + 2]);
      const doneData = stream.events.at(-1)?.data ?? '';
      // Python json.dumps separators and the reference key order.
      expect(doneData).toMatch(
        /^\{"success": true, "runbook": "Echo\.md", "return_code": 0, "stdout": "hello\\nno newline at end", "stderr": "", "errors": \[\], "warnings": \[\], "run_id": "/,
      );
      expect(doneOf(stream)['run_id']).toBe(runId);
      // The documented sub-runbook idiom: grep '^data:' | tail -1 gives the done JSON.
      const lastData = response.text
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .at(-1);
      expect(JSON.parse(lastData?.replace(/^data: /, '') ?? '')).toMatchObject({ success: true });
    });

    it('keeps stdout and stderr apart, each line its own event', async () => {
      const response = await execute('Mixed.md', {}, { Accept: 'text/event-stream' });
      const events = parseSse(response.text).events;
      expect(events.filter((e) => e.event === 'stdout').map((e) => e.data)).toEqual([
        'out1\n',
        'two\n',
        'lines\n',
      ]);
      expect(events.filter((e) => e.event === 'stderr').map((e) => e.data)).toEqual(['err1\n']);
      expect(doneOf(parseSse(response.text))).toMatchObject({
        stdout: 'out1\ntwo\nlines\n',
        stderr: 'err1\n',
      });
    });

    it('sends status and headers before a silent script prints anything', async () => {
      const go = goFile();
      const stream = await LiveStream.open(`${server.url}/api/runbooks/Gated.md/execute`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${sre}`,
          Accept: 'text/event-stream',
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ env_vars: { GO_FILE: go } }),
      });
      // The headers are here although the script cannot have printed: it waits for `go`.
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const runId = stream.response.headers.get('x-run-id') ?? '';
      expect((await getRun(runId)).body.stdout).toBe('');
      // With SSE_HEARTBEAT_SECONDS=1 a quiet stream carries heartbeat comments.
      await waitFor(() => stream.parsed.comments.includes('ping'), { what: 'a heartbeat' });
      expect(stream.parsed.events).toEqual([]);
      writeFileSync(go, '');
      const parsed = await stream.untilEnd();
      expect(doneOf(parsed)).toMatchObject({ success: true, stdout: 'released\n' });
    });
  });

  describe('JSON mode (any other Accept)', () => {
    it('answers one JSON body with the done fields and the run id', async () => {
      const response = await execute('Mixed.md', {}, { Accept: 'application/json' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys(response.body)).toEqual([
        'success',
        'runbook',
        'return_code',
        'stdout',
        'stderr',
        'errors',
        'warnings',
        'run_id',
      ]);
      expect(response.body).toMatchObject({
        success: true,
        runbook: 'Mixed.md',
        return_code: 0,
        stdout: 'out1\ntwo\nlines\n',
        stderr: 'err1\n',
        errors: [],
        warnings: [],
      });
      expect(response.headers.get('x-run-id')).toBe(response.body.run_id);
    });

    it('also executes through the seed README alias POST /api/runbooks/:filename', async () => {
      const response = await call<ExecuteResult>(server, '/api/runbooks/Echo.md', {
        method: 'POST',
        token: sre,
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ success: true, runbook: 'Echo.md' });
    });

    it('reports a validation failure the JSON way: 200, return_code 1', async () => {
      const response = await execute('SimpleRunbook.md', {});
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        success: false,
        return_code: 1,
        errors: ['Required environment variable not set: TEST_VAR'],
      });
    });

    it('refuses a documentation-only runbook in one message and records nothing', async () => {
      const file = join(server.dirs.runbooks, 'DatabaseFailover.md');
      const before = readFileSync(file, 'utf8');
      const variants: Record<string, string>[] = [
        {},
        { Accept: 'text/event-stream' },
        { Prefer: 'respond-async' },
      ];
      for (const headers of variants) {
        const response = await execute('DatabaseFailover.md', {}, headers);
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          success: false,
          error:
            'DatabaseFailover.md is documentation only: it has no Script section, so there is nothing to run.',
        });
      }
      const runs = await call<{ data: RunRecord[] }>(
        server,
        '/api/runs?filter[runbook]=DatabaseFailover.md',
        { token: sre },
      );
      expect(runs.body.data).toEqual([]);
      expect(readFileSync(file, 'utf8')).toBe(before);
    });
  });

  describe('asynchronous start (Prefer: respond-async)', () => {
    it('answers 202 with Location, stores labels, and the run finishes on its own', async () => {
      const go = goFile();
      const response = await call<RunAccepted>(server, '/api/runbooks/Gated.md/execute', {
        method: 'POST',
        token: sre,
        json: { env_vars: { GO_FILE: go }, labels: { ticket: 'INC-42', env: 'test' } },
        headers: { Prefer: 'respond-async' },
      });
      expect(response.status).toBe(202);
      const runId = response.body.run_id;
      expect(response.headers.get('location')).toBe(`/api/runs/${runId}`);
      expect(response.headers.get('x-run-id')).toBe(runId);
      expect(response.body).toEqual({
        run_id: runId,
        status: 'queued',
        location: `/api/runs/${runId}`,
      });
      writeFileSync(go, '');
      const run = await waitFor(async () => {
        const current = (await getRun(runId)).body;
        return current.status === 'success' ? current : null;
      });
      expect(run).toMatchObject({
        runbook: 'Gated.md',
        requested_by: 'alice',
        labels: { ticket: 'INC-42', env: 'test' },
        env_var_names: ['GO_FILE'],
        return_code: 0,
        stdout: 'released\n',
      });
    });

    it('400s labels that are not a flat name → text map', async () => {
      const response = await call(server, '/api/runbooks/Echo.md/execute', {
        method: 'POST',
        token: sre,
        json: { labels: { 'bad key!': 'x' } },
        headers: { Prefer: 'respond-async' },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ success: false });
    });
  });

  describe('histories', () => {
    it('appends a markdown entry to the runbook and a JSON line to history.jsonl', async () => {
      const correlationId = `corr-${randomUUID()}`;
      const response = await execute(
        'Echo.md',
        {},
        { 'X-Correlation-Id': correlationId, Accept: 'text/event-stream' },
      );
      expect(response.status).toBe(200);
      const entries = parseHistoryEntries(
        readFileSync(join(server.dirs.runbooks, 'Echo.md'), 'utf8'),
      );
      expect(entries.at(-1)).toMatchObject({
        exitCode: 0,
        stdout: 'hello\nno newline at end',
      });
      expect(entries.at(-1)?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const records = readFileSync(join(server.dirs.data, 'history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as HistoryRecord);
      const record = records.find((r) => r.breadcrumb.correlation_id === correlationId);
      expect(record).toBeDefined();
      expect(Object.keys(record ?? {})).toEqual([
        'start_timestamp',
        'finish_timestamp',
        'return_code',
        'operation',
        'breadcrumb',
        'config_items',
        'stdout',
        'stderr',
        'errors',
        'warnings',
      ]);
      expect(record).toMatchObject({
        return_code: 0,
        operation: 'execute',
        stdout: 'hello\nno newline at end',
        breadcrumb: {
          by_user: 'alice',
          correlation_id: correlationId,
          recursion_stack: ['Echo.md'],
          roles: ['sre', 'api'],
        },
      });
      expect(record?.breadcrumb.at_time).toMatch(/\.\d{6}\+00:00$/);
      expect(record?.config_items.find((item) => item.name === 'JWT_SECRET')).toEqual({
        name: 'JWT_SECRET',
        value: 'secret',
        from: 'environment',
      });
      expect(readFileSync(join(server.dirs.data, 'history.jsonl'), 'utf8')).not.toContain(
        server.secret,
      );
    });

    it('writes an entry for an invalid env var name, with the reference message', async () => {
      const response = await execute('Echo.md', { env_vars: { 'BAD-NAME': 'x' } });
      expect(response.body).toMatchObject({
        success: false,
        return_code: 1,
        stderr: 'ERROR: Invalid environment variable name: BAD-NAME',
      });
      const entries = parseHistoryEntries(
        readFileSync(join(server.dirs.runbooks, 'Echo.md'), 'utf8'),
      );
      expect(entries.at(-1)).toMatchObject({ exitCode: 1 });
    });
  });

  describe('recursion protection', () => {
    it('refuses a runbook already in the chain (200, done return_code 1, JSON stack, no history)', async () => {
      const before = readFileSync(join(server.dirs.runbooks, 'Echo.md'), 'utf8');
      const viewer = server.token({ sub: 'v', roles: ['viewer'] });
      const response = await call(server, '/api/runbooks/Echo.md/execute', {
        method: 'POST',
        token: viewer,
        headers: {
          Accept: 'text/event-stream',
          'X-Recursion-Stack': JSON.stringify(['Parent.md', 'Echo.md']),
        },
      });
      expect(response.status).toBe(200);
      const message =
        'Recursion detected: Runbook Echo.md already in execution chain: ["Parent.md","Echo.md"]';
      const stream = parseSse(response.text);
      expect(stream.events[0]).toMatchObject({ event: 'stderr', data: message });
      expect(doneOf(stream)).toMatchObject({
        success: false,
        return_code: 1,
        stdout: '',
        stderr: message,
        errors: [message],
        warnings: [],
      });
      expect(readFileSync(join(server.dirs.runbooks, 'Echo.md'), 'utf8')).toBe(before);
      const run = await getRun(String(doneOf(stream)['run_id']));
      expect(run.body).toMatchObject({ status: 'failure', errors: [message] });
    });

    it('refuses a stack at the depth limit', async () => {
      const stack = Array.from({ length: 50 }, (_, i) => `Level${i}.md`);
      const response = await execute('Echo.md', {}, { 'X-Recursion-Stack': JSON.stringify(stack) });
      expect(response.body).toMatchObject({
        success: false,
        return_code: 1,
        stderr: 'Recursion depth limit exceeded: 50 (max: 50)',
      });
    });

    it('treats an unreadable stack header as top level', async () => {
      const response = await execute('Echo.md', {}, { 'X-Recursion-Stack': '{not json' });
      expect(response.body).toMatchObject({ success: true });
    });
  });

  describe('sub-runbooks through the live server', () => {
    it('runs ParentRunbook.md, whose script calls SimpleRunbook.md on RUNBOOK_URL', async () => {
      const correlationId = `parent-${randomUUID()}`;
      const response = await execute(
        'ParentRunbook.md',
        { env_vars: { TEST_VAR: 'from the parent' } },
        { 'X-Correlation-Id': correlationId },
      );
      expect(response.status).toBe(200);
      expect(response.body.success).toBe(true);
      expect(response.body.stdout).toContain(
        `Calling SimpleRunbook.md at ${server.url.replace('127.0.0.1', '127.0.0.1')}/api/runbooks`,
      );
      expect(response.body.stdout).toContain('Test variable value: from the parent');
      expect(response.body.stdout).toContain('SimpleRunbook completed successfully');
      const children = await call<{ data: RunRecord[] }>(
        server,
        '/api/runs?filter[runbook]=SimpleRunbook.md&limit=5',
        { token: sre },
      );
      const child = children.body.data.find((run) => run.correlation_id === correlationId);
      expect(child).toMatchObject({
        status: 'success',
        recursion_stack: ['ParentRunbook.md', 'SimpleRunbook.md'],
        requested_by: 'alice',
      });
    });
  });

  describe('script environment', () => {
    it('isolates concurrent runs and shows scripts no server secrets', async () => {
      const go = goFile();
      const correlationIds = [`a-${randomUUID()}`, `b-${randomUUID()}`];
      const started = await Promise.all(
        ['alice-secret', 'bob-secret'].map((secret, index) =>
          call<RunAccepted>(server, '/api/runbooks/EnvProbe.md/execute', {
            method: 'POST',
            token: sre,
            json: { env_vars: { GO_FILE: go, PROBE: secret, [`ONLY_${index}`]: secret } },
            headers: {
              Prefer: 'respond-async',
              'X-Correlation-Id': correlationIds[index] ?? '',
            },
          }),
        ),
      );
      const ids = started.map((response) => response.body.run_id);
      // Both scripts are running at the same time before either may print.
      await waitFor(async () => {
        const runs = await Promise.all(ids.map(getRun));
        return runs.every((run) => run.body.status === 'running');
      });
      writeFileSync(go, '');
      const runs = await Promise.all(
        ids.map((id) =>
          waitFor(async () => {
            const run = (await getRun(id)).body;
            return run.status === 'success' ? run : null;
          }),
        ),
      );
      const [alice, bob] = runs.map((run) => run.stdout);
      expect(alice).toContain('PROBE=alice-secret\n');
      // Not declared by the runbook: never passed to the script.
      expect(alice).not.toContain('ONLY_0=');
      expect(alice).not.toContain('bob-secret');
      expect(bob).toContain('PROBE=bob-secret\n');
      expect(bob).not.toContain('alice-secret');
      for (const [index, output] of [alice, bob].entries()) {
        expect(output).toContain(`RUNBOOK_CORRELATION_ID=${correlationIds[index]}\n`);
        expect(output).toContain(`RUNBOOK_URL=${server.url}/api/runbooks\n`);
        expect(output).toContain(`RUNBOOK_API_TOKEN=${sre}\n`);
        expect(output).toContain('RUNBOOK_RECURSION_STACK=["EnvProbe.md"]\n');
        expect(output).toContain(`RUNBOOK_H_AUTH=Authorization: Bearer ${sre}\n`);
        // The per-run nesting proof rides on the Content-Type (parent run id, then the secret).
        expect(output).toMatch(
          new RegExp(
            `^RUNBOOK_H_CTYPE=Content-Type: application/json; runbook-parent=${ids[index]}\\.[0-9a-f]{64}$`,
            'm',
          ),
        );
        expect(output).toContain(`RUNBOOK_H_CORR=X-Correlation-Id: ${correlationIds[index]}\n`);
        expect(output).toContain('RUNBOOK_H_RECUR=X-Recursion-Stack: ["EnvProbe.md"]\n');
        expect(output).toMatch(
          /^RUNBOOK_EXEC_DIR_HOST=\/host\/execution\/runbook-exec-[0-9a-f]{8}-\w+$/m,
        );
        expect(output).toMatch(/^PWD=.*\/runbook-exec-[0-9a-f]{8}-\w+$/m);
        expect(output).not.toContain(server.secret);
        expect(output).not.toMatch(/^JWT_SECRET=/m);
        expect(output).not.toContain('server-private-value');
        expect(output).not.toMatch(/^(RUNBOOKS_DIR|EXECUTION_DIR|RUNBOOK_DATA_DIR|API_PORT)=/m);
      }
      expect(runs.map((run) => run.correlation_id)).toEqual(correlationIds);
    });

    it('echoes a given correlation id and generates one when absent', async () => {
      const given = await call(server, '/api/runbooks', {
        token: sre,
        headers: { 'X-Correlation-Id': 'my-correlation-1' },
      });
      expect(given.headers.get('x-correlation-id')).toBe('my-correlation-1');
      const generated = await call(server, '/api/runbooks', { token: sre });
      expect(generated.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
      const unauthorized = await call(server, '/api/runbooks', {
        headers: { 'X-Correlation-Id': 'seen-on-401' },
      });
      expect(unauthorized.headers.get('x-correlation-id')).toBe('seen-on-401');
      // Ids that could break headers or shell words are replaced.
      const unsafe = await call(server, '/api/runbooks', {
        token: sre,
        headers: { 'X-Correlation-Id': 'a b"c' },
      });
      expect(unsafe.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('puts the correlation id in the log lines of the request and its run', async () => {
      const correlationId = `log-${randomUUID()}`;
      const response = await execute('Echo.md', {}, { 'X-Correlation-Id': correlationId });
      expect(response.status).toBe(200);
      const denied = `denied-${randomUUID()}`;
      await call(server, '/api/runbooks/SimpleRunbook.md/execute', {
        method: 'POST',
        token: server.token({ sub: 'mallory', roles: ['viewer'] }),
        headers: { 'X-Correlation-Id': denied },
      });
      await waitFor(() => server.logs.includes(`ended success`), { what: 'the run log line' });
      const lines = server.logs.split('\n');
      const runLines = lines.filter((line) => line.includes(response.body.run_id ?? '?'));
      expect(runLines.some((line) => /started/.test(line))).toBe(true);
      expect(runLines.some((line) => /ended success/.test(line))).toBe(true);
      for (const line of runLines) expect(line).toContain(`[${correlationId}]`);
      const rbacLine = lines.find((line) => line.includes('RBAC failure for user mallory'));
      expect(rbacLine).toContain(`[${denied}]`);
    });
  });
});

describe('execute limits', () => {
  let server: ApiServer;

  beforeAll(async () => {
    server = await startApi({
      samples: false,
      runbooks: {
        'Slow.md': runbookText({ name: 'Slow', script: 'echo started\nsleep 30\necho never' }),
        'Loud.md': runbookText({
          name: 'Loud',
          script: 'for i in {1..50}; do echo "line $i of output"; done',
        }),
      },
      env: { SCRIPT_TIMEOUT_SECONDS: '2', MAX_OUTPUT_SIZE_BYTES: '100' },
    });
  });
  afterAll(stopAllServers);

  it('kills a script at SCRIPT_TIMEOUT_SECONDS: return_code -9, the reference message', async () => {
    const response = await call<ExecuteResult>(server, '/api/runbooks/Slow.md/execute', {
      method: 'POST',
      token: server.token(),
      headers: { Accept: 'text/event-stream' },
    });
    const stream = parseSse(response.text);
    const done = doneOf(stream);
    expect(done).toMatchObject({ success: false, return_code: -9, stdout: 'started\n' });
    expect(String(done['stderr'])).toContain(
      '\nScript execution timed out after 2 seconds. The script was terminated.\n',
    );
    const run = await call<RunRecord>(server, `/api/runs/${String(done['run_id'])}`, {
      token: server.token(),
    });
    expect(run.body.status).toBe('timeout');
  });

  it('caps output at MAX_OUTPUT_SIZE_BYTES with the reference warning', async () => {
    const response = await call<ExecuteResult>(server, '/api/runbooks/Loud.md/execute', {
      method: 'POST',
      token: server.token(),
    });
    expect(Buffer.byteLength(response.body.stdout)).toBeLessThanOrEqual(100);
    expect(response.body.stderr).toContain(
      '\n[WARNING: Output truncated due to size limit (100 bytes)]\n',
    );
  });
});
