import { HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { ApiError, apiErrorFrom, retryAfterSeconds, toApiError } from './api-error';

describe('api error mapping', () => {
  it.each([
    [0, 'network', 'Cannot reach the server'],
    [401, 'unauthorized', 'Sign-in required'],
    [403, 'forbidden', 'Access denied'],
    [404, 'not-found', 'Not found'],
    [429, 'rate-limited', 'Too many requests'],
    [400, 'invalid', 'Request rejected'],
    [413, 'invalid', 'Request rejected'],
    [500, 'server', 'Server error'],
    [503, 'server', 'Server error'],
    [302, 'unknown', 'Something went wrong'],
  ])('maps HTTP %i to %s', (status, kind, title) => {
    const error = apiErrorFrom(status, null, null);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.kind).toBe(kind);
    expect(error.title).toBe(title);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('uses the server message of a 403 (the RBAC reason)', () => {
    const error = apiErrorFrom(403, null, {
      error:
        'RBAC check failed for validate. Missing or invalid claims: roles=viewer (required: sre, api)',
    });
    expect(error.message).toContain('roles=viewer (required: sre, api)');
    expect(error.serverMessage).toContain('RBAC check failed');
  });

  it('adds the retry delay of a 429 from X-RateLimit-Reset', () => {
    const headers = new HttpHeaders({ 'X-RateLimit-Reset': '42' });
    const error = apiErrorFrom(429, headers, {
      error: 'Rate limit exceeded. Please try again later.',
    });
    expect(error.retryAfterSeconds).toBe(42);
    expect(error.message).toBe(
      'Rate limit exceeded. Please try again later. You can retry in 42 s.',
    );
  });

  it('understands Retry-After and epoch reset timestamps', () => {
    expect(retryAfterSeconds(new HttpHeaders({ 'Retry-After': '7' }), 0)).toBe(7);
    const now = 1_800_000_000_000;
    expect(retryAfterSeconds(new HttpHeaders({ 'X-RateLimit-Reset': '1800000030' }), now)).toBe(30);
    expect(retryAfterSeconds(new HttpHeaders({ 'X-RateLimit-Reset': 'soon' }), now)).toBeNull();
    expect(retryAfterSeconds(new HttpHeaders(), now)).toBeNull();
    expect(retryAfterSeconds(null, now)).toBeNull();
  });

  it('reads JSON error bodies that arrive as text, and ignores HTML', () => {
    expect(apiErrorFrom(404, null, '{"error":"Runbook not found: X.md"}').serverMessage).toBe(
      'Runbook not found: X.md',
    );
    expect(apiErrorFrom(404, null, '<html>nope</html>').serverMessage).toBeNull();
    expect(apiErrorFrom(500, null, 'plain failure').message).toBe(
      'The server failed: plain failure',
    );
  });

  it('converts HttpErrorResponse, fetch TypeErrors and unknown values', () => {
    const http = toApiError(
      new HttpErrorResponse({ status: 404, error: { error: 'Run not found' }, url: '/api/runs/x' }),
    );
    expect(http.kind).toBe('not-found');
    expect(http.message).toBe('Run not found');

    const offline = toApiError(
      new HttpErrorResponse({ status: 0, error: new ProgressEvent('error') }),
    );
    expect(offline.kind).toBe('network');

    expect(toApiError(new TypeError('Failed to fetch')).kind).toBe('network');
    const unknown = toApiError(new Error('boom'));
    expect(unknown.kind).toBe('unknown');
    expect(unknown.message).toBe('boom');
    const same = apiErrorFrom(403, null, null);
    expect(toApiError(same)).toBe(same);
    expect(toApiError('odd').message).toBe('odd');
  });

  it('keeps the parsed body (validate answers 400 with a result)', () => {
    const body = { success: false, runbook: 'X.md', errors: ['e'], warnings: [] };
    expect(apiErrorFrom(400, null, body).body).toBe(body);
  });
});
