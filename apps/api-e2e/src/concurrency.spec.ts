import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseHistoryEntries, parseRunbook } from '@runbooks/runbook-format';
import type { ExecuteResult, HistoryRecord, RunAccepted, RunRecord } from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { runbookText } from './support/runbook-text';
import { waitFor } from './support/wait-for';

const COUNTER = runbookText({
  name: 'Counter',
  env: { VALUE: 'Printed back' },
  script: 'print -r -- "value=$VALUE"\nprint -r -- \'fence: ```\'',
});

describe('concurrency', () => {
  afterAll(stopAllServers);

  describe('20 executions of one runbook at once', () => {
    let server: ApiServer;

    beforeAll(async () => {
      server = await startApi({ samples: false, runbooks: { 'Counter.md': COUNTER } });
    });

    it('all succeed, each with its own variables, and leave 20 intact history entries', async () => {
      const token = server.token();
      const values = Array.from({ length: 20 }, (_, i) => `v${i}-${randomUUID().slice(0, 8)}`);
      const responses = await Promise.all(
        values.map((value) =>
          call<ExecuteResult>(server, '/api/runbooks/Counter.md/execute', {
            method: 'POST',
            token,
            json: { env_vars: { VALUE: value } },
          }),
        ),
      );
      responses.forEach((response, index) => {
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({
          success: true,
          stdout: `value=${values[index]}\nfence: \`\`\`\n`,
        });
      });
      const text = readFileSync(join(server.dirs.runbooks, 'Counter.md'), 'utf8');
      const parsed = parseRunbook(text, { filename: 'Counter.md' });
      expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const entries = parseHistoryEntries(text);
      expect(entries).toHaveLength(20);
      expect(entries.map((entry) => entry.exitCode)).toEqual(Array(20).fill(0));
      expect(entries.map((entry) => entry.stdout.split('\n')[0]).sort()).toEqual(
        values.map((value) => `value=${value}`).sort(),
      );
      // Fences in the output are escaped, so every entry still parses whole.
      for (const entry of entries) expect(entry.stdout).toContain('fence: ```');
      expect(readdirSync(server.dirs.runbooks).sort()).toEqual(['Counter.md']);
      const records = readFileSync(join(server.dirs.data, 'history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as HistoryRecord);
      expect(records).toHaveLength(20);
      expect(new Set(records.map((record) => record.stdout)).size).toBe(20);
    });

    it('serves 10 parallel listings', async () => {
      const token = server.token();
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => call(server, '/api/runbooks', { token })),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    });
  });

  describe('MAX_CONCURRENT_RUNS=1', () => {
    let server: ApiServer;

    beforeAll(async () => {
      server = await startApi({
        runbooks: {
          'Gated.md': runbookText({
            name: 'Gated',
            env: { GO_FILE: 'Release file' },
            script: 'while [[ ! -e $GO_FILE ]]; do sleep 0.05; done\necho released',
          }),
        },
        env: { MAX_CONCURRENT_RUNS: '1' },
      });
    });

    it('queues the second run; a queued run can be canceled without running', async () => {
      const token = server.token();
      const go = join(server.dirs.root, `go-${randomUUID()}`);
      const start = async () =>
        (
          await call<RunAccepted>(server, '/api/runbooks/Gated.md/execute', {
            method: 'POST',
            token,
            json: { env_vars: { GO_FILE: go } },
            headers: { Prefer: 'respond-async' },
          })
        ).body.run_id;
      const running = await start();
      await waitFor(
        async () =>
          (await call<RunRecord>(server, `/api/runs/${running}`, { token })).body.status ===
          'running',
      );
      const queued = await start();
      const waiting = await call<RunRecord>(server, `/api/runs/${queued}`, { token });
      expect(waiting.body.status).toBe('queued');
      const canceled = await call<RunRecord>(server, `/api/runs/${queued}/cancel`, {
        method: 'POST',
        token,
        json: { reason: 'not needed' },
      });
      expect(canceled.body).toMatchObject({
        status: 'canceled',
        started_at: null,
        cancel_reason: 'not needed',
      });
      writeFileSync(go, '');
      await waitFor(
        async () =>
          (await call<RunRecord>(server, `/api/runs/${running}`, { token })).body.status ===
          'success',
      );
    });

    it('runs sub-runbooks in their parent’s slot instead of deadlocking', async () => {
      const token = server.token({ roles: ['sre', 'api'] });
      const responses = await Promise.all(
        [1, 2].map((n) =>
          call<ExecuteResult>(server, '/api/runbooks/ParentRunbook.md/execute', {
            method: 'POST',
            token,
            json: { env_vars: { TEST_VAR: `parent ${n}` } },
          }),
        ),
      );
      for (const [index, response] of responses.entries()) {
        expect(response.body).toMatchObject({ success: true });
        expect(response.body.stdout).toContain(`Test variable value: parent ${index + 1}`);
      }
    });
  });
});
