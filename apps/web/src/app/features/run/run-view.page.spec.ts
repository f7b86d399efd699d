import type { TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import type { RunRecord } from '@runbooks/types';
import { ControlledBody, waitFor } from '../../../testing/fake-fetch';
import { Blank } from '../../../testing/test-routes';
import { configureApp, settle, textOf } from '../../../testing/test-providers';
import { RunViewPage, logFileName } from './run-view.page';

function record(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-1',
    runbook: 'LongRunningRunbook.md',
    status: 'running',
    operation: 'execute',
    return_code: null,
    requested_by: 'alice',
    roles: ['sre'],
    correlation_id: 'c',
    recursion_stack: [],
    labels: { team: 'core' },
    env_var_names: ['CYCLES'],
    created_at: new Date(Date.now() - 5000).toISOString(),
    started_at: new Date(Date.now() - 4000).toISOString(),
    finished_at: null,
    attempt: 1,
    stdout: '',
    stderr: '',
    errors: [],
    warnings: [],
    trigger: 'api',
    client: null,
    runbook_sha256: null,
    approval: null,
    waiting_for: null,
    queue_position: null,
    scheduled_for: null,
    missed: false,
    ...overrides,
  };
}

async function render(overrides: Partial<RunRecord> = {}) {
  const app = configureApp({
    routes: [
      { path: 'runs', component: Blank },
      { path: 'runbooks/:filename', component: Blank },
    ],
  });
  const body = new ControlledBody();
  app.net.answer({ body });
  const fixture = TestBed.createComponent(RunViewPage);
  fixture.componentRef.setInput('id', 'run-1');
  await settle(fixture);
  app.http.expectOne('/api/runs/run-1').flush(record(overrides));
  await settle(fixture);
  return { ...app, body, fixture, el: fixture.nativeElement as HTMLElement };
}

const DONE = JSON.stringify({
  success: true,
  runbook: 'LongRunningRunbook.md',
  return_code: 0,
  stdout: '',
  stderr: '',
  errors: [],
  warnings: [],
});

