#!/usr/bin/env node
// Benchmark for @runbooks/history (built package in dist/libs/history).
// Prints: inserts/s into the SQLite RunStore (one `create` per run, labels included), fenced
// transitions/s, then the median/p95 latency of a filtered page of 50 out of N runs (default
// 100 000; target: under 5 ms), and markdown-history / JSONL append rates.
// Usage: npx nx build history && node tools/bench/history.mjs [--runs 100000] [--file path.db]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { option, percentile, resolveWorkspaceLibsFromDist } from './bench-kit.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
resolveWorkspaceLibsFromDist(root);
const { openSqliteRunStore, MarkdownHistory, JsonlAuditLog } = require(
  join(root, 'dist/libs/history'),
);

const RUNS = Number(option('runs', '100000'));
const TARGET_MS = 5;
const work = mkdtempSync(join(tmpdir(), 'runbooks-history-bench-'));
const file = option('file', join(work, 'runs.db'));

// Deterministic pseudo-random numbers so every run of the bench sees the same data.
let seed = 20260301;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = (list) => list[Math.floor(random() * list.length)];

const runbooks = Array.from({ length: 50 }, (_, i) => `runbook-${i}.md`);
const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
const teams = Array.from({ length: 20 }, (_, i) => `team-${i}`);
const envs = ['prod', 'staging', 'dev'];
const finals = [
  'success',
  'success',
  'success',
  'success',
  'failure',
  'failure',
  'timeout',
  'canceled',
  'lost',
];
const t0 = Date.parse('2026-01-01T00:00:00.000Z');

const fmt = (ms) => `${ms.toFixed(3)} ms`;

