import type { TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { Blank } from '../../../testing/test-routes';
import { configureApp, settle, textOf } from '../../../testing/test-providers';
import { RunsPage, pageSizeOf } from './runs.page';

const RUNS = [
  {
    id: 'r2',
    runbook: 'LongRunningRunbook.md',
    status: 'running',
    requested_by: 'alice',
    labels: { team: 'core' },
    created_at: '2026-01-01T10:00:00Z',
    started_at: '2026-01-01T10:00:01Z',
    finished_at: null,
    return_code: null,
  },
  {
    id: 'r1',
    runbook: 'SimpleRunbook.md',
    status: 'success',
    requested_by: 'bob',
    labels: {},
    created_at: '2026-01-01T09:00:00Z',
    started_at: '2026-01-01T09:00:00Z',
    finished_at: '2026-01-01T09:00:03Z',
    return_code: 0,
  },
];

async function open(url: string) {
  const app = configureApp({
    routes: [
      { path: 'runs', component: RunsPage },
      { path: 'runs/:id', component: Blank },
    ],
  });
  const harness = await RouterTestingHarness.create();
  await harness.navigateByUrl(url);
  await settle(harness.fixture);
  app.http.expectOne('/api/runbooks').flush({
    success: true,
    runbooks: [
      { filename: 'LongRunningRunbook.md', name: 'L', path: 'L' },
      { filename: 'SimpleRunbook.md', name: 'S', path: 'S' },
    ],
  });
  await settle(harness.fixture);
  return { ...app, harness, el: harness.routeNativeElement as HTMLElement };
}

function runsRequest(http: {
  match: (m: (r: { url: string }) => boolean) => TestRequest[];
}): TestRequest {
  const found = http.match((r) => r.url === '/api/runs');
  if (found.length !== 1) throw new Error(`expected one runs request, got ${found.length}`);
  return found[0]!;
}

describe('RunsPage', () => {
  it('loads runs with the filters from the URL and shows them', async () => {
    const { http, harness, el } = await open(
      '/runs?status=running&runbook=LongRunningRunbook.md&user=alice&label=team%3Dcore',
    );
    const req = runsRequest(http);
    expect(req.request.params.get('filter[status]')).toBe('running');
    expect(req.request.params.get('filter[runbook]')).toBe('LongRunningRunbook.md');
    expect(req.request.params.get('filter[requested_by]')).toBe('alice');
    expect(req.request.params.get('filter[labels][team]')).toBe('core');
    expect(req.request.params.get('limit')).toBe('20');
    req.flush({ data: RUNS, links: { next: null } });
    await settle(harness.fixture);
    const rows = [...el.querySelectorAll('tr.row')];
    expect(rows).toHaveLength(2);
    expect(textOf(rows[0])).toContain('Running');
    expect(textOf(rows[0])).toContain('team=core');
    expect(textOf(rows[0])).toContain('running');
    expect(textOf(rows[1])).toContain('3s');
    expect(textOf(rows[1])).toContain('bob');
    expect(el.querySelector<HTMLInputElement>('input[name="user"]')?.value).toBe('alice');
  });

  it('shows what a queued run waits for under its status', async () => {
    const { http, harness, el } = await open('/runs');
    const queued = {
      ...RUNS[1],
      id: 'r3',
      status: 'queued',
      finished_at: null,
      return_code: null,
      waiting_for: 'lock prod-db, held by run r2',
      queue_position: 1,
    };
    runsRequest(http).flush({ data: [queued, ...RUNS], links: { next: null } });
    await settle(harness.fixture);
    const waits = [...el.querySelectorAll('.waiting-for')];
    expect(waits.map((node) => textOf(node))).toEqual(['#1 · lock prod-db, held by run r2']);
  });

  it('applies filters to the URL and clears them', async () => {
    const { http, harness, el } = await open('/runs');
    runsRequest(http).flush({ data: [], links: { next: null } });
    await settle(harness.fixture);
    expect(el.textContent).toContain('No runs yet');
    const user = el.querySelector<HTMLInputElement>('input[name="user"]')!;
    user.value = ' bob ';
    user.dispatchEvent(new Event('input'));
    const label = el.querySelector<HTMLInputElement>('input[name="label"]')!;
    label.value = 'team=core';
    label.dispatchEvent(new Event('input'));
    [...el.querySelectorAll('button')].find((b) => textOf(b) === 'Apply')!.click();
    await settle(harness.fixture);
    expect(TestBed.inject(Router).url).toBe('/runs?user=bob&label=team%3Dcore');
    const req = runsRequest(http);
    expect(req.request.params.get('filter[requested_by]')).toBe('bob');
    req.flush({ data: [], links: { next: null } });
    await settle(harness.fixture);
    expect(el.textContent).toContain('No run matches these filters');
    [...el.querySelectorAll('button')].find((b) => textOf(b) === 'Clear the filters')!.click();
    await settle(harness.fixture);
    expect(TestBed.inject(Router).url).toBe('/runs');
    runsRequest(http).flush({ data: RUNS, links: { next: null } });
  });

  it('pages forward with the cursor and back again', async () => {
    const { http, harness, el } = await open('/runs?limit=10');
    const first = runsRequest(http);
    expect(first.request.params.get('limit')).toBe('10');
    first.flush({
      data: RUNS,
      links: { next: 'http://localhost:8083/api/runs?limit=10&cursor=abc' },
    });
    await settle(harness.fixture);
    const next = [...el.querySelectorAll('button')].find((b) => textOf(b) === 'Next')!;
    const previous = [...el.querySelectorAll('button')].find((b) => textOf(b) === 'Previous')!;
    expect(previous.disabled).toBe(true);
    next.click();
    await settle(harness.fixture);
    expect(TestBed.inject(Router).url).toBe('/runs?limit=10&cursor=abc');
    const second = runsRequest(http);
    expect(second.request.params.get('cursor')).toBe('abc');
    second.flush({ data: [RUNS[1]], links: { next: null } });
    await settle(harness.fixture);
    expect(textOf(el.querySelector('.pager'))).toContain('Page 2');
    expect([...el.querySelectorAll('button')].find((b) => textOf(b) === 'Next')!.disabled).toBe(
      true,
    );
    [...el.querySelectorAll('button')].find((b) => textOf(b) === 'Previous')!.click();
    await settle(harness.fixture);
    expect(TestBed.inject(Router).url).toBe('/runs?limit=10');
    runsRequest(http).flush({ data: RUNS, links: { next: null } });
  });

  it('opens a run from its row and explains errors', async () => {
    const { http, harness, el } = await open('/runs');
    runsRequest(http).flush(
      { error: 'Rate limit exceeded. Please try again later.' },
      {
        status: 429,
        statusText: 'Too Many Requests',
        headers: { 'X-RateLimit-Reset': '12' },
      },
    );
    await settle(harness.fixture);
    expect(el.querySelector('[role="alert"]')?.getAttribute('data-kind')).toBe('rate-limited');
    expect(textOf(el.querySelector('[role="alert"]'))).toContain('Could not load the runs');
    expect(textOf(el.querySelector('[role="alert"]'))).toContain('You can retry in 12 s.');
    [...el.querySelectorAll('button')].find((b) => textOf(b) === 'Try again')!.click();
    await settle(harness.fixture);
    runsRequest(http).flush({ data: RUNS, links: { next: null } });
    await settle(harness.fixture);
    (el.querySelector('tr.row') as HTMLElement).click();
    await settle(harness.fixture);
    expect(TestBed.inject(Router).url).toBe('/runs/r2');
  });

  it('reads page sizes defensively', () => {
    expect(pageSizeOf('50')).toBe(50);
    expect(pageSizeOf('7')).toBe(20);
    expect(pageSizeOf(undefined)).toBe(20);
  });
});
