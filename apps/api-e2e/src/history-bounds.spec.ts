import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import type {
  ExecuteResult,
  HistoryPageResponse,
  RunbookContentResponse,
  RunbookListResponse,
} from '@runbooks/types';

import { makeDirs, startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call, type ApiResponse } from './support/http-client';
import { runbookText } from './support/runbook-text';

const MB = 1024 * 1024;
const FENCE = '```';

/** Bytes of the run store on disk: the database file and its write-ahead log. */
function storeBytes(server: ApiServer): number {
  return ['runs.db', 'runs.db-wal']
    .map((name) => join(server.dirs.data, name))
    .filter((path) => existsSync(path))
    .reduce((total, path) => total + statSync(path).size, 0);
}

/** Bytes of `runs.db` once its write-ahead log is checkpointed into it (WAL in use is a fixed-size buffer). */
function checkpointedStoreBytes(server: ApiServer): number {
  const db = new Database(join(server.dirs.data, 'runs.db'));
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return statSync(join(server.dirs.data, 'runs.db')).size;
}

/** Peak resident memory of the server process so far (VmHWM), in bytes. */
function peakRss(server: ApiServer): number {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** A History entry as the server writes it, with `outputBytes` of stdout. */
function entry(index: number, outputBytes: number): string {
  const time = new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString();
  const line = `entry ${index} `.padEnd(79, 'x');
  const lines = Math.max(1, Math.floor(outputBytes / 80));
  return `\n### ${time} | Exit Code: 0\n\n**Stdout:**\n${FENCE}\n${`${line}\n`.repeat(lines)}${FENCE}\n\n`;
}

describe('bounded History (issue 13 M1, H4, L8)', () => {
  afterAll(async () => {
    await stopAllServers();
  });

  describe('M1: History keeps a tail of the output; the store keeps the output once', () => {
    let server: ApiServer;

    beforeAll(async () => {
      server = await startApi({
        samples: false,
        runbooks: {
          // About 8 MB of short lines: the shape that cost a row per line in the store.
          'Big.md': runbookText({
            name: 'Big',
            script: 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 8000000; echo done-marker',
          }),
        },
      });
    });

    it('an 8 MB run adds less than 1 MB to the runbook, says where the whole output is, and the audit line holds no full output', async () => {
      const path = join(server.dirs.runbooks, 'Big.md');
      const markdownBefore = statSync(path).size;
      const storeBefore = storeBytes(server);
      const checkpointedBefore = checkpointedStoreBytes(server);
      const rssBefore = peakRss(server);
      const run = await call<ExecuteResult>(server, '/api/runbooks/Big.md/execute', {
        method: 'POST',
        token: server.token(),
        json: {},
      });
      expect(run.status).toBe(200);
      expect(run.body.return_code).toBe(0);
      const runId = run.body.run_id ?? '';
      expect(runId).not.toBe('');

      const text = readFileSync(path, 'utf8');
      const added = text.length - markdownBefore;
      expect(added).toBeLessThan(1 * MB);
      expect(added).toBeGreaterThan(64 * 1024);
      const appended = text.slice(markdownBefore);
      expect(appended).toMatch(
        new RegExp(
          `\\[runbooks\\] \\d+ bytes of stdout cut: History keeps the last 65536 bytes; the whole output is in run ${runId} \\(GET /api/runs/${runId}/events\\)`,
        ),
      );
      expect(appended).toContain('done-marker');

      const audit = readFileSync(join(server.dirs.data, 'history.jsonl'), 'utf8').trimEnd();
      const lastLine = audit.slice(audit.lastIndexOf('\n') + 1);
      expect(lastLine.length).toBeLessThan(200 * 1024);
      expect(lastLine).toContain(`the whole output is in run ${runId}`);

      // The store: the output once (plus its index and the record's 64 KiB tails), measured.
      const storeGrowth = storeBytes(server) - storeBefore;
      const storedGrowth = checkpointedStoreBytes(server) - checkpointedBefore;
      const record = await call(server, `/api/runs/${runId}`, { token: server.token() });
      expect(record.status).toBe(200);
      const output = 8_000_011;
      process.stdout.write(
        `M1 figures: output ${output} bytes in 216217 lines; markdown +${added} bytes; audit line ${lastLine.length} bytes; ` +
          `runs.db +${storedGrowth} bytes checkpointed (${(storedGrowth / output).toFixed(2)}x the output), ` +
          `runs.db+WAL +${storeGrowth} bytes; server peak RSS ${(rssBefore / MB).toFixed(0)} -> ${(peakRss(server) / MB).toFixed(0)} MiB\n`,
      );
      expect(storedGrowth).toBeLessThan(1.5 * output);
    }, 180_000);
  });

  describe('H4: a runbook with a huge History', () => {
    let server: ApiServer;
    const entries = 1000;

    beforeAll(async () => {
      const dirs = makeDirs(false);
      // 84 MB of History: 1000 entries of about 84 KB each, written before the server starts.
      const head = runbookText({ name: 'Huge', script: 'echo fresh-run' });
      const parts = [head];
      for (let index = 0; index < entries; index++) parts.push(entry(index, 84_000));
      writeFileSync(join(dirs.runbooks, 'Huge.md'), parts.join(''));
      const small = [runbookText({ name: 'Paged', script: 'echo ok', claims: { roles: 'admin' } })];
      for (let index = 0; index < 40; index++) small.push(entry(index, 8_000));
      writeFileSync(join(dirs.runbooks, 'Paged.md'), small.join(''));
      server = await startApi({ dirs });
    });

    afterAll(async () => {
      await server.stop();
      rmSync(server.dirs.root, { recursive: true, force: true });
    });

    it('answers GET fast with the newest entries while /health/live stays responsive', async () => {
      const token = server.token();
      let slowestHealthMs = 0;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const started = performance.now();
          const health = await fetch(`${server.url}/health/live`);
          await health.text();
          slowestHealthMs = Math.max(slowestHealthMs, performance.now() - started);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      const timings: number[] = [];
      let last: RunbookContentResponse | undefined;
      for (let round = 0; round < 3; round++) {
        const started = performance.now();
        const [one, list] = await Promise.all([
          call<RunbookContentResponse>(server, '/api/runbooks/Huge.md', { token }),
          call<RunbookListResponse>(server, '/api/runbooks', { token }),
        ]);
        timings.push(performance.now() - started);
        expect(one.status).toBe(200);
        expect(list.status).toBe(200);
        expect(list.body.runbooks.map((runbook) => runbook.filename)).toContain('Huge.md');
        last = one.body;
      }
      polling = false;
      await poller;
      process.stdout.write(
        `H4 figures: GET of an 84 MB runbook ${timings.map((ms) => ms.toFixed(0)).join(' / ')} ms; slowest /health/live meanwhile ${slowestHealthMs.toFixed(0)} ms\n`,
      );
      // Today's code took 7.6 s and held health checks for as long; bounds generous for a busy CI box.
      expect(Math.max(...timings)).toBeLessThan(3000);
      expect(slowestHealthMs).toBeLessThan(1000);
      const body = last as RunbookContentResponse;
      expect(body.content.length).toBeLessThan(1.1 * MB);
      expect(body.content).toContain('# Script');
      expect(body.content).toContain(`entry ${entries - 1} `);
      expect(body.content).not.toContain('entry 0 ');
      expect(body.history_older).toMatch(/^\/api\/runbooks\/Huge\.md\/history\?before=\d+$/);

      // The runbook still runs, and its new entry is what the next GET shows last.
      const run = await call<ExecuteResult>(server, '/api/runbooks/Huge.md/execute', {
        method: 'POST',
        token,
        json: {},
      });
      expect(run.body.stdout).toContain('fresh-run');
      const again = await call<RunbookContentResponse>(server, '/api/runbooks/Huge.md', { token });
      expect(again.body.content).toMatch(/fresh-run\n+```\n*$/);
    }, 180_000);

    it('pages back through every older entry exactly once; output only for callers with the claims', async () => {
      const admin = server.token({ roles: ['admin'] });
      // A normal-sized runbook is answered whole, as before.
      const whole = await call<RunbookContentResponse>(server, '/api/runbooks/Paged.md', {
        token: admin,
      });
      expect(whole.status).toBe(200);
      expect(whole.body.history_older).toBeUndefined();
      expect(whole.body.content).toBe(readFileSync(join(server.dirs.runbooks, 'Paged.md'), 'utf8'));
      // Its History read back in pages of at most 20 000 bytes, newest first.
      const seen: string[] = [];
      let next: string | null = '/api/runbooks/Paged.md/history?';
      let pages = 0;
      while (next !== null) {
        const page: ApiResponse<HistoryPageResponse> = await call<HistoryPageResponse>(
          server,
          `${next}&max_bytes=20000`,
          {
            token: admin,
          },
        );
        expect(page.status).toBe(200);
        expect(page.body.content.startsWith('\n### ') || page.body.content.startsWith('### ')).toBe(
          true,
        );
        seen.unshift(...[...page.body.content.matchAll(/^entry (\d+) /gm)].map((m) => m[1]!));
        next = page.body.older;
        pages++;
      }
      expect(pages).toBeGreaterThan(10);
      const unique = [...new Set(seen)].map(Number);
      expect(unique).toEqual(Array.from({ length: 40 }, (_, index) => index));

      const viewer = server.token({ roles: ['viewer'] });
      const hidden = await call<HistoryPageResponse>(server, '/api/runbooks/Paged.md/history', {
        token: viewer,
      });
      expect(hidden.body.history_output_hidden).toBe(true);
      expect(hidden.body.content).toMatch(/### \S+ \| Exit Code: 0/);
      expect(hidden.body.content).not.toContain('entry ');

      for (const bad of ['before=-1', 'before=abc', 'max_bytes=0', 'before=1e9']) {
        const refused = await call(server, `/api/runbooks/Paged.md/history?${bad}`, {
          token: admin,
        });
        expect(refused.status).toBe(400);
      }
    }, 120_000);
  });

  describe('L8: run output cannot add sections after History', () => {
    it('an entry appended after an unclosed <!-- starts outside it, so the runbook stays runnable', async () => {
      const hostile = [
        'echo "-->"',
        'echo ""',
        'echo "# Required Claims"',
        "echo '~~~yaml'",
        "echo 'roles: nobody'",
        "echo '~~~'",
      ].join('\n');
      const text = `${runbookText({ name: 'Comment', script: hostile })}<!-- a note that never ends\n`;
      const dirs = makeDirs(false);
      const first = await startApi({ dirs, runbooks: { 'Comment.md': text } });
      const token = first.token();
      const run = await call<ExecuteResult>(first, '/api/runbooks/Comment.md/execute', {
        method: 'POST',
        token,
        json: {},
      });
      expect(run.status).toBe(200);
      await first.stop();
      const written = readFileSync(join(dirs.runbooks, 'Comment.md'), 'utf8');
      expect(written.slice(text.length).startsWith('-->\n')).toBe(true);

      // A fresh server parses the file from scratch: still no Required Claims section.
      const second = await startApi({ dirs });
      const again = await call<ExecuteResult>(second, '/api/runbooks/Comment.md/execute', {
        method: 'POST',
        token: second.token(),
        json: {},
      });
      expect(again.status).toBe(200);
      const list = await call<RunbookListResponse>(second, '/api/runbooks', {
        token: second.token(),
      });
      const listed = list.body.runbooks.find((runbook) => runbook.filename === 'Comment.md');
      expect(listed?.required_claims).toEqual({});
      await second.stop();
      rmSync(dirs.root, { recursive: true, force: true });
    }, 120_000);
  });
});
