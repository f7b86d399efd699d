import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { MemoryStorage, TEST_ROUTES } from '../../../testing/test-routes';
import { SESSION_STORAGE } from '../browser-tokens';
import { AuthService } from './auth.service';

function setup() {
  TestBed.configureTestingModule({
    providers: [
      provideRouter(TEST_ROUTES),
      { provide: SESSION_STORAGE, useValue: new MemoryStorage() },
    ],
  });
  return { router: TestBed.inject(Router), auth: TestBed.inject(AuthService) };
}

const session = {
  access_token: 'tok',
  token_type: 'bearer' as const,
  expires_at: '2999-01-01T00:00:00Z',
  subject: 'alice',
  roles: ['sre'],
};

describe('auth guards', () => {
  it('send signed-out users to sign-in with the deep link as return URL', async () => {
    const { router } = setup();
    await router.navigateByUrl('/runs/abc');
    expect(router.url).toBe('/sign-in?returnUrl=%2Fruns%2Fabc');
  });

  it('mention an expiry in the redirect', async () => {
    const { router, auth } = setup();
    auth.signOut('expired');
    await router.navigateByUrl('/runbooks');
    expect(router.url).toBe('/sign-in?returnUrl=%2Frunbooks&reason=expired');
  });

  it('let signed-in users through and keep them off the sign-in screen', async () => {
    const { router, auth } = setup();
    auth.signInWithDevLogin(session);
    await router.navigateByUrl('/runs/abc');
    expect(router.url).toBe('/runs/abc');
    await router.navigateByUrl('/sign-in?returnUrl=%2Fruns');
    expect(router.url).toBe('/runs');
    await router.navigateByUrl('/sign-in?returnUrl=https://evil.example');
    expect(router.url).toBe('/runbooks');
  });
});
