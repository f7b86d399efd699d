import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { RunsApi, cursorFromNextLink, runListParams } from './runs-api';

function setup() {
  TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
  return { api: TestBed.inject(RunsApi), backend: TestBed.inject(HttpTestingController) };
}

describe('RunsApi', () => {
  it('builds filter[...] parameters, skipping blanks', () => {
    const params = runListParams(
      { status: 'running', runbook: ' A.md ', requestedBy: 'alice', label: 'team = core' },
      20,
      'c1',
    );
    expect(params.get('limit')).toBe('20');
    expect(params.get('filter[status]')).toBe('running');
    expect(params.get('filter[runbook]')).toBe('A.md');
    expect(params.get('filter[requested_by]')).toBe('alice');
    expect(params.get('filter[labels][team]')).toBe('core');
    expect(params.get('cursor')).toBe('c1');
    const bare = runListParams({ status: '', runbook: ' ', label: '=x' }, 10, null);
    expect(bare.keys()).toEqual(['limit']);
    // A label filter that is not key=value is refused by the page; it never becomes a filter.
    expect(runListParams({ label: 'flag' }, 10, null).keys()).toEqual(['limit']);
  });

  it('reads the cursor from absolute and relative next links', () => {
    expect(cursorFromNextLink('http://h:8083/api/runs?limit=20&cursor=abc%3D')).toBe('abc=');
    expect(cursorFromNextLink('/api/runs?cursor=xyz')).toBe('xyz');
    expect(cursorFromNextLink(null)).toBeNull();
    expect(cursorFromNextLink('/api/runs?limit=2')).toBeNull();
  });

  it('lists a page of runs', async () => {
    const { api, backend } = setup();
    const page = api.list({ status: 'success' }, 10);
    const req = backend.expectOne((r) => r.url === '/api/runs');
    expect(req.request.urlWithParams).toBe('/api/runs?filter%5Bstatus%5D=success&limit=10');
    req.flush({ data: [{ id: 'r1' }], links: { next: '/api/runs?cursor=n1' } });
    await expect(page).resolves.toEqual({ runs: [{ id: 'r1' }], nextCursor: 'n1' });
  });

  it('gets and cancels a run', async () => {
    const { api, backend } = setup();
    const got = api.get('r/1');
    backend.expectOne('/api/runs/r%2F1').flush({ id: 'r/1', status: 'running' });
    await expect(got).resolves.toMatchObject({ status: 'running' });

    const canceled = api.cancel('r1', '  wrong input ');
    const req = backend.expectOne('/api/runs/r1/cancel');
    expect(req.request.body).toEqual({ reason: 'wrong input' });
    req.flush({ id: 'r1', status: 'canceled' });
    await expect(canceled).resolves.toMatchObject({ status: 'canceled' });

    const noReason = api.cancel('r1', ' ');
    const req2 = backend.expectOne('/api/runs/r1/cancel');
    expect(req2.request.body).toEqual({});
    req2.flush({ error: 'Run not found' }, { status: 404, statusText: 'Not Found' });
    await expect(noReason).rejects.toMatchObject({ kind: 'not-found' });
  });
});
