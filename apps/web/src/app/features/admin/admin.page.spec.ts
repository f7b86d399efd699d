import { TestBed } from '@angular/core/testing';
import { configureApp, settle, textOf } from '../../../testing/test-providers';
import { AdminPage, healthRows } from './admin.page';

async function render() {
  const app = configureApp({ roles: ['admin'] });
  const fixture = TestBed.createComponent(AdminPage);
  await settle(fixture);
  app.http
    .expectOne('/api/info')
    .flush({ name: 'runbooks-api', version: '0.1.0', ui_header: 'Runbooks', dev_login: true });
  app.http.expectOne('/health/live').flush({ status: 'ok', info: {}, error: {}, details: {} });
  app.http.expectOne('/health/ready').flush(
    {
      status: 'error',
      info: { runbooksDir: { status: 'up' } },
      error: { executionDir: { status: 'down', message: 'not writable' } },
      details: {
        runbooksDir: { status: 'up' },
        executionDir: { status: 'down', message: 'not writable' },
      },
    },
    { status: 503, statusText: 'Service Unavailable' },
  );
  return { ...app, fixture, el: fixture.nativeElement as HTMLElement };
}

describe('AdminPage', () => {
  it('shows token information, configuration items and health', async () => {
    const { http, fixture, el } = await render();
    http.expectOne('/api/config').flush({
      config_items: [
        { name: 'API_PORT', value: '8083', from: 'default' },
        { name: 'JWT_SECRET', value: 'secret', from: 'environment' },
      ],
      token: {
        user_id: 'alice',
        roles: ['admin'],
        remote_ip: '127.0.0.1',
        claims: { sub: 'alice' },
      },
    });
    await settle(fixture);
    expect(el.textContent).toContain('runbooks-api 0.1.0');
    expect(textOf(el.querySelector('#token-title')?.parentElement)).toContain('alice');
    expect(textOf(el.querySelector('.claims'))).toContain('"sub": "alice"');
    expect(el.querySelectorAll('tr.mat-mdc-row')).toHaveLength(2);
    expect(el.querySelector('[data-from="environment"]')).not.toBeNull();
    const probes = [...el.querySelectorAll('.probe')];
    expect(textOf(probes[0])).toContain('OK');
    expect(textOf(probes[1])).toContain('Not OK (error)');
    expect(textOf(probes[1])).toContain('executionDir: down (message: not writable)');

    const filter = el.querySelector<HTMLInputElement>('.filter input')!;
    filter.value = 'jwt';
    filter.dispatchEvent(new Event('input'));
    await settle(fixture);
    expect(el.querySelectorAll('tr.mat-mdc-row')).toHaveLength(1);
    filter.value = 'nothing-like-this';
    filter.dispatchEvent(new Event('input'));
    await settle(fixture);
    expect(el.textContent).toContain('No configuration item matches');

    el.querySelector<HTMLButtonElement>('[aria-label="Check health again"]')!.click();
    await settle(fixture);
    http.expectOne('/health/live').flush({ status: 'ok' });
    http.expectOne('/health/ready').error(new ProgressEvent('error'), { status: 0 });
    await settle(fixture);
    expect(textOf(el.querySelectorAll('.probe')[1])).toContain('Cannot reach the server');
  });

  it('tells non-admins the configuration is for administrators', async () => {
    const { http, fixture, el } = await render();
    http
      .expectOne('/api/config')
      .flush({ error: 'Admin role required' }, { status: 403, statusText: 'Forbidden' });
    await settle(fixture);
    expect(el.textContent).toContain('Administrators only');
    expect(el.textContent).toContain('Admin role required');
    expect(textOf(el.querySelector('#session-title')?.parentElement)).toContain(
      'development sign-in',
    );
  });

  it('offers a retry for other configuration errors', async () => {
    const { http, fixture, el } = await render();
    http
      .expectOne('/api/config')
      .flush({ error: 'boom' }, { status: 500, statusText: 'Server Error' });
    await settle(fixture);
    expect(el.textContent).toContain('Could not load the configuration');
  });

  it('flattens health reports', () => {
    expect(healthRows(undefined)).toEqual([]);
    expect(healthRows({ status: 'ok', details: { db: { status: 'up', latencyMs: 3 } } })).toEqual([
      { name: 'db', status: 'up', detail: 'latencyMs: 3' },
    ]);
  });
});
