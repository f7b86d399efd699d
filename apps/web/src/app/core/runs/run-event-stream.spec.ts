import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import type { ExecuteResult } from '@runbooks/types';
import { ControlledBody, FakeFetch, waitFor } from '../../../testing/fake-fetch';
import { MemoryStorage, TEST_ROUTES } from '../../../testing/test-routes';
import type { ApiError } from '../api/api-error';
import { AuthService } from '../auth/auth.service';
import { FETCH, SESSION_STORAGE } from '../browser-tokens';
import { RunEventStream, type RunStreamOptions, type RunStreamState } from './run-event-stream';

const FAST: RunStreamOptions = { retryDelaysMs: [0], maxRetries: 3, silenceTimeoutMs: 5000 };

function setup(signedIn = true) {
  const net = new FakeFetch();
  TestBed.configureTestingModule({
    providers: [
      provideRouter(TEST_ROUTES),
      { provide: SESSION_STORAGE, useValue: new MemoryStorage() },
      { provide: FETCH, useValue: net.fetch },
    ],
  });
  const auth = TestBed.inject(AuthService);
  if (signedIn) {
    auth.signInWithDevLogin({
      access_token: 'tok',
      token_type: 'bearer',
      expires_at: '2999-01-01T00:00:00Z',
      subject: 'alice',
      roles: ['sre'],
    });
  }
  const seen = {
    output: [] as [string, string][],
    done: [] as (ExecuteResult | null)[],
    states: [] as RunStreamState[],
    failures: [] as ApiError[],
  };
  const callbacks = {
    output: (stream: string, data: string) => seen.output.push([stream, data]),
    done: (result: ExecuteResult | null) => seen.done.push(result),
    state: (state: RunStreamState) => seen.states.push(state),
    failed: (error: ApiError) => seen.failures.push(error),
  };
  return { net, seen, callbacks, stream: TestBed.inject(RunEventStream), auth };
}

const DONE =
  '{"success": true, "runbook": "A.md", "return_code": 0, "stdout": "", "stderr": "", "errors": [], "warnings": []}';

