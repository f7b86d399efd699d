#!/usr/bin/env node
// Benchmark of the distributed mode against the embedded one (built server: dist/apps/api/main.js).
// Prints, for an `echo` runbook executed through the HTTP API (JSON answers):
//   - embedded (one process, SQLite, in-process queue): latency of one execute at a time
//     (median/p95) and runs/s with --concurrency requests in flight;
//   - distributed (PostgreSQL + Redis): one API (role api) + 1 worker, then + 2 workers: same
//     figures, and the latency added by dispatch (median distributed − median embedded).
// With --breakdown, each mode also prints where a sequential execute spent its time (medians),
// from the run record's timestamps (ms resolution, all processes on this machine's clock):
//   accept    request sent → run record created (HTTP, auth, catalog);
//   dispatch  created → claimed (create transaction, queueing, a worker's pick-up, claim);
//   run       claimed → final state written (cancel watch, the script, output, histories);
//   answer    final state written → response received (final transaction, `done`, HTTP).
// Creates its own PostgreSQL database (dropped at the end) and its own Redis key prefix (keys
// deleted at the end). Rate limits are off; markdown History is off (it is not what is measured).
// Usage: npx nx build api && node tools/bench/distributed.mjs [--runs 300] [--samples 100]
//        [--concurrency 16] [--breakdown] [--pg postgres://postgres@127.0.0.1:5432/postgres]
//        [--redis redis://127.0.0.1:6379/0]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { freePort, median, option, percentile } from './bench-kit.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { Redis } = require('ioredis');
const jwt = require('jsonwebtoken');

const args = process.argv.slice(2);
const RUNS = Number(option('runs', '300'));
const SAMPLES = Number(option('samples', '100'));
const CONCURRENCY = Number(option('concurrency', '16'));
const BREAKDOWN = args.includes('--breakdown');
const PG_ADMIN = option('pg', 'postgres://postgres@127.0.0.1:5432/postgres');
const REDIS_URL = option('redis', 'redis://127.0.0.1:6379/0');
const MAIN = join(root, 'dist/apps/api/main.js');
const SECRET = `bench-${randomBytes(16).toString('hex')}`;
const ID = randomBytes(4).toString('hex');
const DATABASE = `runbooks_bench_${ID}`;
const PREFIX = `rbbench-dist:${ID}`;

const RUNBOOK = [
  '# Echo',
  'Prints one line.',
  '',
  '# Environment Requirements',
  '```yaml',
  '{}',
  '```',
  '',
  '# File System Requirements',
  '```yaml',
  'Input: []',
  '```',
  '',
  '# Script',
  '```sh',
  'echo hello',
  '```',
  '',
  '# History',
  '',
].join('\n');

const ms = (value) => `${value.toFixed(1)} ms`;

const token = jwt.sign({ iss: 'dev-idp', aud: 'dev-api', sub: 'bench', roles: ['admin'] }, SECRET, {
  algorithm: 'HS256',
  expiresIn: '1h',
});

const children = [];

