import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Client } from '@modelcontextprotocol/client';
import type { RunRecord } from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { callTool, connectMcp, type McpEra } from './support/mcp-client';
import { runbookText } from './support/runbook-text';
import { waitFor } from './support/wait-for';

const TOOLS = [
  'cancel_run',
  'get_run',
  'get_run_output',
  'get_runbook',
  'list_runbooks',
  'list_runs',
  'run_runbook',
  'validate_runbook',
];

const RUNBOOKS = {
  'Quick.md': runbookText({
    name: 'Quick',
    claims: { roles: 'sre' },
    script: 'echo one\necho two\necho three >&2',
  }),
  'Slow.md': runbookText({
    name: 'Slow',
    claims: { roles: 'sre' },
    env: { GO_FILE: 'The run ends once this file exists' },
    script: 'echo waiting\nwhile [[ ! -e $GO_FILE ]]; do sleep 0.05; done\necho released',
  }),
  'AdminOnly.md': runbookText({
    name: 'AdminOnly',
    claims: { roles: 'admin' },
    script: 'echo admin things',
  }),
  'Gated.md': runbookText({
    name: 'Gated',
    claims: { roles: 'sre' },
    approval: 'approvers:\n  roles: lead',
    script: 'echo approved work',
  }),
  'Needs.md': runbookText({
    name: 'Needs',
    claims: { roles: 'sre' },
    env: { TARGET: 'Host to work on' },
    script: 'echo "target=$TARGET"',
  }),
};

interface RunStarted {
  run_id: string;
  status: string;
  return_code: number | null;
  output_tail: string;
  message?: string;
}

