#!/usr/bin/env node
// Parse benchmark for @runbooks/runbook-format (built package in dist/libs/runbook-format).
// Prints: throughput on a 1 MB runbook with a long History, and the median/p95 time to parse a
// 5 KB runbook (target: median under 0.5 ms). Usage: npx nx build runbook-format && node tools/bench/parse.mjs
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { resolveWorkspaceLibsFromDist } from './bench-kit.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
resolveWorkspaceLibsFromDist(root);
const { parseRunbook, formatHistoryEntry } = require(join(root, 'dist/libs/runbook-format'));

const FENCE = '```';
function head(description) {
  return [
    '# Benchmark',
    description,
    '',
    '# Environment Requirements',
    `${FENCE}yaml`,
    ...Array.from(
      { length: 12 },
      (_, i) => `VAR_${i}: "Description of variable ${i}: used by step ${i}"`,
    ),
    FENCE,
    '',
    '# File System Requirements',
    `${FENCE}yaml`,
    'Input:',
    '  - ./inputs/config.yaml',
    '  - ./inputs/templates',
    FENCE,
    '',
    '# Required Claims',
    `${FENCE}yaml`,
    'roles: sre, api',
    'teams: [payments, core]',
    FENCE,
    '',
    '# Script',
    `${FENCE}sh`,
    ...Array.from({ length: 40 }, (_, i) => `echo "step ${i}: $VAR_${i % 12}" && sleep 0`),
    FENCE,
    '',
    '# History',
  ].join('\n');
}

function withHistory(text, targetBytes) {
  const parts = [text];
  let size = text.length;
  for (let i = 0; size < targetBytes; i++) {
    const entry = formatHistoryEntry({
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 60000),
      exitCode: i % 7 === 0 ? 1 : 0,
      stdout: Array.from({ length: 8 }, (_, l) => `line ${l} of run ${i}: ok`).join('\n') + '\n',
      stderr: i % 5 === 0 ? `warning in run ${i}\n` : '',
    });
    parts.push(entry);
    size += entry.length;
  }
  return parts.join('');
}

function measure(text, runs) {
  for (let i = 0; i < Math.min(runs, 200); i++) parseRunbook(text, { filename: 'Benchmark.md' });
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    parseRunbook(text, { filename: 'Benchmark.md' });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)], p95: times[Math.floor(runs * 0.95)] };
}

const big = withHistory(head('A runbook with a long history.'), 1024 * 1024);
const small = withHistory(head('A typical runbook.'), 5 * 1024).slice(0, 5 * 1024);
const bigEntries = parseRunbook(big).runbook.history.length;
const bigTimes = measure(big, 30);
const smallTimes = measure(small, 5000);
const mb = Buffer.byteLength(big) / (1024 * 1024);

console.log(`1 MB runbook (${Buffer.byteLength(big)} bytes, ${bigEntries} history entries):`);
console.log(
  `  median ${bigTimes.median.toFixed(2)} ms, p95 ${bigTimes.p95.toFixed(2)} ms, throughput ${(mb / (bigTimes.median / 1000)).toFixed(1)} MB/s`,
);
console.log(`5 KB runbook (${Buffer.byteLength(small)} bytes):`);
console.log(
  `  median ${(smallTimes.median * 1000).toFixed(0)} µs, p95 ${(smallTimes.p95 * 1000).toFixed(0)} µs (target: median < 500 µs)`,
);
const pass = smallTimes.median < 0.5;
console.log(pass ? 'PASS' : 'FAIL');
process.exitCode = pass ? 0 : 1;
