import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { Blank } from '../../../testing/test-routes';
import { configureApp, settle, textOf } from '../../../testing/test-providers';
import { RunbookDetailPage } from './runbook-detail.page';

const CONTENT = [
  '# SimpleRunbook',
  'Prints **TEST_VAR**. <script>window.pwned = true</script><img src="x" onerror="window.pwned = true">',
  '',
  '# Environment Requirements',
  '```yaml',
  'TEST_VAR: Any text; the script prints it back',
  '```',
  '',
  '# File System Requirements',
  '```yaml',
  'Input: []',
  '```',
  '',
  '# Required Claims',
  '```yaml',
  'roles: sre, api',
  '```',
  '',
  '# Retry Policy',
  '```yaml',
  'max_attempts: 2',
  '```',
  '',
  '# Script',
  '```sh',
  'echo "$TEST_VAR"',
  '```',
  '',
  '# History',
  '',
  '### 2026-01-01T10:00:00.000Z | Exit Code: 0',
  '',
  '**Stdout:**',
  '```',
  'hello',
  '```',
  '',
  '### 2026-01-02T10:00:00.000Z | Exit Code: 403',
  '',
  '**Error:**',
  '```',
  'RBAC Failure: Access denied for user bob.',
  '```',
  '',
].join('\n');

async function render(
  listItem: object | null = { can_execute: false, executable: true },
  historyOutputHidden = false,
) {
  const app = configureApp({
    routes: [
      { path: 'runs/:id', component: Blank },
      { path: 'runs', component: Blank },
      { path: 'runbooks', component: Blank },
    ],
  });
  const fixture = TestBed.createComponent(RunbookDetailPage);
  fixture.componentRef.setInput('filename', 'SimpleRunbook.md');
  await settle(fixture);
  app.http.expectOne('/api/runbooks/SimpleRunbook.md').flush({
    success: true,
    filename: 'SimpleRunbook.md',
    name: 'SimpleRunbook',
    content: CONTENT,
    history_output_hidden: historyOutputHidden,
  });
  app.http.expectOne('/api/runbooks').flush({
    success: true,
    runbooks: listItem
      ? [
          {
            filename: 'SimpleRunbook.md',
            name: 'SimpleRunbook',
            path: 'SimpleRunbook.md',
            ...listItem,
          },
        ]
      : [],
  });
  app.http
    .expectOne((r) => r.url === '/api/runs')
    .flush({
      data: [
        {
          id: 'r1',
          status: 'failure',
          runbook: 'SimpleRunbook.md',
          requested_by: 'alice',
          created_at: '2026-01-01T00:00:00Z',
        },
      ],
      links: { next: null },
    });
  await settle(fixture);
  return { ...app, fixture, el: fixture.nativeElement as HTMLElement };
}

function buttonIn(root: ParentNode, text: string): HTMLButtonElement {
  const found = [...root.querySelectorAll('button')].find((b) => textOf(b) === text);
  if (!found) throw new Error(`no button ${text}`);
  return found;
}

async function openTab(
  fixture: { whenStable(): Promise<unknown> },
  el: HTMLElement,
  label: string,
) {
  const tab = [...el.querySelectorAll<HTMLElement>('[role="tab"]')].find((t) =>
    textOf(t).startsWith(label),
  );
  tab!.click();
  await settle(fixture);
}