describe('MCP server (/mcp)', () => {
  let server: ApiServer;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    server = await startApi({ runbooks: RUNBOOKS, samples: false });
    alice = server.token({ sub: 'alice', roles: ['sre'] });
    bob = server.token({ sub: 'bob', roles: ['sre'] });
  });
  afterAll(stopAllServers);

  it('an agent requests a run of a gated runbook but can never approve it', async () => {
    const agent = await connectMcp(server, alice, '2026-07-28');
    try {
      const startedAt = Date.now();
      const started = await callTool<RunStarted>(agent, 'run_runbook', {
        filename: 'Gated.md',
        wait_seconds: 20,
      });
      // Returned at once: a decision may take days.
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      expect(started.structured.status).toBe('pending_approval');
      expect(started.structured.message).toContain('No tool can approve it');
      const id = started.structured.run_id;
      const { tools } = await agent.listTools();
      expect(tools.map((tool) => tool.name).filter((name) => /approv|reject/i.test(name))).toEqual(
        [],
      );
      const record = await callTool<RunRecord>(agent, 'get_run', { run_id: id, wait_seconds: 1 });
      expect(record.structured).toMatchObject({
        status: 'pending_approval',
        approval: { required: 1, approvals: [] },
      });
      const lead = server.token({ sub: 'lena', roles: ['lead'] });
      const approved = await call<RunRecord>(server, `/api/runs/${id}/approve`, {
        method: 'POST',
        token: lead,
        json: {},
      });
      expect(approved.status).toBe(200);
      const ended = await callTool<RunRecord>(agent, 'get_run', { run_id: id, wait_seconds: 30 });
      expect(ended.structured).toMatchObject({ status: 'success', trigger: 'mcp' });
    } finally {
      await agent.close();
    }
  });

  describe.each<McpEra>(['2026-07-28', 'legacy'])('protocol era %s', (era) => {
    let client: Client;
    let bobClient: Client;

    beforeAll(async () => {
      client = await connectMcp(server, alice, era);
      bobClient = await connectMcp(server, bob, era, { name: 'other-agent', version: '0.1' });
    });
    afterAll(async () => {
      await client.close();
      await bobClient.close();
    });

    it('advertises the eight tools with schemas and truthful annotations', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
      for (const tool of tools) {
        expect(tool.inputSchema.type).toBe('object');
        expect(tool.outputSchema?.type).toBe('object');
        expect(tool.description).toMatch(/Not |not /);
        const changes = tool.name === 'run_runbook' || tool.name === 'cancel_run';
        expect(tool.annotations?.readOnlyHint).toBe(!changes);
        expect(tool.annotations?.destructiveHint).toBe(changes);
      }
    });

    it('lists runbooks as resources, the run template and both prompts', async () => {
      const { resources } = await client.listResources();
      expect(resources.map((resource) => resource.uri).sort()).toEqual([
        'runbook://AdminOnly.md',
        'runbook://Gated.md',
        'runbook://Needs.md',
        'runbook://Quick.md',
        'runbook://Slow.md',
      ]);
      const read = await client.readResource({ uri: 'runbook://Quick.md' });
      expect(read.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
      expect((read.contents[0] as { text: string }).text).toContain('# Quick');
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((template) => template.uriTemplate)).toContain('run://{id}');
      const { prompts } = await client.listPrompts();
      expect(prompts.map((prompt) => prompt.name).sort()).toEqual([
        'diagnose-failed-run',
        'draft-runbook',
      ]);
      const draft = await client.getPrompt({
        name: 'draft-runbook',
        arguments: { description: 'rotate the nginx logs' },
      });
      const draftText = (draft.messages[0]?.content as { text: string }).text;
      expect(draftText).toContain('rotate the nginx logs');
      expect(draftText).toContain('# Required Claims');
    });

    it('lists runbooks as REST does, with can_run and the variables they need', async () => {
      const { structured, text, isError } = await callTool<{
        runbooks: { filename: string; can_run: boolean; required_env: unknown[] }[];
      }>(client, 'list_runbooks');
      expect(isError).toBe(false);
      expect(JSON.parse(text)).toEqual(structured);
      const byName = new Map(structured.runbooks.map((runbook) => [runbook.filename, runbook]));
      expect(byName.get('AdminOnly.md')?.can_run).toBe(false);
      expect(byName.get('Quick.md')?.can_run).toBe(true);
      expect(byName.get('Needs.md')?.required_env).toEqual([
        {
          name: 'TARGET',
          description: 'Host to work on',
          type: 'string',
          enum: null,
          secret: false,
          required: true,
        },
      ]);
    });

    it('reads a runbook and validates one without running it', async () => {
      const runbook = await callTool<{ content: string; can_run: boolean }>(client, 'get_runbook', {
        filename: 'Needs.md',
      });
      expect(runbook.structured.content).toContain('# Needs');
      expect(runbook.structured.can_run).toBe(true);
      const invalid = await callTool<{ valid: boolean; errors: string[] }>(
        client,
        'validate_runbook',
        { filename: 'Needs.md' },
      );
      expect(invalid.isError).toBe(false);
      expect(invalid.structured.valid).toBe(false);
      expect(invalid.structured.errors.join('\n')).toContain('TARGET');
      const valid = await callTool<{ valid: boolean }>(client, 'validate_runbook', {
        filename: 'Needs.md',
        env: { TARGET: 'db1' },
      });
      expect(valid.structured.valid).toBe(true);
    });

    it('runs a runbook as the caller, recorded with trigger mcp and the client', async () => {
      const started = await callTool<RunStarted>(client, 'run_runbook', {
        filename: 'Quick.md',
        labels: { ticket: `INC-${era}` },
      });
      expect(started.isError).toBe(false);
      expect(started.structured).toMatchObject({ status: 'success', return_code: 0 });
      expect(started.structured.output_tail).toBe('one\ntwo\nthree');
      const record = await callTool<RunRecord>(client, 'get_run', {
        run_id: started.structured.run_id,
      });
      expect(record.structured).toMatchObject({
        id: started.structured.run_id,
        requested_by: 'alice',
        trigger: 'mcp',
        client: 'e2e-agent/1.2.3',
      });
      // Exactly the REST record.
      const rest = await call<RunRecord>(server, `/api/runs/${started.structured.run_id}`, {
        token: alice,
      });
      expect(record.structured).toEqual(rest.body);
      const listed = await callTool<{ runs: RunRecord[] }>(client, 'list_runs', {
        status: ['success', 'failure'],
        labels: { ticket: `INC-${era}` },
      });
      expect(listed.structured.runs.map((run) => run.id)).toEqual([started.structured.run_id]);
      const output = await callTool<{ lines: unknown[]; next_seq: number; done: boolean }>(
        client,
        'get_run_output',
        { run_id: started.structured.run_id, max_lines: 2 },
      );
      expect(output.structured.lines).toEqual([
        { seq: 1, stream: 'stdout', text: 'one' },
        { seq: 2, stream: 'stdout', text: 'two' },
      ]);
      expect(output.structured.done).toBe(false);
      const rest2 = await callTool<{ lines: unknown[]; done: boolean }>(client, 'get_run_output', {
        run_id: started.structured.run_id,
        after_seq: output.structured.next_seq,
      });
      expect(rest2.structured).toMatchObject({
        lines: [{ seq: 3, stream: 'stderr', text: 'three' }],
        done: true,
      });
      const resource = await client.readResource({ uri: `run://${started.structured.run_id}` });
      expect(JSON.parse((resource.contents[0] as { text: string }).text)).toMatchObject({
        id: started.structured.run_id,
        output_tail: 'one\ntwo\nthree',
      });
      const diagnose = await client.getPrompt({
        name: 'diagnose-failed-run',
        arguments: { run_id: started.structured.run_id },
      });
      expect((diagnose.messages[0]?.content as { text: string }).text).toContain('[stderr] three');
      expect(server.logs).toContain(
        `MCP tool run_runbook (Quick.md) by alice via e2e-agent/1.2.3: ok`,
      );
    });

    it('refuses what REST refuses, as tool errors with the REST messages', async () => {
      const denied = await callTool(client, 'run_runbook', { filename: 'AdminOnly.md' });
      expect(denied.isError).toBe(true);
      expect(denied.text).toMatch(/^RBAC check failed for execute/);
      const missing = await callTool(client, 'get_runbook', { filename: 'Missing.md' });
      expect(missing).toMatchObject({ isError: true, text: 'Runbook not found: Missing.md' });
      const traversal = await callTool(client, 'get_runbook', { filename: '../etc/passwd' });
      expect(traversal.isError).toBe(true);
      const badArgs = await callTool(client, 'run_runbook', {
        filename: 'Quick.md',
        wait_seconds: 500,
      });
      expect(badArgs.isError).toBe(true);
      const noRun = await callTool(client, 'get_run', { run_id: 'no-such-run' });
      expect(noRun).toMatchObject({ isError: true, text: 'Run not found: no-such-run' });
      const badStatus = await callTool(client, 'list_runs', { status: 'sleeping' });
      expect(badStatus).toMatchObject({ isError: true, text: 'Unknown run status: sleeping' });
    });

    it('follows a long run with get_run, and cancels another', async () => {
      const goFile = join(server.dirs.root, `go-${era}`);
      const started = await callTool<RunStarted>(client, 'run_runbook', {
        filename: 'Slow.md',
        env: { GO_FILE: goFile },
        wait_seconds: 1,
      });
      expect(started.structured.status).toBe('running');
      expect(started.structured.message).toContain('get_run');
      const id = started.structured.run_id;
      const still = await callTool<RunRecord>(client, 'get_run', { run_id: id });
      expect(still.structured.status).toBe('running');
      writeFileSync(goFile, '');
      const ended = await callTool<RunRecord>(client, 'get_run', { run_id: id, wait_seconds: 30 });
      expect(ended.structured).toMatchObject({ status: 'success', return_code: 0 });
      expect(ended.structured.stdout).toContain('released');

      const other = await callTool<RunStarted>(client, 'run_runbook', {
        filename: 'Slow.md',
        env: { GO_FILE: join(server.dirs.root, 'never') },
        wait_seconds: 0,
      });
      expect(['queued', 'running']).toContain(other.structured.status);
      // Bob may see the run (he may run Slow.md) but not stop it.
      const notHis = await callTool(bobClient, 'cancel_run', { run_id: other.structured.run_id });
      expect(notHis.isError).toBe(true);
      expect(notHis.text).toMatch(/^Only the user who started run/);
      const canceled = await callTool<RunRecord>(client, 'cancel_run', {
        run_id: other.structured.run_id,
        reason: 'agent changed its mind',
      });
      expect(canceled.structured).toMatchObject({
        status: 'canceled',
        canceled_by: 'alice',
        cancel_reason: 'agent changed its mind',
      });
      const again = await callTool(client, 'cancel_run', { run_id: other.structured.run_id });
      expect(again.isError).toBe(true);
      expect(again.text).toContain('is not active');
    });
  });

  it('records REST runs with trigger api and no client', async () => {
    const started = await call<{ run_id: string }>(server, '/api/runbooks/Quick.md/execute', {
      method: 'POST',
      token: alice,
      json: {},
    });
    const record = await call<RunRecord>(server, `/api/runs/${started.body.run_id}`, {
      token: alice,
    });
    expect(record.body).toMatchObject({ trigger: 'api', client: null });
    const sparse = await call<{ data: unknown[] }>(
      server,
      `/api/runs?fields[data]=id,trigger,client&filter[runbook]=Quick.md&limit=1`,
      { token: alice },
    );
    expect(sparse.body.data).toEqual([{ id: started.body.run_id, trigger: 'api', client: null }]);
  });

  it('answers 401 with the RFC 9728 challenge without a token, and serves the metadata', async () => {
    const response = await call(server, '/mcp', {
      method: 'POST',
      json: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      headers: { Accept: 'application/json, text/event-stream' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="http://127.0.0.1:${server.port}/.well-known/oauth-protected-resource"`,
    );
    expect(Object.keys(response.body)).toEqual(['error']);
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
    ]) {
      const metadata = await call(server, path);
      expect(metadata.status).toBe(200);
      expect(metadata.body).toMatchObject({
        resource: `http://127.0.0.1:${server.port}/mcp`,
        authorization_servers: ['dev-idp'],
      });
    }
  });

  it('serves a plain 2025-06-18 client (initialize, then a call in the same session)', async () => {
    const headers = {
      Accept: 'application/json, text/event-stream',
      'Content-Type': 'application/json',
      Authorization: `Bearer ${alice}`,
    };
    const init = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw-2025', version: '9' },
        },
      }),
    });
    expect(init.status).toBe(200);
    const session = init.headers.get('mcp-session-id') ?? '';
    const body = await init.text();
    expect(body).toContain('"protocolVersion":"2025-06-18"');
    const listed = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-06-18' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'run_runbook', arguments: { filename: 'Quick.md' } },
      }),
    });
    expect(listed.status).toBe(200);
    const text = await listed.text();
    const runId = /\\"run_id\\":\\"([^\\"]+)\\"/.exec(text)?.[1] ?? '';
    expect(runId).not.toBe('');
    const record = await call<RunRecord>(server, `/api/runs/${runId}`, { token: alice });
    expect(record.body).toMatchObject({ trigger: 'mcp', client: 'raw-2025/9' });
  });
});

