import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { RunRecord } from '@runbooks/types';

import { McpRefusal } from './mcp-refusal';
import {
  createRunbooksMcpServer,
  INTERNAL_ERROR_MESSAGE,
  type McpToolCall,
} from './register-runbooks-mcp';
import { outputTail } from './runbook-prompts';
import type { McpRunQuery, McpRunRequest, RunbooksMcpBackend } from './runbooks-mcp-backend';

function record(id: string, status: string): RunRecord {
  return {
    id,
    runbook: 'deploy.md',
    status: status as RunRecord['status'],
    operation: 'execute',
    return_code: status === 'success' ? 0 : null,
    requested_by: 'alice',
    roles: ['sre'],
    correlation_id: id,
    recursion_stack: ['deploy.md'],
    labels: {},
    env_var_names: [],
    created_at: '2026-03-01T12:00:00.000Z',
    started_at: null,
    finished_at: null,
    attempt: 1,
    stdout: 'a\nb\n',
    stderr: 'oops\n',
    errors: [],
    warnings: [],
    canceled_by: null,
    cancel_reason: null,
    trigger: 'mcp',
    client: 'test/1',
    runbook_sha256: null,
    approval: null,
    scheduled_for: null,
    missed: false,
    waiting_for: null,
    queue_position: null,
  };
}

/** An in-memory backend: one runbook, runs answering with the status the test asks for. */
class MemoryBackend implements RunbooksMcpBackend {
  nextStatus = 'success';
  readonly runRequests: McpRunRequest[] = [];
  readonly queries: McpRunQuery[] = [];

  listRunbooks() {
    return Promise.resolve([
      {
        filename: 'deploy.md',
        name: 'Deploy',
        description: 'Ships it',
        can_run: true,
        required_env: [],
      },
    ]);
  }
  getRunbook(filename: string) {
    if (filename !== 'deploy.md')
      return Promise.reject(new McpRefusal('NOT_FOUND', `Runbook not found: ${filename}`));
    return Promise.resolve({
      filename,
      name: 'Deploy',
      content: '# Deploy\n',
      can_run: true,
      recent_runs: [],
    });
  }
  validateRunbook() {
    return Promise.resolve({ valid: false, errors: ['X is missing'], warnings: [] });
  }
  runRunbook(request: McpRunRequest) {
    this.runRequests.push(request);
    if (request.filename === 'boom.md') return Promise.reject(new Error('disk on fire'));
    return Promise.resolve({
      run_id: 'r1',
      status: this.nextStatus,
      return_code: null,
      output_tail: '',
    });
  }
  getRun(runId: string) {
    return Promise.resolve(record(runId, 'failure'));
  }
  getRunOutput() {
    return Promise.resolve({
      lines: [{ seq: 1, stream: 'stderr' as const, text: 'oops' }],
      next_seq: 1,
      done: true,
    });
  }
  listRuns(query: McpRunQuery) {
    this.queries.push(query);
    return Promise.resolve({ runs: [record('r1', 'success')], next_cursor: null });
  }
  cancelRun(runId: string) {
    return Promise.resolve(record(runId, 'canceled'));
  }
}

