#!/usr/bin/env node
// Benchmark of the built API (dist/apps/api/main.js), black-box over HTTP.
// 1. GET /api/runbooks over N generated runbooks (default 500) with autocannon: 8 connections,
//    10 s (after a 2 s warm-up) → requests/s. Target: ≥ 1500 req/s on the 2-core dev machine.
// 2. End-to-end execute of an `echo` runbook, JSON mode, one request at a time (default 200
//    runs after 10 warm-up runs) → median and p99 latency. Target: median ≤ 20 ms.
// 3. Baselines measured in the same run, interleaved with the execute requests (one execute, one
//    baseline request, one raw spawn per round, so a load spike hits all three alike): a bare Node
//    HTTP server that spawns the same script per request and answers JSON (target: execute ≤ 1.5×
//    its median), and raw zsh (target ≤ 3×). This machine is noisy: the ratios are what compare
//    across runs; the median of the per-round ratios is printed too.
// 4. CPU per request of the whole process tree (from /proc), execute vs the bare server, half as
//    many runs each: CPU time swings far less than wall time with the machine's load.
// The server runs with its defaults (markdown history with fsync, SQLite run store, audit log,
// INFO logs to a file) except that rate limiting is off.
// Usage: npx nx build api && node tools/bench/api.mjs [--runbooks 500] [--duration 10]
//        [--connections 8] [--runs 200] [--execution-dir DIR] [--env NAME=value ...]
//        [--node-arg FLAG ...] [--main dist/apps/api/main.js (another build, e.g. a before/after)]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { freePort, option, percentile } from './bench-kit.mjs';
import { cpuMsOfTree } from './process-cpu.mjs';
import { rawZshOnce, startBareServer } from './spawn-baselines.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { sign } = require('jsonwebtoken');

const args = process.argv.slice(2);
const extraEnv = Object.fromEntries(
  args.flatMap((arg, i) => (args[i - 1] === '--env' ? [arg.split(/=(.*)/s).slice(0, 2)] : [])),
);
// Flags for the server's node (e.g. --node-arg --cpu-prof to profile it).
const nodeArgs = args.filter((_, i) => args[i - 1] === '--node-arg');
const RUNBOOKS = Number(option('runbooks', '500'));
const DURATION_S = Number(option('duration', '10'));
const CONNECTIONS = Number(option('connections', '8'));
const RUNS = Number(option('runs', '200'));
const CPU_RUNS = Math.max(50, Math.floor(RUNS / 2));
const LIST_TARGET = 1500;
const EXECUTE_TARGET_MS = 20;
const BARE_SERVER_RATIO_TARGET = 1.5;
const RAW_ZSH_RATIO_TARGET = 3;

const main = option('main', join(root, 'dist/apps/api/main.js'));
if (!existsSync(main)) {
  console.error(`${main} is missing: run "npx nx build api" first`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'runbooks-api-bench-'));
const dirs = {
  runbooks: join(work, 'runbooks'),
  execution: option('execution-dir', join(work, 'execution')),
  data: join(work, 'data'),
};
for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
// As root the server runs each script under its own uid, which must traverse to EXECUTION_DIR.
chmodSync(work, 0o711);
chmodSync(dirs.execution, 0o711);

function runbook(name, script, index) {
  return [
    `# ${name}`,
    `Generated runbook number ${index} for the API benchmark. It checks one thing on one host and`,
    'reports what it found, so the listing carries realistic descriptions and claims.',
    '',
    '# Environment Requirements',
    '```yaml',
    'TARGET_HOST: Host to check',
    'THRESHOLD: Percentage above which the check fails',
    '```',
    '',
    '# File System Requirements',
    '```yaml',
    'Input: []',
    '```',
    '',
    '# Required Claims',
    '```yaml',
    `roles: sre, ops${index % 3}`,
    '```',
    '',
    '# Script',
    '```sh',
    script,
    '```',
    '',
    '# History',
    '',
  ].join('\n');
}

for (let i = 0; i < RUNBOOKS; i++) {
  const name = `Check${String(i).padStart(4, '0')}`;
  writeFileSync(
    join(dirs.runbooks, `${name}.md`),
    runbook(name, 'echo "checking $TARGET_HOST"', i),
  );
}
writeFileSync(
  join(dirs.runbooks, 'Echo.md'),
  runbook('Echo', 'echo hi', 0).replace(/TARGET_HOST: .*\nTHRESHOLD: .*\n/, '{}\n'),
);