describe('RunEventStream', () => {
  it('replays and tails output until done, with the token and SSE headers', async () => {
    const { net, seen, callbacks, stream } = setup();
    const body = new ControlledBody();
    net.answer({ body });
    stream.follow('run-1', callbacks, FAST);
    await waitFor(() => seen.states.includes('live'));
    expect(net.requests[0]).toMatchObject({
      url: '/api/runs/run-1/events',
      headers: { Accept: 'text/event-stream', Authorization: 'Bearer tok' },
    });
    expect(net.requests[0]?.headers['Last-Event-ID']).toBeUndefined();

    body.write('id: 1\nevent: stdout\ndata: hello\ndata: \n\n: ping\n\n');
    await waitFor(() => seen.output.length === 1);
    body.write('id: 2\nevent: stderr\ndata: oops\ndata: \n\nid: 3\nevent: done\ndata: ');
    body.write(`${DONE}\n\n`);
    await waitFor(() => seen.states.includes('ended'));
    expect(seen.output).toEqual([
      ['stdout', 'hello\n'],
      ['stderr', 'oops\n'],
    ]);
    expect(seen.done[0]).toMatchObject({ success: true, return_code: 0 });
    expect(seen.states).toEqual(['connecting', 'live', 'ended']);
    expect(body.canceled).toBe(true);
    expect(seen.failures).toEqual([]);
  });

  it('re-attaches with Last-Event-ID after a dropped stream and skips replayed events', async () => {
    const { net, seen, callbacks, stream } = setup();
    const first = new ControlledBody();
    const second = new ControlledBody();
    net.answer({ body: first });
    net.answer({ body: second });
    stream.follow('run-2', callbacks, FAST);
    first.write('id: 1\nevent: stdout\ndata: one\n\nid: 2\nevent: stdout\ndata: two\n\n');
    first.close();
    await waitFor(() => net.requests.length === 2);
    expect(net.requests[1]?.headers['Last-Event-ID']).toBe('2');
    // A server that ignores Last-Event-ID replays from the start.
    second.write('id: 1\nevent: stdout\ndata: one\n\nid: 2\nevent: stdout\ndata: two\n\n');
    second.write(`id: 3\nevent: stdout\ndata: three\n\nid: 4\nevent: done\ndata: ${DONE}\n\n`);
    await waitFor(() => seen.done.length === 1);
    expect(seen.output.map(([, d]) => d)).toEqual(['one', 'two', 'three']);
    expect(seen.states).toEqual(['connecting', 'live', 'reconnecting', 'live', 'ended']);
  });

  it('accepts a done event without its own id (it inherits the last one)', async () => {
    const { net, seen, callbacks, stream } = setup();
    const body = new ControlledBody();
    net.answer({ body });
    stream.follow('run-5', callbacks, FAST);
    body.write(': stream open\n\nevent: stdout\nid: 1\ndata: a\ndata: \n\n');
    body.write(`event: stdout\nid: 2\ndata: b\ndata: \n\nevent: done\ndata: ${DONE}\n\n`);
    await waitFor(() => seen.done.length === 1);
    expect(seen.output.map(([, d]) => d)).toEqual(['a\n', 'b\n']);
    expect(seen.states.at(-1)).toBe('ended');
  });

  it('retries server errors and network failures, then gives up', async () => {
    const { net, seen, callbacks, stream } = setup();
    net.answer({ status: 503, json: { error: 'busy' } });
    net.answer({ networkError: true });
    net.answer({ networkError: true });
    net.answer({ networkError: true });
    stream.follow('run-3', callbacks, FAST);
    await waitFor(() => seen.failures.length === 1);
    expect(net.requests).toHaveLength(4);
    expect(seen.failures[0]?.kind).toBe('network');
    expect(seen.states.at(-1)).toBe('failed');
  });

  it('stops at once on 404 and 403', async () => {
    const { net, seen, callbacks, stream } = setup();
    net.answer({ status: 404, json: { error: 'Run not found: x' } });
    stream.follow('x', callbacks, FAST);
    await waitFor(() => seen.failures.length === 1);
    expect(seen.failures[0]).toMatchObject({ kind: 'not-found', message: 'Run not found: x' });
    expect(net.requests).toHaveLength(1);
  });

  it('sends the user to sign-in on 401', async () => {
    const { net, seen, callbacks, stream, auth } = setup();
    await TestBed.inject(Router).navigateByUrl('/runs/r9');
    net.answer({ status: 401, json: { error: 'Token expired' } });
    stream.follow('r9', callbacks, FAST);
    await waitFor(() => seen.failures.length === 1);
    expect(auth.isSignedIn()).toBe(false);
    await waitFor(() => TestBed.inject(Router).url.startsWith('/sign-in'));
    expect(TestBed.inject(Router).url).toBe('/sign-in?returnUrl=%2Fruns%2Fr9&reason=unauthorized');
  });

  it('does not connect without a session', async () => {
    const { net, seen, callbacks, stream } = setup(false);
    stream.follow('r1', callbacks, FAST);
    await waitFor(() => seen.failures.length === 1);
    expect(seen.failures[0]?.kind).toBe('unauthorized');
    expect(net.requests).toHaveLength(0);
  });

  it('reconnects when the connection goes silent (no heartbeat)', async () => {
    const { net, seen, callbacks, stream } = setup();
    const silent = new ControlledBody();
    const next = new ControlledBody();
    net.answer({ body: silent });
    net.answer({ body: next });
    stream.follow('r2', callbacks, { ...FAST, silenceTimeoutMs: 30 });
    silent.write('id: 5\nevent: stdout\ndata: a\n\n');
    await waitFor(() => net.requests.length === 2);
    expect(silent.canceled).toBe(true);
    expect(net.requests[1]?.headers['Last-Event-ID']).toBe('5');
    next.write(`event: done\ndata: not json\n\n`);
    await waitFor(() => seen.done.length === 1);
    expect(seen.done).toEqual([null]);
  });

  it('stop() closes the connection and reports nothing more', async () => {
    const { net, seen, callbacks, stream } = setup();
    const body = new ControlledBody();
    net.answer({ body });
    const handle = stream.follow('r3', callbacks, FAST);
    await waitFor(() => seen.states.includes('live'));
    handle.stop();
    await waitFor(() => body.canceled);
    body.write('id: 1\nevent: stdout\ndata: late\n\n');
    await new Promise((r) => setTimeout(r, 10));
    expect(seen.output).toEqual([]);
    expect(seen.failures).toEqual([]);
  });

  it('gives up when the stream keeps closing before done', async () => {
    const { net, seen, callbacks, stream } = setup();
    for (let i = 0; i < 4; i++) {
      const body = new ControlledBody();
      body.close();
      net.answer({ body });
    }
    stream.follow('r4', callbacks, FAST);
    await waitFor(() => seen.failures.length === 1);
    expect(seen.failures[0]?.message).toContain('kept closing');
  });
});
