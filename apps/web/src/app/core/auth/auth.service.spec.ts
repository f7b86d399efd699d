import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { makeJwt } from '../../../testing/make-jwt';
import { MemoryStorage, TEST_ROUTES, TestClock } from '../../../testing/test-routes';
import { CLOCK, SESSION_STORAGE } from '../browser-tokens';
import { AuthService, safeReturnUrl, type Session } from './auth.service';
import { TokenFormatError } from './jwt-claims';

const KEY = 'runbooks.session';

function setup(storage = new MemoryStorage(), clock = new TestClock()) {
  TestBed.configureTestingModule({
    providers: [
      provideRouter(TEST_ROUTES),
      { provide: SESSION_STORAGE, useValue: storage },
      { provide: CLOCK, useValue: clock.now },
    ],
  });
  return { auth: TestBed.inject(AuthService), router: TestBed.inject(Router), storage, clock };
}

function devLogin(expiresAt: string, roles: string[] | string = ['sre']) {
  return {
    access_token: makeJwt({ sub: 'alice', roles }),
    token_type: 'bearer' as const,
    expires_at: expiresAt,
    subject: 'alice',
    roles,
  };
}

describe('AuthService', () => {
  afterEach(() => jest.useRealTimers());

  it('starts signed out and signs in from a dev-login answer, persisting per tab', () => {
    const { auth, storage, clock } = setup();
    expect(auth.isSignedIn()).toBe(false);
    expect(auth.currentToken()).toBeNull();
    const session = auth.signInWithDevLogin(
      devLogin('2026-06-01T13:00:00.123456+00:00', 'sre, api'),
    );
    expect(session.roles).toEqual(['sre', 'api']);
    expect(session.expiresAt).toBe(Date.parse('2026-06-01T13:00:00.123Z'));
    expect(auth.currentToken()).toBe(session.token);
    expect(JSON.parse(storage.getItem(KEY) ?? 'null')).toMatchObject({ subject: 'alice' });
    expect(clock.nowMs).toBeLessThan(session.expiresAt ?? 0);
  });

  it('falls back to the token exp when expires_at is not a date', () => {
    const { auth } = setup();
    const response = {
      ...devLogin('soon'),
      access_token: makeJwt({ sub: 'a', exp: 1_900_000_000 }),
    };
    expect(auth.signInWithDevLogin(response).expiresAt).toBe(1_900_000_000_000);
    const noExp = { ...devLogin('never'), access_token: 'opaque' };
    expect(auth.signInWithDevLogin(noExp).expiresAt).toBeNull();
  });

  it('restores a stored session and drops an expired one, remembering why', () => {
    const clock = new TestClock();
    const valid: Session = {
      token: 't',
      subject: 's',
      roles: [],
      expiresAt: clock.nowMs + 60_000,
      source: 'token',
    };
    const storage = new MemoryStorage();
    storage.setItem(KEY, JSON.stringify(valid));
    expect(setup(storage, clock).auth.session()).toEqual(valid);

    TestBed.resetTestingModule();
    storage.setItem(KEY, JSON.stringify({ ...valid, expiresAt: clock.nowMs - 1 }));
    const { auth } = setup(storage, clock);
    expect(auth.session()).toBeNull();
    expect(auth.lastSignOutReason()).toBe('expired');
    expect(storage.getItem(KEY)).toBeNull();
  });

  it('ignores unreadable stored sessions', () => {
    const storage = new MemoryStorage();
    storage.setItem(KEY, '{not json');
    expect(setup(storage).auth.session()).toBeNull();
    TestBed.resetTestingModule();
    storage.setItem(KEY, JSON.stringify({ token: 1 }));
    expect(setup(storage).auth.session()).toBeNull();
    expect(storage.getItem(KEY)).toBeNull();
  });

  it('ends the session once it expires, even without a timer', () => {
    const { auth, clock } = setup();
    auth.signInWithDevLogin(devLogin(new Date(clock.nowMs + 1000).toISOString()));
    clock.nowMs += 1000;
    expect(auth.currentToken()).toBeNull();
    expect(auth.lastSignOutReason()).toBe('expired');
  });

  it('accepts pasted tokens (with or without "Bearer ") and refuses expired ones', () => {
    const { auth, clock } = setup();
    const token = makeJwt({ sub: 'bob', roles: ['admin'], exp: clock.nowMs / 1000 + 3600 });
    const session = auth.signInWithToken(`Bearer ${token}\n`);
    expect(session).toMatchObject({ token, subject: 'bob', roles: ['admin'], source: 'token' });
    const expired = makeJwt({ sub: 'bob', exp: clock.nowMs / 1000 - 1 });
    expect(() => auth.signInWithToken(expired)).toThrow(TokenFormatError);
    expect(() => auth.signInWithToken('garbage')).toThrow(TokenFormatError);
  });

  it('redirects to sign-in with the return URL when the session timer fires', async () => {
    jest.useFakeTimers();
    const { auth, router, clock } = setup();
    auth.signInWithDevLogin(devLogin(new Date(clock.nowMs + 5000).toISOString()));
    await router.navigateByUrl('/runs/abc?x=1');
    expect(router.url).toBe('/runs/abc?x=1');
    clock.nowMs += 5000;
    await jest.advanceTimersByTimeAsync(5000);
    expect(auth.session()).toBeNull();
    expect(router.url).toBe('/sign-in?returnUrl=%2Fruns%2Fabc%3Fx%3D1&reason=expired');
  });

  it('signing out clears storage; a user sign-out without a session records nothing', () => {
    const { auth, storage, clock } = setup();
    auth.signOut('user');
    expect(auth.lastSignOutReason()).toBeNull();
    auth.signInWithDevLogin(devLogin(new Date(clock.nowMs + 60_000).toISOString()));
    auth.signOut('user');
    expect(storage.getItem(KEY)).toBeNull();
    expect(auth.lastSignOutReason()).toBe('user');
  });

  it('works without storage (blocked cookies)', () => {
    TestBed.configureTestingModule({
      providers: [provideRouter(TEST_ROUTES), { provide: SESSION_STORAGE, useValue: null }],
    });
    const auth = TestBed.inject(AuthService);
    auth.signInWithDevLogin(devLogin('2999-01-01T00:00:00Z'));
    expect(auth.isSignedIn()).toBe(true);
  });
});

describe('safeReturnUrl', () => {
  it.each([
    [undefined, '/runbooks'],
    ['', '/runbooks'],
    ['https://evil.example/x', '/runbooks'],
    ['//evil.example', '/runbooks'],
    ['/\\evil.example', '/runbooks'],
    ['/sign-in?returnUrl=/x', '/runbooks'],
    ['/runs/abc?x=1', '/runs/abc?x=1'],
  ])('%s → %s', (input, expected) => {
    expect(safeReturnUrl(input)).toBe(expected);
  });
});
