import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';
import { makeJwt } from '../../../testing/make-jwt';
import { configureApp, settle, textOf } from '../../../testing/test-providers';
import { SignInPage } from './sign-in.page';

const INFO = { name: 'runbooks', version: '0.1.0', ui_header: 'Ops Runbooks', dev_login: true };

async function render(inputs: Record<string, string> = {}, info: object | null = INFO) {
  const app = configureApp({ signedIn: false });
  const fixture = TestBed.createComponent(SignInPage);
  for (const [k, v] of Object.entries(inputs)) fixture.componentRef.setInput(k, v);
  await settle(fixture);
  const infoReq = app.http.expectOne('/api/info');
  if (info) infoReq.flush(info);
  else infoReq.flush({ error: 'down' }, { status: 502, statusText: 'Bad Gateway' });
  await settle(fixture);
  return { ...app, fixture, el: fixture.nativeElement as HTMLElement };
}

function button(el: HTMLElement, text: string): HTMLButtonElement {
  const found = [...el.querySelectorAll('button')].find((b) => textOf(b) === text);
  if (!found) throw new Error(`no button ${text}`);
  return found;
}

describe('SignInPage', () => {
  it('shows the server header, dev-login and the token form', async () => {
    const { el } = await render();
    expect(textOf(el.querySelector('h1'))).toBe('Sign in to Ops Runbooks');
    expect(el.querySelector('#dev-login-title')).not.toBeNull();
    expect(el.querySelector('#token-title')).not.toBeNull();
    expect([...el.querySelectorAll('.quick-buttons button')].map(textOf)).toEqual([
      'SRE',
      'Data',
      'API',
      'UX',
      'Admin',
      'Viewer',
    ]);
  });

  it('hides dev-login when the server does not offer it', async () => {
    const { el } = await render({}, { ...INFO, dev_login: false });
    expect(el.querySelector('#dev-login-title')).toBeNull();
    expect(el.querySelector('#token-title')).not.toBeNull();
  });

  it('quick sign-in posts one role and returns to where the user was', async () => {
    const { el, http, fixture, auth } = await render({ returnUrl: '/runs/r1' });
    button(el, 'SRE').click();
    await settle(fixture);
    const req = http.expectOne('/dev-login');
    expect(req.request.body).toEqual({ roles: ['sre'] });
    req.flush({
      access_token: 'tok',
      token_type: 'bearer',
      expires_at: '2999-01-01T00:00:00+00:00',
      subject: 'dev-user-1',
      roles: ['sre'],
    });
    await settle(fixture);
    expect(auth.session()?.subject).toBe('dev-user-1');
    expect(TestBed.inject(Router).url).toBe('/runs/r1');
  });

  it('the form sends the subject and chip roles; errors are shown', async () => {
    const { el, http, fixture, auth } = await render();
    const subject = el.querySelector<HTMLInputElement>('input[name="subject"]')!;
    subject.value = 'carol';
    subject.dispatchEvent(new Event('input'));
    const roleInput = el.querySelector<HTMLInputElement>('input[name="role-input"]')!;
    roleInput.value = 'data, ux';
    roleInput.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', keyCode: 13 }));
    await settle(fixture);
    button(el, 'Sign in').click();
    await settle(fixture);
    const req = http.expectOne('/dev-login');
    expect(req.request.body).toEqual({ subject: 'carol', roles: ['sre', 'api', 'data', 'ux'] });
    req.flush({ error: 'Not found' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect(textOf(el.querySelector('[role="alert"]'))).toContain('Sign-in failed');
    expect(textOf(el.querySelector('[role="alert"]'))).toContain('Not found');
    expect(auth.isSignedIn()).toBe(false);
  });

  it('checks a pasted token with the server before keeping it', async () => {
    const { el, http, fixture, auth } = await render({ returnUrl: '/runs' });
    const token = makeJwt({ sub: 'idp-user', roles: ['admin'], exp: 4_000_000_000 });
    const area = el.querySelector<HTMLTextAreaElement>('textarea[name="token"]')!;
    area.value = `Bearer ${token}`;
    area.dispatchEvent(new Event('input'));
    button(el, 'Use token').click();
    await settle(fixture);
    const req = http.expectOne('/api/runbooks');
    expect(req.request.headers.get('Authorization')).toBe(`Bearer ${token}`);
    req.flush({ success: true, runbooks: [] });
    await settle(fixture);
    expect(auth.session()).toMatchObject({ subject: 'idp-user', source: 'token' });
    expect(TestBed.inject(Router).url).toBe('/runs');
  });

  it('explains rejected, malformed and empty tokens', async () => {
    const { el, http, fixture, auth } = await render();
    const area = el.querySelector<HTMLTextAreaElement>('textarea[name="token"]')!;
    button(el, 'Use token').click();
    await settle(fixture);
    expect(el.textContent).toContain('Paste a token first.');

    area.value = makeJwt({ sub: 'x', exp: 4_000_000_000 });
    area.dispatchEvent(new Event('input'));
    button(el, 'Use token').click();
    await settle(fixture);
    http
      .expectOne('/api/runbooks')
      .flush({ error: 'Invalid token' }, { status: 401, statusText: 'Unauthorized' });
    await settle(fixture);
    expect(el.textContent).toContain('The server rejected this token: Invalid token');

    area.value = 'abc';
    area.dispatchEvent(new Event('input'));
    button(el, 'Use token').click();
    await settle(fixture);
    http.expectNone('/api/runbooks');
    expect(el.textContent).toContain('not a JSON Web Token');
    expect(auth.isSignedIn()).toBe(false);

    area.value = makeJwt({ sub: 'x', exp: 4_000_000_000 });
    area.dispatchEvent(new Event('input'));

    button(el, 'Use token').click();
    await settle(fixture);
    http.expectOne('/api/runbooks').error(new ProgressEvent('error'), { status: 0 });
    await settle(fixture);
    expect(el.textContent).toContain('Could not check the token');
  });

  it('explains why the user is back, and survives a server without /api/info', async () => {
    const { el } = await render({ reason: 'expired' }, null);
    expect(el.textContent).toContain('Your session expired');
    expect(el.textContent).toContain('Server information unavailable');
    // Without info, dev-login is still offered (the server answers 404 if it is off).
    expect(el.querySelector('#dev-login-title')).not.toBeNull();
  });
});
