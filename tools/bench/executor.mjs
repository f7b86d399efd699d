#!/usr/bin/env node
// Benchmark of @runbooks/executor: median wall time of `execute({ script: 'echo hi' })` against
// spawning `zsh -c 'echo hi'` directly with the same spawn options (own process group, the same
// small environment, piped stdout/stderr, stdin ignored). Target: executor <= 1.5x raw spawn.
// As root (or with CHOWN/KILL/SETGID/SETUID) it also runs the sandbox (a uid per run, rlimits,
// the sweep of the uid afterwards) in the same interleaved loop. Target: <= 2 ms added per run.
//
// Usage: npx nx build executor && node tools/bench/executor.mjs [--runs N] [--warmup N] [--execution-dir DIR]
// Loads the built library from dist/libs/executor.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveWorkspaceLibsFromDist } from './bench-kit.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const distEntry = join(root, 'dist', 'libs', 'executor', 'index.js');
if (!existsSync(distEntry)) {
  console.error('dist/libs/executor not found: run `npx nx build executor` first.');
  process.exit(1);
}
resolveWorkspaceLibsFromDist(root);
const { execute, buildScriptEnv, canSwitchUsers, RunnerUidPool, DEFAULT_RUN_LIMITS } =
  createRequire(import.meta.url)(distEntry);

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const runs = option('--runs', 300);
const executionDirIndex = args.indexOf('--execution-dir');
const executionDir = executionDirIndex >= 0 ? args[executionDirIndex + 1] : undefined;
const warmup = option('--warmup', 30);

const serverEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/',
  LANG: 'C.UTF-8',
};
const built = buildScriptEnv({ serverEnv, shellPath: '/bin/zsh' });
const rawEnv = built.ok ? built.env : serverEnv;

/** Raw baseline: zsh -c 'echo hi' with the executor's spawn options, output collected. */
function rawSpawn() {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/zsh', ['-c', 'echo hi'], {
      env: rawEnv,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => (out === 'hi\n' ? resolve() : reject(new Error(`raw: ${out}`))));
  });
}

/** Through the library: run dir, temp.zsh, env build, watchdog registration, cleanup. */
async function viaExecutor(parentDeathSignal, sandbox, waitForCleanup = false) {
  const execution = execute(
    { script: 'echo hi' },
    { serverEnv, parentDeathSignal, executionDir, sandbox },
  );
  const result = await execution.result;
  if (result.stdout !== 'hi\n' || result.returnCode !== 0)
    throw new Error(`executor: ${JSON.stringify(result)}`);
  // The sandbox sweeps the uid after the result; a run that waits for that too shows its cost.
  if (waitForCleanup) await execution.cleanedUp;
  else if (sandbox) pending.push(execution.cleanedUp);
}
const pending = [];

let sandbox;
if (canSwitchUsers()) {
  const claimed = RunnerUidPool.claim({ first: 29800, last: 29899, count: 8 });
  if (!claimed.ok) throw new Error(claimed.message);
  sandbox = { uids: claimed.pool, limits: DEFAULT_RUN_LIMITS };
  process.on('exit', () => claimed.pool.close());
}

async function measure(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const variants = {
  raw: rawSpawn,
  executor: () => viaExecutor(false),
  executorSetpriv: () => viaExecutor(true),
  ...(sandbox
    ? {
        sandboxed: async () => {
          await viaExecutor(false, sandbox);
          // Uids come back after their sweep: keep the pool from running dry between samples.
          await Promise.all(pending.splice(0));
        },
        sandboxedWithSweep: () => viaExecutor(false, sandbox, true),
      }
    : {}),
};
const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let i = 0; i < warmup; i++) for (const fn of Object.values(variants)) await fn();
// Interleave the variants so machine noise hits all of them alike.
for (let i = 0; i < runs; i++) {
  for (const [name, fn] of Object.entries(variants)) {
    if (name === 'sandboxed') {
      // Only the run itself is timed; the sweep of the previous sample is waited for outside.
      const t0 = process.hrtime.bigint();
      const execution = viaExecutor(false, sandbox);
      await execution;
      samples[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
      await Promise.all(pending.splice(0));
    } else samples[name].push(await measure(fn));
  }
}

const raw = median(samples.raw);
const exec = median(samples.executor);
const execSetpriv = median(samples.executorSetpriv);
const ratio = exec / raw;
console.log(`executor bench: ${runs} runs each (after ${warmup} warm-up), node ${process.version}`);
console.log(`run dirs in: ${executionDir ?? 'system temp dir (default)'}`);
console.log(`raw spawn  zsh -c 'echo hi'           median ${raw.toFixed(3)} ms`);
console.log(`execute()  echo hi (defaults)         median ${exec.toFixed(3)} ms`);
console.log(`execute()  echo hi (+ setpriv)        median ${execSetpriv.toFixed(3)} ms`);
console.log(
  `ratio execute()/raw: ${ratio.toFixed(2)}x (target <= 1.50x) ${ratio <= 1.5 ? 'OK' : 'OVER TARGET'}`,
);
console.log(
  `ratio with parentDeathSignal (setpriv exec): ${(execSetpriv / raw).toFixed(2)}x (informational)`,
);
if (sandbox) {
  const boxed = median(samples.sandboxed);
  const boxedSweep = median(samples.sandboxedWithSweep);
  const added = boxed - exec;
  console.log(`execute()  echo hi (sandbox: own uid)  median ${boxed.toFixed(3)} ms`);
  console.log(`  ... until its uid is swept (cleanedUp) median ${boxedSweep.toFixed(3)} ms`);
  console.log(
    `sandbox cost per run: +${added.toFixed(3)} ms to the result (target <= 2 ms) ${added <= 2 ? 'OK' : 'OVER TARGET'}, ` +
      `+${(boxedSweep - exec).toFixed(3)} ms until the uid is free again; ratio ${(boxed / exec).toFixed(2)}x`,
  );
} else {
  console.log('sandbox: not measured (needs root or CHOWN/KILL/SETGID/SETUID)');
}
console.log(
  `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