describe('RunbookDetailPage', () => {
  afterEach(() => delete (window as { pwned?: boolean }).pwned);

  it('says so when the server hid the History output', async () => {
    const { el, fixture } = await render(undefined, true);
    await openTab(fixture, el, 'History');
    expect(textOf(el.querySelector('.output-hidden'))).toContain('Run output is hidden');
  });

  it('has no such note when the output is shown', async () => {
    const { el, fixture } = await render();
    await openTab(fixture, el, 'History');
    expect(el.querySelector('.output-hidden')).toBeNull();
  });

  it('shows the recognised sections and renders markdown without running scripts', async () => {
    const { el } = await render();
    expect(textOf(el.querySelector('h1'))).toBe('SimpleRunbook');
    const description = el.querySelector('.description')!;
    expect(description.innerHTML).toContain('<strong>TEST_VAR</strong>');
    expect(el.querySelector('script')).toBeNull();
    expect(el.querySelector('[onerror]')).toBeNull();
    expect((window as { pwned?: boolean }).pwned).toBeUndefined();
    const envCells = [
      ...(el.querySelector('#env-title')?.parentElement?.querySelectorAll('tbody td') ?? []),
    ];
    expect(envCells.map(textOf)).toEqual(['TEST_VAR', 'Any text; the script prints it back']);
    expect(textOf(el.querySelector('#inputs-title')?.parentElement)).toContain('None');
    expect([...el.querySelectorAll('.facts .role')].map(textOf)).toEqual(['sre', 'api']);
    expect(textOf(el.querySelector('.script'))).toBe('echo "$TEST_VAR"');
    expect(textOf(el.querySelector('.retry'))).toBe(
      'When the worker running it is lost, the run is run again: up to 2 attempts in all.',
    );
  });

  it('disables Run and Validate for a user whose roles do not allow them, saying why', async () => {
    const { el } = await render();
    expect(buttonIn(el, 'Run').disabled).toBe(true);
    expect(buttonIn(el, 'Validate').disabled).toBe(true);
    expect(buttonIn(el, 'Validate').getAttribute('aria-describedby')).toBe('access-note');
    expect(el.textContent).toContain('Your roles do not allow running or validating it');
  });

  it('enables Run when the server says so, and for an unknown listing', async () => {
    expect(
      buttonIn((await render({ can_execute: true, executable: true })).el, 'Run').disabled,
    ).toBe(false);
    TestBed.resetTestingModule();
    const { el } = await render(null);
    expect(buttonIn(el, 'Run').disabled).toBe(false);
    expect(el.textContent).toContain('Checked when you run it');
  });

  it('shows history as a timeline, newest first, and the document without History', async () => {
    const { el, fixture } = await render();
    await openTab(fixture, el, 'History (2)');
    const entries = [...el.querySelectorAll('.entry')];
    expect(entries).toHaveLength(2);
    expect(textOf(entries[0])).toContain('Denied');
    expect(textOf(entries[0])).toContain('RBAC Failure');
    expect(textOf(entries[1])).toContain('Succeeded');
    expect(textOf(entries[1])).toContain('exit code 0');

    await openTab(fixture, el, 'Document');
    const doc = el.querySelector('.document')!;
    expect(doc.querySelector('h1')?.textContent).toBe('SimpleRunbook');
    expect(doc.textContent).not.toContain('Exit Code');
    expect(doc.querySelector('script')).toBeNull();

    await openTab(fixture, el, 'Runs');
    expect(textOf(el.querySelector('.recent'))).toContain('Failed');
  });

  it('validates in a dialog: fields per variable, errors from a 400', async () => {
    const { el, fixture, http } = await render({ can_execute: true, executable: true });
    buttonIn(el, 'Validate').click();
    await settle(fixture);
    http.expectOne('/api/runbooks/SimpleRunbook.md/required-env').flush({
      success: true,
      filename: 'SimpleRunbook.md',
      required: [{ name: 'TEST_VAR', description: 'Any text' }],
      available: [],
      missing: [{ name: 'TEST_VAR', description: 'Any text' }],
    });
    await settle(fixture);
    const dialog = document.querySelector('mat-dialog-container')!;
    expect(dialog.querySelector('input[data-var="TEST_VAR"]')).not.toBeNull();
    buttonIn(dialog, 'Validate').click();
    await settle(fixture);
    const req = http.expectOne('/api/runbooks/SimpleRunbook.md/validate');
    expect(req.request.body).toEqual({ env_vars: {} });
    req.flush(
      {
        success: false,
        runbook: 'SimpleRunbook.md',
        errors: ['Required environment variable not set: TEST_VAR'],
        warnings: [],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    expect(textOf(dialog.querySelector('.result'))).toContain('The runbook is not valid');
    expect(textOf(dialog.querySelector('.result'))).toContain(
      'Required environment variable not set: TEST_VAR',
    );
    buttonIn(dialog, 'Close').click();
    await settle(fixture);
  });

  it('shows not found for a missing runbook', async () => {
    const app = configureApp({ routes: [{ path: 'runbooks', component: Blank }] });
    const fixture = TestBed.createComponent(RunbookDetailPage);
    fixture.componentRef.setInput('filename', 'Nope.md');
    await settle(fixture);
    app.http
      .expectOne('/api/runbooks/Nope.md')
      .flush({ error: 'Runbook not found: Nope.md' }, { status: 404, statusText: 'Not Found' });
    app.http.expectOne('/api/runbooks').flush({ success: true, runbooks: [] });
    app.http.expectOne((r) => r.url === '/api/runs').flush({ data: [], links: { next: null } });
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(textOf(el.querySelector('[role="alert"]'))).toContain('Runbook not found');
    expect(textOf(el.querySelector('[role="alert"]'))).toContain('Runbook not found: Nope.md');
    expect(TestBed.inject(Router).url).toBe('/');
  });
});
