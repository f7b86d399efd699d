import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ApiError } from './api-error';
import { RunbooksApi, runbookPath } from './runbooks-api';

function setup() {
  TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
  return { api: TestBed.inject(RunbooksApi), backend: TestBed.inject(HttpTestingController) };
}

describe('RunbooksApi', () => {
  it('encodes the file name as one path segment', () => {
    expect(runbookPath('Simple Runbook.md', '/validate')).toBe(
      '/api/runbooks/Simple%20Runbook.md/validate',
    );
    expect(runbookPath('a/b.md')).toBe('/api/runbooks/a%2Fb.md');
  });

  it('lists runbooks (tolerating a body without the list)', async () => {
    const { api, backend } = setup();
    const list = api.list();
    backend.expectOne('/api/runbooks').flush({
      success: true,
      runbooks: [{ filename: 'A.md', name: 'A', path: 'A.md' }],
    });
    await expect(list).resolves.toEqual([{ filename: 'A.md', name: 'A', path: 'A.md' }]);
    const empty = api.list();
    backend.expectOne('/api/runbooks').flush({ success: true });
    await expect(empty).resolves.toEqual([]);
  });

  it('gets content and required env', async () => {
    const { api, backend } = setup();
    const content = api.get('A.md');
    backend
      .expectOne('/api/runbooks/A.md')
      .flush({ success: true, filename: 'A.md', name: 'A', content: '# A' });
    await expect(content).resolves.toMatchObject({ content: '# A' });
    const env = api.requiredEnv('A.md');
    backend
      .expectOne('/api/runbooks/A.md/required-env')
      .flush({ success: true, filename: 'A.md', required: [], available: [], missing: [] });
    await expect(env).resolves.toMatchObject({ required: [] });
  });

  it('returns an invalid runbook (400) as a validation result', async () => {
    const { api, backend } = setup();
    const result = api.validate('SimpleRunbook.md', { TEST_VAR: 'x' });
    const req = backend.expectOne('/api/runbooks/SimpleRunbook.md/validate');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ env_vars: { TEST_VAR: 'x' } });
    const body = {
      success: false,
      runbook: 'SimpleRunbook.md',
      errors: ['Required environment variable not set: TEST_VAR'],
      warnings: [],
    };
    req.flush(body, { status: 400, statusText: 'Bad Request' });
    await expect(result).resolves.toEqual(body);
  });

  it('throws a forbidden ApiError with the RBAC message on 403', async () => {
    const { api, backend } = setup();
    const result = api.validate('SimpleRunbook.md', {});
    const message =
      'RBAC check failed for validate. Missing or invalid claims: roles=viewer (required: sre, api)';
    backend
      .expectOne('/api/runbooks/SimpleRunbook.md/validate')
      .flush({ error: message }, { status: 403, statusText: 'Forbidden' });
    await expect(result).rejects.toMatchObject({ kind: 'forbidden', message });
  });

  it('a 400 without a result body is an error', async () => {
    const { api, backend } = setup();
    const result = api.validate('X.md', {});
    backend
      .expectOne('/api/runbooks/X.md/validate')
      .flush({ error: 'Invalid runbook filename' }, { status: 400, statusText: 'Bad Request' });
    await expect(result).rejects.toBeInstanceOf(ApiError);
  });

  it('starts a run asynchronously and returns its id', async () => {
    const { api, backend } = setup();
    const started = api.start('LongRunningRunbook.md', {
      env_vars: { CYCLES: '3' },
      labels: { team: 'core' },
    });
    const req = backend.expectOne('/api/runbooks/LongRunningRunbook.md/execute');
    expect(req.request.method).toBe('POST');
    expect(req.request.headers.get('Prefer')).toBe('respond-async');
    expect(req.request.body).toEqual({ env_vars: { CYCLES: '3' }, labels: { team: 'core' } });
    req.flush(
      { run_id: 'r-1', status: 'queued', location: '/api/runs/r-1' },
      { status: 202, statusText: 'Accepted', headers: { Location: '/api/runs/r-1' } },
    );
    await expect(started).resolves.toBe('r-1');
  });

  it('finds the run id of a synchronous answer in its header or Location', async () => {
    const { api, backend } = setup();
    const viaHeader = api.start('A.md', {});
    backend
      .expectOne('/api/runbooks/A.md/execute')
      .flush(
        { success: true, runbook: 'A.md', return_code: 0 },
        { headers: { 'X-Run-Id': 'r-2' } },
      );
    await expect(viaHeader).resolves.toBe('r-2');
    const viaLocation = api.start('A.md', {});
    backend
      .expectOne('/api/runbooks/A.md/execute')
      .flush(null, { status: 202, statusText: 'Accepted', headers: { Location: '/api/runs/r-3' } });
    await expect(viaLocation).resolves.toBe('r-3');
    const none = api.start('A.md', {});
    backend.expectOne('/api/runbooks/A.md/execute').flush({ success: true });
    await expect(none).rejects.toMatchObject({ kind: 'unknown' });
  });

  it('maps rate limiting on execute', async () => {
    const { api, backend } = setup();
    const started = api.start('A.md', {});
    backend
      .expectOne('/api/runbooks/A.md/execute')
      .flush(
        { error: 'Rate limit exceeded. Please try again later.' },
        { status: 429, statusText: 'Too Many Requests', headers: { 'X-RateLimit-Reset': '30' } },
      );
    await expect(started).rejects.toMatchObject({ kind: 'rate-limited', retryAfterSeconds: 30 });
  });
});
