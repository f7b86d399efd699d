import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { SystemApi } from './system-api';

function setup() {
  TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
  return { api: TestBed.inject(SystemApi), backend: TestBed.inject(HttpTestingController) };
}

describe('SystemApi', () => {
  it('reads info, dev-login and config', async () => {
    const { api, backend } = setup();
    const info = api.info();
    backend
      .expectOne('/api/info')
      .flush({ name: 'runbooks', version: '1', ui_header: 'X', dev_login: true });
    await expect(info).resolves.toMatchObject({ dev_login: true });

    const login = api.devLogin({ roles: ['sre'] });
    const req = backend.expectOne('/dev-login');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ roles: ['sre'] });
    req.flush({ access_token: 't' });
    await expect(login).resolves.toMatchObject({ access_token: 't' });

    const config = api.config();
    backend
      .expectOne('/api/config')
      .flush({ error: 'admin only' }, { status: 403, statusText: 'Forbidden' });
    await expect(config).rejects.toMatchObject({ kind: 'forbidden', message: 'admin only' });
  });

  it('checks a pasted token with its own Authorization header', async () => {
    const { api, backend } = setup();
    const check = api.checkToken('abc');
    const req = backend.expectOne('/api/runbooks');
    expect(req.request.headers.get('Authorization')).toBe('Bearer abc');
    req.flush({ error: 'Invalid token' }, { status: 401, statusText: 'Unauthorized' });
    await expect(check).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('treats a 503 terminus body as a health report', async () => {
    const { api, backend } = setup();
    const ready = api.health('ready');
    const body = {
      status: 'error',
      info: {},
      error: { executionDir: { status: 'down', message: 'not writable' } },
      details: { executionDir: { status: 'down', message: 'not writable' } },
    };
    backend
      .expectOne('/health/ready')
      .flush(body, { status: 503, statusText: 'Service Unavailable' });
    await expect(ready).resolves.toEqual(body);

    const live = api.health('live');
    backend.expectOne('/health/live').error(new ProgressEvent('error'), { status: 0 });
    await expect(live).rejects.toMatchObject({ kind: 'network' });
  });
});