/** Starts one server process and waits until it answers /health/ready. */
async function startServer(dirs, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: dirs.root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? '/root',
      LANG: 'C.UTF-8',
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      RUNBOOKS_DIR: dirs.runbooks,
      EXECUTION_DIR: dirs.execution,
      RUNBOOK_DATA_DIR: dirs.data,
      JWT_SECRET: SECRET,
      RATE_LIMIT_ENABLED: 'false',
      RUNBOOK_HISTORY_MARKDOWN: 'false',
      LOGGING_LEVEL: 'WARNING',
      MAX_CONCURRENT_RUNS: '8',
      ...env,
    },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    const ok = await fetch(`${url}/health/ready`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return url;
    if (i > 600) throw new Error('server did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Executes the runbook; returns its run id. */
async function execute(url) {
  const response = await fetch(`${url}/api/runbooks/Echo.md/execute`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  const body = await response.json();
  if (response.status !== 200 || body.success !== true)
    throw new Error(`execute failed: ${response.status} ${JSON.stringify(body)}`);
  return body.run_id;
}

const epochMs = (now) => performance.timeOrigin + now;

/** The steps of one execute, from its record's timestamps and the client's send/receive times. */
async function stepsOf(url, runId, sentAt, answeredAt) {
  const response = await fetch(`${url}/api/runs/${runId}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const run = await response.json();
  const created = Date.parse(run.created_at);
  const started = Date.parse(run.started_at);
  const finished = Date.parse(run.finished_at);
  return {
    accept: created - epochMs(sentAt),
    dispatch: started - created,
    run: finished - started,
    answer: epochMs(answeredAt) - finished,
  };
}

/** Latency of one execute at a time, then runs/s with CONCURRENCY in flight. */
async function measure(url) {
  for (let i = 0; i < 10; i++) await execute(url); // warm-up
  const latencies = [];
  const steps = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = performance.now();
    const runId = await execute(url);
    const end = performance.now();
    latencies.push(end - start);
    if (BREAKDOWN) steps.push(await stepsOf(url, runId, start, end));
  }
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < RUNS) {
        next++;
        await execute(url);
      }
    }),
  );
  const elapsed = performance.now() - start;
  const breakdown = {};
  if (BREAKDOWN) {
    for (const step of ['accept', 'dispatch', 'run', 'answer'])
      breakdown[step] = median(steps.map((figures) => figures[step]));
  }
  return {
    median: median(latencies),
    p95: percentile(latencies, 0.95),
    perSecond: (RUNS / elapsed) * 1000,
    breakdown,
  };
}

function makeDirs() {
  const rootDir = mkdtempSync(join(tmpdir(), 'runbooks-bench-dist-'));
  const dirs = {
    root: rootDir,
    runbooks: join(rootDir, 'runbooks'),
    execution: join(rootDir, 'execution'),
    data: join(rootDir, 'data'),
  };
  for (const dir of [dirs.runbooks, dirs.execution, dirs.data]) mkdirSync(dir);
  writeFileSync(join(dirs.runbooks, 'Echo.md'), RUNBOOK);
  return dirs;
}

async function stopAll() {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
}

async function cleanup(dirs) {
  await stopAll();
  const admin = new Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  rmSync(dirs.root, { recursive: true, force: true });
}

const print = (label, figures) => {
  console.log(
    `${label.padEnd(34)} median ${ms(figures.median).padStart(9)}  p95 ${ms(figures.p95).padStart(9)}  ${figures.perSecond.toFixed(1).padStart(7)} runs/s`,
  );
  const steps = Object.entries(figures.breakdown).map(([step, value]) => `${step} ${ms(value)}`);
  if (steps.length > 0) console.log(`${''.padEnd(34)} steps (medians): ${steps.join(', ')}`);
};

const dirs = makeDirs();
try {
  console.log(
    `Echo runbook, ${SAMPLES} sequential executes (latency), ${RUNS} executes with ${CONCURRENCY} in flight (throughput)`,
  );
  const embeddedUrl = await startServer(dirs, {});
  const embedded = await measure(embeddedUrl);
  print('embedded (SQLite, in-process)', embedded);
  await stopAll();

  const admin = new Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${DATABASE}`;
  const distributed = {
    DATABASE_URL: url.toString(),
    REDIS_URL,
    REDIS_KEY_PREFIX: PREFIX,
    EVENTS_STREAM: `${PREFIX}:runs.events`,
  };
  const apiUrl = await startServer(dirs, { ...distributed, RUNBOOK_ROLE: 'api' });
  await startServer(dirs, { ...distributed, RUNBOOK_ROLE: 'worker' });
  const one = await measure(apiUrl);
  print('distributed, 1 API + 1 worker', one);
  await startServer(dirs, { ...distributed, RUNBOOK_ROLE: 'worker' });
  const two = await measure(apiUrl);
  print('distributed, 1 API + 2 workers', two);
  console.log(`added latency of dispatch (median, 1 worker): ${ms(one.median - embedded.median)}`);
} finally {
  await cleanup(dirs);
}