describe('MCP server settings and limits', () => {
  afterAll(stopAllServers);

  it('MCP_REQUIRED_CLAIMS narrows /mcp to agent tokens; the execute limit covers run_runbook', async () => {
    const server = await startApi({
      runbooks: { 'Quick.md': RUNBOOKS['Quick.md'] },
      samples: false,
      env: {
        MCP_REQUIRED_CLAIMS: 'roles=agent',
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_PER_MINUTE: '1000',
        RATE_LIMIT_EXECUTE_PER_MINUTE: '2',
      },
    });
    const human = server.token({ sub: 'carol', roles: ['sre'] });
    const refused = await call(server, '/mcp', {
      method: 'POST',
      token: human,
      json: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      headers: { Accept: 'application/json, text/event-stream' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: 'RBAC check failed for mcp. Missing or invalid claims: roles=sre (required: agent)',
    });
    // REST stays open to the same token.
    expect((await call(server, '/api/runbooks', { token: human })).status).toBe(200);

    const agent = await connectMcp(
      server,
      server.token({ sub: 'bot', roles: ['sre', 'agent'] }),
      '2026-07-28',
    );
    const outcomes = [];
    for (let i = 0; i < 3; i++)
      outcomes.push(await callTool(agent, 'run_runbook', { filename: 'Quick.md' }));
    expect(outcomes.map((outcome) => outcome.isError)).toEqual([false, false, true]);
    expect(outcomes[2]?.text).toBe('Rate limit exceeded. Please try again later.');
    await agent.close();
    const metrics = await call(server, '/metrics');
    expect(metrics.text).toContain('runbook_rate_limit_hits_total{route="mcp:run_runbook"} 1');
    expect(metrics.text).toMatch(
      /runbook_mcp_tool_calls_total\{tool="run_runbook",outcome="refused"\} 1/,
    );
  });

  it('MCP_ENABLED=false answers 404 at /mcp and the metadata document', async () => {
    const server = await startApi({ samples: false, env: { MCP_ENABLED: 'false' } });
    const token = server.token();
    const mcp = await call(server, '/mcp', {
      method: 'POST',
      token,
      json: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    expect(mcp.status).toBe(404);
    expect((await call(server, '/.well-known/oauth-protected-resource')).status).toBe(404);
    await waitFor(async () => (await call(server, '/health/live')).status === 200, {
      timeoutMs: 5000,
      what: 'the server to stay up',
    });
  });
});