describe('RunViewPage', () => {
  afterEach(() => TestBed.inject(MatDialog).closeAll());

  it('streams stdout and stderr lines live, then shows the outcome', async () => {
    const { el, fixture, body, http, net } = await render();
    expect(net.requests[0]?.url).toBe('/api/runs/run-1/events');
    expect(textOf(el.querySelector('h1'))).toBe('LongRunningRunbook.md');
    expect(textOf(el.querySelector('rb-status-chip'))).toBe('Running');
    expect(textOf(el.querySelector('.summary'))).toContain('team=core');
    expect(el.textContent).toContain('Waiting for output');
    expect(el.querySelector('.stream-state')?.getAttribute('data-state')).toBe('live');

    body.write('id: 1\nevent: stdout\ndata: Starting\ndata: \n\n');
    body.write('id: 2\nevent: stderr\ndata: careful\ndata: \n\n');
    await waitFor(() => el.querySelectorAll('.line').length === 2);
    await settle(fixture);
    const lines = [...el.querySelectorAll('.line')];
    expect(
      lines.map((l) => [l.getAttribute('data-stream'), textOf(l.querySelector('.tx'))]),
    ).toEqual([
      ['stdout', 'Starting'],
      ['stderr', 'careful'],
    ]);
    expect(lines[1]?.classList.contains('err')).toBe(true);
    // Cancel is offered while the run is active.
    expect([...el.querySelectorAll('button')].some((b) => textOf(b) === 'Cancel run')).toBe(true);

    body.write(`id: 3\nevent: done\ndata: ${DONE}\n\n`);
    let reload: TestRequest[] = [];
    await waitFor(() => (reload = http.match('/api/runs/run-1')).length > 0);
    reload[0]!.flush(
      record({ status: 'success', return_code: 0, finished_at: new Date().toISOString() }),
    );
    await settle(fixture);
    expect(textOf(el.querySelector('rb-status-chip'))).toBe('Succeeded');
    expect(textOf(el.querySelector('.exit-code'))).toBe('0');
    expect(el.querySelector('.stream-state')?.getAttribute('data-state')).toBe('ended');
    expect([...el.querySelectorAll('button')].some((b) => textOf(b) === 'Cancel run')).toBe(false);
    expect(textOf(el.querySelector('[role="status"].visually-hidden'))).toBe(
      'Run succeeded, exit code 0.',
    );
  });

  it('filters streams, toggles pinning and downloads the full log', async () => {
    const { el, fixture, body } = await render();
    body.write(
      'id: 1\nevent: stdout\ndata: out\ndata: \n\nid: 2\nevent: stderr\ndata: err\ndata: \n\n',
    );
    await waitFor(() => el.querySelectorAll('.line').length === 2);

    const toggle = [...el.querySelectorAll<HTMLElement>('mat-button-toggle button')].find(
      (b) => textOf(b) === 'stderr',
    )!;
    toggle.click();
    await settle(fixture);
    expect([...el.querySelectorAll('.line .tx')].map(textOf)).toEqual(['err']);

    const pin = el.querySelector<HTMLButtonElement>('button.pin')!;
    expect(pin.getAttribute('aria-pressed')).toBe('true');
    pin.click();
    await settle(fixture);
    expect(pin.getAttribute('aria-pressed')).toBe('false');
    expect(textOf(pin)).toBe('Follow output');

    const created: Blob[] = [];
    const original = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
    URL.createObjectURL = (blob: Blob) => {
      created.push(blob);
      return 'blob:log';
    };
    URL.revokeObjectURL = () => undefined;
    let downloaded = '';
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      downloaded = this.download;
    });
    try {
      [...el.querySelectorAll('button')].find((b) => textOf(b) === 'Download log')!.click();
      expect(downloaded).toBe('LongRunningRunbook-run-1.log');
      expect(await created[0]!.text()).toBe('out\nerr\n');
      await new Promise((resolve) => setTimeout(resolve, 5));
    } finally {
      click.mockRestore();
      URL.createObjectURL = original.create;
      URL.revokeObjectURL = original.revoke;
    }
  });

  it('cancels the run after confirmation, with a reason', async () => {
    const { el, fixture, http } = await render();
    [...el.querySelectorAll('button')].find((b) => textOf(b) === 'Cancel run')!.click();
    await settle(fixture);
    const dialog = document.querySelector('mat-dialog-container') as HTMLElement;
    expect(dialog.textContent).toContain('LongRunningRunbook.md');
    const reason = dialog.querySelector<HTMLInputElement>('input[name="reason"]')!;
    reason.value = 'wrong input';
    reason.dispatchEvent(new Event('input'));
    [...dialog.querySelectorAll('button')].find((b) => textOf(b) === 'Cancel run')!.click();
    await settle(fixture);
    const req = http.expectOne('/api/runs/run-1/cancel');
    expect(req.request.body).toEqual({ reason: 'wrong input' });
    req.flush(
      record({
        status: 'canceled',
        canceled_by: 'alice',
        cancel_reason: 'wrong input',
        finished_at: new Date().toISOString(),
        return_code: -15,
      }),
    );
    await settle(fixture);
    expect(textOf(el.querySelector('rb-status-chip'))).toBe('Canceled');
    expect(textOf(el.querySelector('.summary'))).toContain('alice: wrong input');
  });

  it('says when an agent started the run through MCP, and with which client', async () => {
    const { el } = await render({ trigger: 'mcp', client: 'claude-code/2.1.0' });
    expect(textOf(el.querySelector('.trigger'))).toBe('MCP · claude-code/2.1.0');
  });

  it('shows who approved a gated run', async () => {
    const { el } = await render({
      approval: {
        required: 1,
        approvers: { roles: ['lead'] },
        allow_self_approval: false,
        approvals: [{ by: 'carol', at: new Date().toISOString(), comment: 'ok' }],
        rejected_by: null,
        reason: null,
        expires_at: new Date().toISOString(),
      },
    });
    expect(textOf(el.querySelector('.approval-state'))).toBe(
      'Approved (1 of 1) — approved by carol ("ok")',
    );
  });

  it('shows no approval line for a run without a gate', async () => {
    const { el } = await render();
    expect(el.querySelector('.approval-state')).toBeNull();
  });

  it('says what a queued run waits for and its place in line', async () => {
    const { el } = await render({
      status: 'queued',
      waiting_for: 'lock prod-db, held by run r0',
      queue_position: 2,
    });
    expect(textOf(el.querySelector('.waiting-for'))).toBe(
      'lock prod-db, held by run r0 (position 2 in line)',
    );
  });

  it('shows no wait for a run that is not waiting', async () => {
    const { el } = await render();
    expect(el.querySelector('.waiting-for')).toBeNull();
  });

  it('says nothing about the trigger of a REST run', async () => {
    const { el } = await render();
    expect(el.querySelector('.trigger')).toBeNull();
  });

  it('shows the attempt of a run retried after its worker was lost, and its notes', async () => {
    const note =
      'The worker running attempt 1 stopped (no heartbeat for 30 s); queued again for attempt 2 of 3';
    const { el } = await render({ attempt: 2, errors: [note] });
    expect(textOf(el.querySelector('.attempt'))).toBe('2');
    expect(textOf(el.querySelector('.problems'))).toContain(note);
  });

  it('shows no attempt for a run on its first attempt', async () => {
    const { el } = await render();
    expect(el.querySelector('.summary')).not.toBeNull();
    expect(el.querySelector('.attempt')).toBeNull();
  });

  it('explains a failed cancel and a missing run', async () => {
    const { el, fixture, http } = await render();
    [...el.querySelectorAll('button')].find((b) => textOf(b) === 'Cancel run')!.click();
    await settle(fixture);
    const dialog = document.querySelector('mat-dialog-container') as HTMLElement;
    [...dialog.querySelectorAll('button')].find((b) => textOf(b) === 'Cancel run')!.click();
    await settle(fixture);
    http
      .expectOne('/api/runs/run-1/cancel')
      .flush({ error: 'Run already finished' }, { status: 409, statusText: 'Conflict' });
    await settle(fixture);
    expect(el.textContent).toContain('Could not cancel the run');
    expect(el.textContent).toContain('Run already finished');
  });

  it('shows not found when the run does not exist', async () => {
    const app = configureApp({ routes: [{ path: 'runs', component: Blank }] });
    app.net.answer({ status: 404, json: { error: 'Run not found: nope' } });
    const fixture = TestBed.createComponent(RunViewPage);
    fixture.componentRef.setInput('id', 'nope');
    await settle(fixture);
    app.http
      .expectOne('/api/runs/nope')
      .flush({ error: 'Run not found: nope' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    await waitFor(() => el.textContent?.includes('Run not found') ?? false);
    await settle(fixture);
    expect(textOf(el.querySelector('[role="alert"]'))).toContain('Run not found');
    // One panel: no second red panel about the stream, no empty output box.
    expect(el.querySelectorAll('[role="alert"]')).toHaveLength(1);
    expect(el.textContent).not.toContain('The output stream stopped');
    expect(el.querySelector('.log')).toBeNull();
  });
});

describe('logFileName', () => {
  it('builds a safe file name', () => {
    expect(logFileName('Simple Runbook.md', 'a/b')).toBe('Simple_Runbook-a_b.log');
    expect(logFileName(undefined, 'x')).toBe('run-x.log');
  });
});