async function main() {
  const store = await openSqliteRunStore({ file });
  console.log(`@runbooks/history benchmark: ${RUNS} runs, SQLite file ${file}`);

  // 1. Inserts: one create() per run (its own transaction, run row + 2-4 label rows).
  const plans = [];
  let started = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const labels = { env: pick(envs), team: pick(teams) };
    if (i % 2 === 0) labels.region = `region-${i % 5}`;
    if (i % 1000 === 7) labels.incident = 'INC-42';
    const denied = random() < 0.05;
    const queued = !denied && random() < 0.05;
    const run = await store.create({
      id: `run-${String(i).padStart(7, '0')}`,
      runbook: pick(runbooks),
      requestedBy: pick(users),
      roles: ['ops'],
      labels,
      envVarNames: ['MODE', 'TARGET'],
      createdAt: new Date(t0 + i * 1000),
      status: denied ? 'denied' : 'queued',
      returnCode: denied ? 403 : null,
    });
    if (!denied && !queued) plans.push([run.id, pick(finals)]);
  }
  const insertSeconds = (performance.now() - started) / 1000;
  console.log(
    `inserts: ${RUNS} create() in ${insertSeconds.toFixed(1)} s = ${Math.round(RUNS / insertSeconds)} runs/s`,
  );

  // 2. Lifecycle: claim (attempt + 1) and a fenced transition to a final status.
  started = performance.now();
  for (const [id, status] of plans) {
    const claimed = await store.claim(id, { workerId: 'bench' });
    await store.transition(id, claimed.attempt, ['running'], status, {
      returnCode: status === 'success' ? 0 : 1,
    });
  }
  const lifecycleSeconds = (performance.now() - started) / 1000;
  console.log(
    `lifecycle: ${plans.length} claim + transition in ${lifecycleSeconds.toFixed(1)} s = ` +
      `${Math.round((plans.length * 2) / lifecycleSeconds)} fenced updates/s`,
  );

  // 3. Filtered pages of 50.
  const firstPage = await store.list({ runbook: 'runbook-3.md' }, { limit: 50 });
  const queries = [
    ['runbook + status', () => ({ runbook: pick(runbooks), status: 'success' }), true],
    [
      'runbook + 2 statuses',
      () => ({ runbook: pick(runbooks), status: ['failure', 'timeout'] }),
      true,
    ],
    ['label env=<x>', () => ({ labels: { env: pick(envs) } }), true],
    ['label team=<x>', () => ({ labels: { team: pick(teams) } }), true],
    ['labels env + team (ANDed)', () => ({ labels: { team: pick(teams), env: pick(envs) } }), true],
    [
      'label + runbook + status',
      () => ({ labels: { env: 'prod' }, runbook: pick(runbooks), status: 'success' }),
      true,
    ],
    ['rare label (0.1 %)', () => ({ labels: { incident: 'INC-42' } }), true],
    ['requested_by', () => ({ requestedBy: pick(users) }), true],
    ['status only (rare: lost)', () => ({ status: 'lost' }), true],
    [
      'time range (1 h)',
      () => {
        const from = t0 + Math.floor(random() * RUNS) * 1000;
        return { createdFrom: new Date(from), createdTo: new Date(from + 3_600_000) };
      },
      true,
    ],
    [
      'label + time range (1 day)',
      () => {
        const from = t0 + Math.floor(random() * RUNS) * 1000;
        return {
          labels: { team: pick(teams) },
          createdFrom: new Date(from),
          createdTo: new Date(from + 86_400_000),
        };
      },
      true,
    ],
    ['no filter', () => ({}), true],
  ];
  const results = [];
  for (const [name, makeFilter] of queries) {
    for (let i = 0; i < 20; i++) await store.list(makeFilter(), { limit: 50 });
    const times = [];
    let rows = 0;
    for (let i = 0; i < 300; i++) {
      const filter = makeFilter();
      const begin = performance.now();
      const page = await store.list(filter, { limit: 50 });
      times.push(performance.now() - begin);
      rows += page.items.length;
    }
    times.sort((a, b) => a - b);
    results.push({
      name,
      median: percentile(times, 0.5),
      p95: percentile(times, 0.95),
      rows: rows / times.length,
    });
  }
  {
    const times = [];
    for (let i = 0; i < 300; i++) {
      const begin = performance.now();
      await store.list({ runbook: 'runbook-3.md' }, { limit: 50, cursor: firstPage.nextCursor });
      times.push(performance.now() - begin);
    }
    times.sort((a, b) => a - b);
    results.push({
      name: 'runbook, page 2 (cursor)',
      median: percentile(times, 0.5),
      p95: percentile(times, 0.95),
      rows: 50,
    });
  }
  console.log(`filtered page of 50 out of ${RUNS} runs (300 queries each, random parameters):`);
  for (const result of results) {
    console.log(
      `  ${result.name.padEnd(28)} median ${fmt(result.median)}  p95 ${fmt(result.p95)}  (avg ${result.rows.toFixed(1)} rows)`,
    );
  }
  await store.close();

  // 4. Markdown history appends (lock + temp file + fsync + rename) and JSONL audit lines.
  const runbook = join(work, 'deploy.md');
  writeFileSync(runbook, '# Deploy\nDeploys.\n\n# Script\n```sh\necho hi\n```\n\n# History\n');
  const history = new MarkdownHistory();
  const entry = `\n### 2026-03-01T12:00:00.000Z | Exit Code: 0\n\n**Stdout:**\n\`\`\`\n${'ok\n'.repeat(20)}\`\`\`\n\n`;
  started = performance.now();
  for (let i = 0; i < 300; i++) await history.append(runbook, entry);
  const mdSeconds = (performance.now() - started) / 1000;
  console.log(
    `markdown history: 300 appends (fsync on) in ${mdSeconds.toFixed(2)} s = ${Math.round(300 / mdSeconds)} appends/s`,
  );
  const log = new JsonlAuditLog({ path: join(work, 'history.jsonl') });
  const record = {
    start_timestamp: '2026-03-01T12:00:00.000Z',
    finish_timestamp: '2026-03-01T12:00:01.000Z',
    return_code: 0,
    operation: 'execute',
    breadcrumb: {
      at_time: '2026-03-01T12:00:00.000000+00:00',
      by_user: 'u',
      from_ip: '127.0.0.1',
      correlation_id: 'c',
      recursion_stack: ['deploy.md'],
      roles: [],
    },
    config_items: [],
    stdout: 'ok\n'.repeat(100),
    stderr: '',
    errors: [],
    warnings: [],
  };
  started = performance.now();
  await Promise.all(Array.from({ length: 10_000 }, () => log.append(record)));
  await log.close();
  const jsonlSeconds = (performance.now() - started) / 1000;
  console.log(
    `jsonl audit log: 10000 lines in ${jsonlSeconds.toFixed(2)} s = ${Math.round(10_000 / jsonlSeconds)} lines/s`,
  );

  const required = results.filter((result) =>
    ['runbook + status', 'label env=<x>'].includes(result.name),
  );
  const worst = Math.max(...results.map((result) => result.p95));
  const pass = required.every((result) => result.p95 < TARGET_MS);
  console.log(
    `target: filtered page of 50 under ${TARGET_MS} ms (runbook + status, label): ${pass ? 'PASS' : 'FAIL'}; ` +
      `worst p95 of all filters ${fmt(worst)}`,
  );
  process.exitCode = pass ? 0 : 1;
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    rmSync(work, { recursive: true, force: true });
  });
