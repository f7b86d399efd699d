import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { MemoryStorage, TEST_ROUTES } from '../../../testing/test-routes';
import { SESSION_STORAGE } from '../browser-tokens';
import { authInterceptor, needsToken } from './auth.interceptor';
import { AuthService } from './auth.service';

function setup() {
  TestBed.configureTestingModule({
    providers: [
      provideRouter(TEST_ROUTES),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
      { provide: SESSION_STORAGE, useValue: new MemoryStorage() },
    ],
  });
  const auth = TestBed.inject(AuthService);
  return {
    auth,
    http: TestBed.inject(HttpClient),
    backend: TestBed.inject(HttpTestingController),
    router: TestBed.inject(Router),
    signIn: () =>
      auth.signInWithDevLogin({
        access_token: 'tok',
        token_type: 'bearer',
        expires_at: '2999-01-01T00:00:00Z',
        subject: 'alice',
        roles: ['sre'],
      }),
  };
}

describe('authInterceptor', () => {
  it('knows which URLs need a token', () => {
    expect(needsToken('/api/runbooks')).toBe(true);
    expect(needsToken('http://host:8083/api/runs?x=1')).toBe(true);
    expect(needsToken('/api/info')).toBe(false);
    expect(needsToken('/dev-login')).toBe(false);
    expect(needsToken('/health/ready')).toBe(false);
  });

  it('adds the bearer token to API calls only', async () => {
    const { http, backend, signIn } = setup();
    signIn();
    const list = firstValueFrom(http.get('/api/runbooks'));
    const req = backend.expectOne('/api/runbooks');
    expect(req.request.headers.get('Authorization')).toBe('Bearer tok');
    req.flush({ success: true, runbooks: [] });
    await list;

    const info = firstValueFrom(http.get('/api/info'));
    const infoReq = backend.expectOne('/api/info');
    expect(infoReq.request.headers.has('Authorization')).toBe(false);
    infoReq.flush({});
    await info;
    backend.verify();
  });

  it('leaves a request that brings its own token alone', async () => {
    const { http, backend } = setup();
    const call = firstValueFrom(
      http.get('/api/runbooks', { headers: { Authorization: 'Bearer pasted' } }),
    );
    const req = backend.expectOne('/api/runbooks');
    expect(req.request.headers.get('Authorization')).toBe('Bearer pasted');
    req.flush({ error: 'Invalid token' }, { status: 401, statusText: 'Unauthorized' });
    await expect(call).rejects.toMatchObject({ status: 401 });
  });

  it('on 401 ends the session and sends the user to sign-in with a return URL', async () => {
    const { http, backend, router, auth, signIn } = setup();
    signIn();
    await router.navigateByUrl('/runs/r1');
    const call = firstValueFrom(http.get('/api/runs/r1'));
    backend
      .expectOne('/api/runs/r1')
      .flush({ error: 'Token expired' }, { status: 401, statusText: 'Unauthorized' });
    await expect(call).rejects.toMatchObject({ status: 401 });
    await new Promise((r) => setTimeout(r, 0));
    expect(auth.session()).toBeNull();
    expect(auth.lastSignOutReason()).toBe('unauthorized');
    expect(router.url).toBe('/sign-in?returnUrl=%2Fruns%2Fr1&reason=unauthorized');
  });

  it('does not send a protected call without a session', async () => {
    const { http, backend } = setup();
    await expect(firstValueFrom(http.get('/api/runs'))).rejects.toMatchObject({ status: 401 });
    backend.expectNone('/api/runs');
  });

  it('passes other errors through untouched', async () => {
    const { http, backend, auth, signIn } = setup();
    signIn();
    const call = firstValueFrom(http.get('/api/config'));
    backend
      .expectOne('/api/config')
      .flush({ error: 'no' }, { status: 403, statusText: 'Forbidden' });
    await expect(call).rejects.toMatchObject({ status: 403 });
    expect(auth.isSignedIn()).toBe(true);
  });
});