describe('createRunbooksMcpServer', () => {
  let backend: MemoryBackend;
  let client: Client;
  const calls: McpToolCall[] = [];
  const errors: unknown[] = [];

  beforeEach(async () => {
    backend = new MemoryBackend();
    calls.length = 0;
    errors.length = 0;
    const server = createRunbooksMcpServer({ name: 'runbooks', version: '0.0.0' }, backend, {
      onToolCall: (call) => calls.push(call),
      onError: (error) => errors.push(error),
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({ name: 'spec', version: '1' });
    await client.connect(clientSide);
  });
  afterEach(() => client.close());

  const callTool = async (name: string, args: Record<string, unknown> = {}) =>
    await client.callTool({ name, arguments: args });

  it('answers with structured content and the same JSON as text', async () => {
    const result = await callTool('list_runbooks');
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ runbooks: await backend.listRunbooks() });
    expect(result.content[0]).toEqual({
      type: 'text',
      text: JSON.stringify(result.structuredContent),
    });
    expect(calls).toEqual([
      expect.objectContaining({
        tool: 'list_runbooks',
        outcome: 'ok',
        message: null,
        target: null,
      }),
    ]);
  });

  it('turns refusals into isError results with their message', async () => {
    const result = await callTool('get_runbook', { filename: 'nope.md' });
    expect(result).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'Runbook not found: nope.md' }],
    });
    expect(calls[0]).toMatchObject({ outcome: 'refused', refusal: 'NOT_FOUND', target: 'nope.md' });
  });

  it('hides unexpected errors behind a generic message, reporting them to the hooks', async () => {
    const result = await callTool('run_runbook', { filename: 'boom.md' });
    expect(result).toMatchObject({ isError: true, content: [{ text: INTERNAL_ERROR_MESSAGE }] });
    expect(errors).toHaveLength(1);
    expect(calls[0]).toMatchObject({ outcome: 'error', message: 'disk on fire' });
  });

  it('refuses bad arguments as tool errors before reaching the backend', async () => {
    const result = await callTool('run_runbook', { filename: 'deploy.md', wait_seconds: 61 });
    expect(result.isError).toBe(true);
    expect(backend.runRequests).toEqual([]);
  });

  it('passes defaults and tells the agent how to follow a run that has not ended', async () => {
    backend.nextStatus = 'running';
    const running = await callTool('run_runbook', { filename: 'deploy.md', env: { A: '1' } });
    expect(backend.runRequests[0]).toEqual({
      filename: 'deploy.md',
      env: { A: '1' },
      labels: {},
      waitSeconds: 20,
    });
    expect((running.structuredContent as { message: string }).message).toContain('get_run');
    backend.nextStatus = 'pending_approval';
    const pending = await callTool('run_runbook', { filename: 'deploy.md', wait_seconds: 0 });
    expect(pending.structuredContent).toMatchObject({ status: 'pending_approval' });
    expect((pending.structuredContent as { message: string }).message).toContain(
      'No tool can approve it',
    );
    backend.nextStatus = 'success';
    const done = await callTool('run_runbook', { filename: 'deploy.md' });
    expect(done.structuredContent).not.toHaveProperty('message');
  });

  it('reads list_runs filters: one status or several, labels, cursor', async () => {
    await callTool('list_runs', { status: 'failure', labels: { env: 'prod' }, cursor: 'c1' });
    await callTool('list_runs', { status: ['failure', 'timeout'], runbook: 'deploy.md', limit: 5 });
    expect(backend.queries).toEqual([
      { limit: 20, status: ['failure'], labels: { env: 'prod' }, cursor: 'c1' },
      { limit: 5, status: ['failure', 'timeout'], runbook: 'deploy.md' },
    ]);
  });

  it('serves the other tools from the backend', async () => {
    expect(
      (await callTool('validate_runbook', { filename: 'deploy.md' })).structuredContent,
    ).toEqual({
      valid: false,
      errors: ['X is missing'],
      warnings: [],
    });
    expect((await callTool('get_run', { run_id: 'r9' })).structuredContent).toMatchObject({
      id: 'r9',
    });
    expect((await callTool('get_run_output', { run_id: 'r9' })).structuredContent).toMatchObject({
      done: true,
    });
    expect(
      (await callTool('cancel_run', { run_id: 'r9', reason: 'why' })).structuredContent,
    ).toMatchObject({
      status: 'canceled',
    });
  });

  it('lists runbooks as resources and reads runs and runbooks', async () => {
    const { resources } = await client.listResources();
    expect(resources).toEqual([
      expect.objectContaining({
        uri: 'runbook://deploy.md',
        name: 'deploy.md',
        mimeType: 'text/markdown',
      }),
    ]);
    const runbook = await client.readResource({ uri: 'runbook://deploy.md' });
    expect(runbook.contents[0]).toMatchObject({ text: '# Deploy\n' });
    const run = await client.readResource({ uri: 'run://r5' });
    expect(JSON.parse((run.contents[0] as { text: string }).text)).toMatchObject({
      id: 'r5',
      output_tail: 'a\nb\noops',
    });
  });

  it('builds both prompts', async () => {
    const diagnose = await client.getPrompt({
      name: 'diagnose-failed-run',
      arguments: { run_id: 'r7' },
    });
    const text = (diagnose.messages[0]?.content as { text: string }).text;
    expect(text).toContain('Run r7 of runbook deploy.md ended with status "failure"');
    expect(text).toContain('[stderr] oops');
    expect(text).not.toContain('"stdout"');
    const draft = await client.getPrompt({
      name: 'draft-runbook',
      arguments: { description: 'prune docker images' },
    });
    const draftText = (draft.messages[0]?.content as { text: string }).text;
    expect(draftText).toContain('prune docker images');
    expect(draftText).toContain('# Script');
  });
});

describe('outputTail', () => {
  it('keeps the last lines of stdout then stderr', () => {
    expect(outputTail('1\n2\n3\n', '4\n', 2)).toBe('3\n4');
    expect(outputTail('', '')).toBe('');
  });
});
