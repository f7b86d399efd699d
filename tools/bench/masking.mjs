#!/usr/bin/env node
// Benchmark of secret masking in @runbooks/executor: output throughput of a script that writes
// a lot (64 MiB by default, a secret in every line) with masking on (the run's secret values
// given) and off (none given), interleaved, median of several rounds. Prints both throughputs
// and their ratio. Also measures the SecretMasker transform alone (no process, no pipe).
//
// Usage: npx nx build executor && node tools/bench/masking.mjs [--mib N] [--rounds N]
// Loads the built library from dist/libs/executor.
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, option, resolveWorkspaceLibsFromDist } from './bench-kit.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const distEntry = join(root, 'dist', 'libs', 'executor', 'index.js');
if (!existsSync(distEntry)) {
  console.error('dist/libs/executor not found: run `npx nx build executor` first.');
  process.exit(1);
}
resolveWorkspaceLibsFromDist(root);
const { execute, SecretMasker } = createRequire(import.meta.url)(distEntry);

const mib = Number(option('mib', 64));
const rounds = Number(option('rounds', 5));
const SECRET = 'correct-horse-battery-staple-42';
const OTHER = 'another/secret+value==';
const executionDir = mkdtempSync(join(tmpdir(), 'bench-masking-'));

// One line of ~128 bytes with the secret in it; zsh repeats a 64 KiB block.
const line = `${'x'.repeat(40)} password=$SECRET ${'y'.repeat(40)}`;
const blockLines = Math.floor(65536 / (line.length + 1));
const blocks = Math.ceil(
  (mib * 1024 * 1024) / (blockLines * (line.length - 7 + SECRET.length + 1)),
);
const script = [
  `block=""`,
  `for i in {1..${blockLines}}; do block+="${line}"$'\\n'; done`,
  `for i in {1..${blocks}}; do print -rn -- "$block"; done`,
].join('\n');

/** `masked`: false (no values), 'present' (the printed secret and another), 'absent' (values never printed). */
async function runOnce(masked) {
  const started = performance.now();
  const execution = execute(
    {
      script,
      declaredEnv: ['SECRET'],
      envVars: { SECRET },
      secretValues:
        masked === 'present'
          ? [SECRET, OTHER]
          : masked === 'absent'
            ? [OTHER, 'not-printed-1234']
            : [],
    },
    {
      executionDir,
      serverEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      maxOutputBytes: Number.MAX_SAFE_INTEGER,
      timeoutMs: 600_000,
    },
  );
  let bytes = 0;
  let masks = 0;
  for await (const event of execution.events) {
    if (event.type === 'stdout') {
      bytes += event.data.length;
      if (masked) masks += event.data.split('***').length - 1;
    }
  }
  const result = await execution.result;
  if (result.exitCode !== 0) throw new Error(`script failed: ${result.stderr}`);
  if (masked === 'present' && result.stdout.includes(SECRET))
    throw new Error('a secret was not masked');
  const seconds = (performance.now() - started) / 1000;
  return { seconds, bytes, masks };
}

function transformOnly(masked) {
  const masker = new SecretMasker(
    masked === 'present' ? [SECRET, OTHER] : [OTHER, 'not-printed-1234'],
  );
  const chunk = `${'x'.repeat(40)} password=${SECRET} ${'y'.repeat(40)}\n`.repeat(512);
  const total = mib * 1024 * 1024;
  const started = performance.now();
  let done = 0;
  while (done < total) {
    masker.push(chunk);
    done += chunk.length;
  }
  masker.end();
  return done / 1024 / 1024 / ((performance.now() - started) / 1000);
}

try {
  // Throughput is the script's output (as written, before masking) per second of the run.
  const inputBytes = (await runOnce(false)).bytes;
  const mibPerSecond = (run) => inputBytes / 1024 / 1024 / run.seconds;
  await runOnce('present'); // warm-up
  const off = [];
  const present = [];
  const absent = [];
  let sample = null;
  for (let round = 0; round < rounds; round += 1) {
    off.push(mibPerSecond(await runOnce(false)));
    sample = await runOnce('present');
    present.push(mibPerSecond(sample));
    absent.push(mibPerSecond(await runOnce('absent')));
  }
  const medianOff = median(off);
  const medianPresent = median(present);
  const medianAbsent = median(absent);
  const ratio = (value) => (value / medianOff).toFixed(3);
  console.log(
    `output per run: ${(inputBytes / 1024 / 1024).toFixed(1)} MiB of lines of ~100 bytes; medians of ${rounds} rounds`,
  );
  console.log(`executor, masking off:                         ${medianOff.toFixed(1)} MiB/s`);
  console.log(
    `executor, masking on, secret in every line:    ${medianPresent.toFixed(1)} MiB/s (ratio on/off ${ratio(medianPresent)}, ${sample.masks} masked)`,
  );
  console.log(
    `executor, masking on, secrets never printed:   ${medianAbsent.toFixed(1)} MiB/s (ratio on/off ${ratio(medianAbsent)})`,
  );
  console.log(
    `SecretMasker alone: ${transformOnly('present').toFixed(0)} MiB/s with a secret in every line, ${transformOnly('absent').toFixed(0)} MiB/s when none is printed`,
  );
} finally {
  rmSync(executionDir, { recursive: true, force: true });
}
