import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

import express from 'express';

import { callerOf, gatedRunbook } from '../../testing/approval-callers';
import { RunsTestApp, runbookText } from '../../testing/runs-test-app';
import { ExecuteResponder } from './execute-responder';
import { RunSubmission, type Submission } from './run-submission.service';

/**
 * The responder behind a real HTTP server: each request submits the runbook named in the path
 * (or answers a refusal) and the responder negotiates the answer.
 */
describe('ExecuteResponder (real HTTP, embedded runs)', () => {
  let app: RunsTestApp;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    app = await RunsTestApp.start(
      {
        'Echo.md': runbookText('Echo', 'echo hello'),
        'Gated.md': gatedRunbook('Gated', 'approvers:\n  roles: [lead]'),
      },
      { ALLOW_UNSANDBOXED: 'true' },
    );
    const responder = app.get(ExecuteResponder);
    const web = express();
    web.post('/run/:file', (request, response) => {
      void (async () => {
        const file = request.params['file'] ?? '';
        let submission: Submission = await app
          .get(RunSubmission)
          .submit(app.command(file, callerOf('alice', ['sre'])));
        if (request.query['refuse'] === '1')
          submission = { ...submission, refused: 'Refused: lock db, held by run x' };
        await responder.respond(request, response, submission);
      })();
    });
    server = web.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await app.stop();
  });

  const post = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers });

  it('answers a refused run 409 with the reason, success false and the run id', async () => {
    const response = await post('/run/Echo.md?refuse=1');
    expect(response.status).toBe(409);
    const runId = response.headers.get('x-run-id');
    expect(runId).toBeTruthy();
    expect(await response.json()).toEqual({
      error: 'Refused: lock db, held by run x',
      success: false,
      run_id: runId,
    });
  });

  it('answers a run pending approval 202 at once with its gate, whatever was asked', async () => {
    const response = await post('/run/Gated.md', { accept: 'text/event-stream' });
    expect(response.status).toBe(202);
    const runId = response.headers.get('x-run-id') ?? '';
    expect(response.headers.get('location')).toBe(`/api/runs/${runId}`);
    expect(await response.json()).toMatchObject({
      run_id: runId,
      status: 'pending_approval',
      location: `/api/runs/${runId}`,
      approval: { required: 1, approvers: { roles: ['lead'] }, approvals: [] },
    });
  });

  it('answers 202 without waiting when asked to respond async', async () => {
    const response = await post('/run/Echo.md', { prefer: 'wait=1, respond-async' });
    expect(response.status).toBe(202);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'queued' });
    expect(body['approval']).toBeUndefined();
  });

  it('waits and answers 200 with the result by default', async () => {
    const response = await post('/run/Echo.md');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ success: true, stdout: 'hello\n' });
  });

  it('streams the output and a done event when asked for server-sent events', async () => {
    const response = await post('/run/Echo.md', { accept: 'text/event-stream' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(response.headers.get('x-run-id')).toBeTruthy();
    const text = await response.text();
    expect(text).toMatch(/event: stdout\n(id: \d+\n)?data: hello/);
    expect(text).toMatch(/event: done\n(id: \d+\n)?data: \{.*"success": true/);
  });
});
