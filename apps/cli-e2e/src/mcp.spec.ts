import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { RunRecord } from '@runbooks/types';
import { ApiProcess } from './support/api-process';
import { CLI_MAIN } from './support/paths';
import { Sandbox } from './support/sandbox';

interface Outcome<T> {
  isError: boolean;
  structured: T;
  text: string;
}

interface RunStarted {
  run_id: string;
  status: string;
  return_code: number | null;
  output_tail: string;
}

const SLOW = `# Slow
Waits until a file exists.

# Environment Requirements
\`\`\`yaml
GO_FILE: The run ends once this file exists
\`\`\`

# File System Requirements
\`\`\`yaml
Input: []
\`\`\`

# Script
\`\`\`sh
echo waiting
while [[ ! -e $GO_FILE ]]; do sleep 0.05; done
echo released
\`\`\`

# History
`;

/** `runbook mcp` started by the SDK's stdio client, as a desktop agent starts it. */
async function connect(
  box: Sandbox,
  mode: 'auto' | 'legacy',
  env: Record<string, string> = {},
): Promise<Client> {
  const client = new Client(
    { name: 'cli-e2e-agent', version: '2.0' },
    { versionNegotiation: { mode } },
  );
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI_MAIN, 'mcp'],
      env: box.env(env),
      cwd: box.root,
      stderr: 'ignore',
    }),
  );
  return client;
}

async function callTool<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<Outcome<T>> {
  const result = await client.callTool({ name, arguments: args });
  const first = result.content[0];
  return {
    isError: result.isError === true,
    structured: result.structuredContent as T,
    text: first?.type === 'text' ? first.text : '',
  };
}

describe('runbook mcp (stdio, local mode)', () => {
  let box: Sandbox;

  beforeAll(() => {
    box = new Sandbox();
    writeFileSync(join(box.runbooks, 'Slow.md'), SLOW);
  });
  afterAll(() => box.remove());

  describe.each(['auto', 'legacy'] as const)('negotiation %s', (mode) => {
    let client: Client;
    beforeAll(async () => {
      client = await connect(box, mode);
    });
    afterAll(() => client.close());

    it('lists the local runbooks with the eight tools', async () => {
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(8);
      const listed = await callTool<{ runbooks: { filename: string; required_env: unknown[] }[] }>(
        client,
        'list_runbooks',
      );
      const simple = listed.structured.runbooks.find((r) => r.filename === 'SimpleRunbook.md');
      expect(simple?.required_env).toEqual([
        expect.objectContaining({ name: 'TEST_VAR', type: 'string', required: true }),
      ]);
    });

    it('runs a runbook on this machine, recorded as an MCP run and in its History', async () => {
      const started = await callTool<RunStarted>(client, 'run_runbook', {
        filename: 'SimpleRunbook.md',
        env: { TEST_VAR: `hello-${mode}` },
      });
      expect(started.structured).toMatchObject({ status: 'success', return_code: 0 });
      expect(started.structured.output_tail).toContain(`Test variable value: hello-${mode}`);
      const record = await callTool<RunRecord>(client, 'get_run', {
        run_id: started.structured.run_id,
      });
      expect(record.structured).toMatchObject({
        trigger: 'mcp',
        client: 'cli-e2e-agent/2.0',
        status: 'success',
      });
      expect(box.read('SimpleRunbook.md')).toContain(`hello-${mode}`);
    });

    it('refuses names outside the folder and unknown runbooks', async () => {
      const escape = await callTool(client, 'get_runbook', { filename: '../config/x.md' });
      expect(escape.isError).toBe(true);
      const missing = await callTool(client, 'get_runbook', { filename: 'Missing.md' });
      expect(missing).toMatchObject({ isError: true, text: 'Runbook not found: Missing.md' });
    });

    it('follows a running run and cancels it', async () => {
      const started = await callTool<RunStarted>(client, 'run_runbook', {
        filename: 'Slow.md',
        env: { GO_FILE: join(box.root, `never-${mode}`) },
        wait_seconds: 0,
      });
      expect(started.structured.status).toBe('running');
      const canceled = await callTool<RunRecord>(client, 'cancel_run', {
        run_id: started.structured.run_id,
        reason: 'test',
      });
      expect(canceled.structured).toMatchObject({ status: 'canceled', cancel_reason: 'test' });
    });
  });

  it('teaches the format with an example that validates', async () => {
    const client = await connect(box, 'auto');
    try {
      const prompt = await client.getPrompt({
        name: 'draft-runbook',
        arguments: { description: 'restart a worker' },
      });
      const text = (prompt.messages[0]?.content as { text: string }).text;
      const example = /````markdown\n([\s\S]*?)\n````/.exec(text)?.[1] ?? '';
      writeFileSync(join(box.runbooks, 'RestartWorker.md'), `${example}\n`);
      const validated = await callTool<{ valid: boolean; errors: string[] }>(
        client,
        'validate_runbook',
        { filename: 'RestartWorker.md', env: { SERVICE_NAME: 'billing-worker' } },
      );
      expect(validated.structured).toMatchObject({ valid: true, errors: [] });
    } finally {
      await client.close();
    }
  });
});

describe('runbook mcp (stdio, proxy to a server)', () => {
  let api: ApiProcess;
  let box: Sandbox;

  beforeAll(async () => {
    api = await ApiProcess.start();
    box = new Sandbox();
    const login = await box.run(['login', '--subject', 'alice', '--roles', 'sre,api'], {
      RUNBOOK_API_URL: api.url,
    });
    expect(login.code).toBe(0);
  });
  afterAll(async () => {
    box?.remove();
    await api?.stop();
  });

  it('forwards tool calls with the login token; the server records the agent', async () => {
    const client = await connect(box, 'auto', { RUNBOOK_API_URL: api.url });
    try {
      const started = await callTool<RunStarted>(client, 'run_runbook', {
        filename: 'SimpleRunbook.md',
        env: { TEST_VAR: 'via-proxy' },
      });
      expect(started.structured.status).toBe('success');
      const response = await box.run(['runs', '--json', '--limit', '5'], {
        RUNBOOK_API_URL: api.url,
      });
      const runs = (JSON.parse(response.stdout) as { data: RunRecord[] }).data;
      expect(runs.find((run) => run.id === started.structured.run_id)).toMatchObject({
        requested_by: 'alice',
        trigger: 'mcp',
        client: 'cli-e2e-agent/2.0',
      });
      const table = await box.run(['runs', '--limit', '5'], { RUNBOOK_API_URL: api.url });
      expect(table.stdout).toMatch(
        new RegExp(
          `${started.structured.run_id}\\s+SimpleRunbook\\.md\\s+success\\s+0\\s+alice\\s+mcp:cli-e2e-agent/2\\.0\\s`,
        ),
      );
      const logs = await box.run(['logs', started.structured.run_id], { RUNBOOK_API_URL: api.url });
      expect(logs.stdout).toContain('via-proxy');
      expect(logs.stderr).toContain('was started through MCP by alice with cli-e2e-agent/2.0');
      const missing = await callTool(client, 'get_runbook', { filename: 'Missing.md' });
      expect(missing).toMatchObject({ isError: true, text: 'Runbook not found: Missing.md' });
    } finally {
      await client.close();
    }
  });
});