const port = await freePort();
const secret = randomBytes(24).toString('hex');
const log = createWriteStream(join(work, 'server.log'));
const server = spawn(process.execPath, [...nodeArgs, main], {
  cwd: work,
  env: {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    API_PORT: String(port),
    RUNBOOKS_DIR: dirs.runbooks,
    EXECUTION_DIR: dirs.execution,
    RUNBOOK_DATA_DIR: dirs.data,
    JWT_SECRET: secret,
    RATE_LIMIT_ENABLED: 'false',
    ...extraEnv,
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const closed = new Promise((resolve) => server.once('close', resolve));
server.stdout.pipe(log);
server.stderr.pipe(log);
const base = `http://127.0.0.1:${port}`;
const now = Math.floor(Date.now() / 1000);
const token = sign(
  {
    iss: 'dev-idp',
    aud: 'dev-api',
    sub: 'bench',
    roles: ['sre', 'ops0'],
    iat: now,
    exp: now + 3600,
  },
  secret,
  { algorithm: 'HS256' },
);
const auth = { Authorization: `Bearer ${token}` };

async function waitLive() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error('the server exited before it was live');
    const ok = await fetch(`${base}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not start');
}

const cannon = (duration) =>
  autocannon({
    url: `${base}/api/runbooks`,
    connections: CONNECTIONS,
    duration,
    headers: auth,
  });

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function executeOnce() {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      `${base}/api/runbooks/Echo.md/execute`,
      { method: 'POST', agent, headers: { ...auth, 'Content-Type': 'application/json' } },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => {
          const elapsed = performance.now() - started;
          const result = JSON.parse(body);
          if (response.statusCode !== 200 || !result.success)
            reject(new Error(`execute failed: ${response.statusCode} ${body}`));
          else resolve(elapsed);
        });
      },
    );
    req.on('error', reject);
    req.end('{"env_vars":{}}');
  });
}

const ms = (value) => `${value.toFixed(1)} ms`;

try {
  await waitLive();
  const listing = await fetch(`${base}/api/runbooks`, { headers: auth }).then((r) => r.json());
  if (listing.runbooks.length !== RUNBOOKS + 1) throw new Error('unexpected listing');
  const bytes = Buffer.byteLength(JSON.stringify(listing));
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  await cannon(2);
  const list = await cannon(DURATION_S);
  const failed = list.non2xx + list.errors + list.timeouts;
  console.log(
    `GET /api/runbooks (${RUNBOOKS + 1} runbooks, ${(bytes / 1024).toFixed(0)} KiB): ` +
      `${list.requests.average.toFixed(0)} req/s average (${CONNECTIONS} connections, ${DURATION_S} s), ` +
      `latency p50 ${list.latency.p50} ms / p99 ${list.latency.p99} ms, ${failed} failed ` +
      `→ target ≥ ${LIST_TARGET} req/s: ${list.requests.average >= LIST_TARGET ? 'met' : 'MISSED'}`,
  );

  const bareServer = await startBareServer('echo hi');
  const latencies = [];
  const bareLatencies = [];
  const rawLatencies = [];
  const roundRatios = { bare: [], raw: [] };
  const cpu = { execute: 0, bare: 0 };
  try {
    for (let i = 0; i < 10; i++) {
      await executeOnce();
      await bareServer.once();
      await rawZshOnce('echo hi');
    }
    for (let i = 0; i < RUNS; i++) {
      const execute = await executeOnce();
      const bare = await bareServer.once();
      const raw = await rawZshOnce('echo hi');
      latencies.push(execute);
      bareLatencies.push(bare);
      rawLatencies.push(raw);
      roundRatios.bare.push(execute / bare);
      roundRatios.raw.push(execute / raw);
    }
    // CPU per request of this whole process tree (client, server and its helpers, scripts):
    // what the load of a busy machine changes least.
    const cpuPerRequest = async (once) => {
      const before = cpuMsOfTree(process.pid);
      for (let i = 0; i < CPU_RUNS; i++) await once();
      return (cpuMsOfTree(process.pid) - before) / CPU_RUNS;
    };
    cpu.execute = await cpuPerRequest(executeOnce);
    cpu.bare = await cpuPerRequest(bareServer.once);
  } finally {
    await bareServer.close();
  }
  for (const list of [latencies, bareLatencies, rawLatencies, roundRatios.bare, roundRatios.raw])
    list.sort((a, b) => a - b);
  const median = percentile(latencies, 0.5);
  console.log(
    `POST /api/runbooks/Echo.md/execute (JSON, sequential, ${RUNS} runs): median ${ms(median)}, ` +
      `p90 ${ms(percentile(latencies, 0.9))}, p99 ${ms(percentile(latencies, 0.99))}, ` +
      `min ${ms(latencies[0])}, max ${ms(latencies.at(-1))} ` +
      `→ target median ≤ ${EXECUTE_TARGET_MS} ms: ${median <= EXECUTE_TARGET_MS ? 'met' : 'MISSED'}`,
  );
  const bare = percentile(bareLatencies, 0.5);
  const raw = percentile(rawLatencies, 0.5);
  const toBare = median / bare;
  const toRaw = median / raw;
  console.log(
    `baselines (same run, interleaved): bare Node HTTP server spawning zsh median ${ms(bare)}, ` +
      `raw zsh spawn median ${ms(raw)}; median of per-round ratios: ` +
      `${percentile(roundRatios.bare, 0.5).toFixed(2)}× bare, ${percentile(roundRatios.raw, 0.5).toFixed(2)}× raw`,
  );
  console.log(
    `execute / bare server: ${toBare.toFixed(2)}× → target ≤ ${BARE_SERVER_RATIO_TARGET}×: ` +
      `${toBare <= BARE_SERVER_RATIO_TARGET ? 'met' : 'MISSED'}; execute / raw zsh: ` +
      `${toRaw.toFixed(2)}× → target ≤ ${RAW_ZSH_RATIO_TARGET}×: ` +
      `${toRaw <= RAW_ZSH_RATIO_TARGET ? 'met' : 'MISSED'}`,
  );
  console.log(
    `CPU per request (whole process tree, client included, ${CPU_RUNS} each): ` +
      `execute ${ms(cpu.execute)}, bare server ${ms(cpu.bare)} → ${(cpu.execute / cpu.bare).toFixed(2)}×`,
  );
  console.log(
    `machine after: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} catch (error) {
  console.error(`benchmark failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  agent.destroy();
  server.kill('SIGTERM');
  await closed;
  log.end();
  if (process.exitCode) console.error(readFileSync(join(work, 'server.log'), 'utf8').slice(-3000));
  rmSync(work, { recursive: true, force: true });
}
