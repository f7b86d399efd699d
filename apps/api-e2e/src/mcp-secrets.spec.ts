import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Client } from '@modelcontextprotocol/client';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { callTool, connectMcp, type McpEra } from './support/mcp-client';

const FENCE = '```';
const PASSWORD = 'Mcp-Pa55word!given/by+the-agent';
const FILE_KEY = 'file-key-the-agent-never-sees';

/** A runbook whose script prints both secrets plainly, in pieces, and on stderr. */
const LEAKY = [
  '# Leaky',
  'Prints its secrets in every way it can.',
  '',
  '# Environment Requirements',
  `${FENCE}yaml`,
  'DB_PASSWORD:',
  '  description: Password of the app user',
  '  secret: true',
  'FILE_KEY:',
  '  description: Key the server reads from its secrets folder',
  '  from: file:file-key',
  FENCE,
  '',
  '# File System Requirements',
  `${FENCE}yaml\nInput: []\n${FENCE}`,
  '',
  '# Required Claims',
  `${FENCE}yaml\nroles: sre\n${FENCE}`,
  '',
  '# Script',
  `${FENCE}sh`,
  'for name in DB_PASSWORD FILE_KEY; do',
  '  value=${(P)name}',
  '  print -r -- "plain $name=$value"',
  '  printf \'%s\' "split ${value[1,5]}"; sleep 0.1; printf \'%s\\n\' "${value[6,-1]}"',
  '  print -r -- "stderr $name=$value" >&2',
  'done',
  'exit 3',
  FENCE,
  '',
  '# History',
  '',
].join('\n');

/** Fails when `text` holds a secret or a tell-tale part of one. */
function expectNoSecret(where: string, text: string): void {
  for (const value of [PASSWORD, FILE_KEY]) {
    for (const form of [value, value.slice(5)]) {
      if (text.includes(form)) throw new Error(`${where} shows the secret form '${form}'`);
    }
  }
}

describe.each<McpEra>(['2026-07-28', 'legacy'])('MCP results never show secrets (%s)', (era) => {
  let server: ApiServer;
  let client: Client;
  let secretsDir: string;

  beforeAll(async () => {
    secretsDir = mkdtempSync(join(tmpdir(), 'runbooks-mcp-secrets-'));
    writeFileSync(join(secretsDir, 'file-key'), `${FILE_KEY}\n`, { mode: 0o600 });
    server = await startApi({
      runbooks: { 'Leaky.md': LEAKY },
      samples: false,
      env: { SECRETS_DIR: secretsDir },
    });
    client = await connectMcp(server, server.token({ sub: 'alice', roles: ['sre'] }), era);
  });
  afterAll(async () => {
    await client?.close();
    await stopAllServers();
    rmSync(secretsDir, { recursive: true, force: true });
  });

  it('masks the secrets in run_runbook, get_run, get_run_output, list_runs, run:// and prompts', async () => {
    const started = await callTool<{ run_id: string; status: string; output_tail: string }>(
      client,
      'run_runbook',
      { filename: 'Leaky.md', env: { DB_PASSWORD: PASSWORD } },
    );
    expect(started.isError).toBe(false);
    expect(started.structured.status).toBe('failure');
    // The script ran with the values (its lines are there), but every value is masked.
    expect(started.structured.output_tail).toContain('plain DB_PASSWORD=');
    expect(started.structured.output_tail).toContain('stderr FILE_KEY=');
    const id = started.structured.run_id;
    const seen: [string, string][] = [['run_runbook', JSON.stringify(started)]];

    const record = await callTool(client, 'get_run', { run_id: id });
    seen.push(['get_run', JSON.stringify(record)]);
    const output = await callTool(client, 'get_run_output', { run_id: id, max_lines: 100 });
    seen.push(['get_run_output', JSON.stringify(output)]);
    const listed = await callTool(client, 'list_runs', {});
    seen.push(['list_runs', JSON.stringify(listed)]);
    const resource = await client.readResource({ uri: `run://${id}` });
    seen.push(['run:// resource', JSON.stringify(resource)]);
    const prompt = await client.getPrompt({
      name: 'diagnose-failed-run',
      arguments: { run_id: id },
    });
    seen.push(['diagnose-failed-run', JSON.stringify(prompt)]);
    const runbook = await callTool(client, 'get_runbook', { filename: 'Leaky.md' });
    seen.push(['get_runbook', JSON.stringify(runbook)]);

    for (const [where, text] of seen) expectNoSecret(where, text);
    // The masked lines did reach the agent (the check above is not vacuous).
    expect(JSON.stringify(output)).toContain('plain FILE_KEY=');
  });
});
