#!/usr/bin/env node
// Validates every runbook in a folder (default samples/runbooks) with the built
// @runbooks/runbook-format and prints file:line:column diagnostics. Exit code 0 when every
// executable runbook is valid with the given env, 1 otherwise. Stand-in for `runbook validate`
// until the CLI lands. Usage: node tools/scripts/validate-samples.mjs [folder] [NAME=value ...]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { parseRunbook, validateRunbook } = createRequire(import.meta.url)(
  join(root, 'dist/libs/runbook-format'),
);

const args = process.argv.slice(2);
const folder = resolve(args.find((arg) => !arg.includes('=')) ?? join(root, 'samples/runbooks'));
const env = {
  ...process.env,
  ...Object.fromEntries(args.filter((a) => a.includes('=')).map((a) => a.split(/=(.*)/s, 2))),
};
if (!existsSync(folder)) {
  console.error(`Runbooks folder not found: ${folder}`);
  process.exit(2);
}

let failures = 0;
for (const file of readdirSync(folder)
  .filter((f) => f.endsWith('.md'))
  .sort()) {
  const { runbook, diagnostics } = parseRunbook(readFileSync(join(folder, file), 'utf8'), {
    filename: file,
  });
  const result = validateRunbook(runbook, { env, fileExists: (p) => existsSync(join(folder, p)) });
  const isDocumentation = !runbook.sections.some((s) => s.title === 'Script');
  const verdict = result.valid
    ? 'valid'
    : isDocumentation
      ? 'documentation only (not executable)'
      : 'INVALID';
  console.log(`${file}: ${runbook.name ?? '(no name)'} — ${verdict}`);
  for (const d of diagnostics)
    console.log(`  ${file}:${d.line}:${d.column} ${d.severity} ${d.message}`);
  if (!isDocumentation)
    for (const message of [...result.errors, ...result.warnings]) console.log(`  - ${message}`);
  if (!result.valid && !isDocumentation) failures++;
}
process.exitCode = failures === 0 ? 0 : 1;
