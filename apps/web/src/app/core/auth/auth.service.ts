import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import type { DevLoginResponse } from '@runbooks/types';
import { CLOCK, SESSION_STORAGE } from '../browser-tokens';
import { TokenFormatError, readJwtClaims, rolesOf } from './jwt-claims';

/** A signed-in user as the console remembers it (in sessionStorage, per tab). */
export interface Session {
  token: string;
  subject: string;
  roles: string[];
  /** Epoch milliseconds, null when the token never expires. */
  expiresAt: number | null;
  source: 'dev-login' | 'token';
}

/** Why the user was sent (back) to the sign-in screen. */
export type SignOutReason = 'user' | 'expired' | 'unauthorized';

const STORAGE_KEY = 'runbooks.session';
/** setTimeout cannot wait longer than this (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

function isSession(value: unknown): value is Session {
  if (!value || typeof value !== 'object') return false;
  const s = value as Record<string, unknown>;
  return (
    typeof s['token'] === 'string' &&
    typeof s['subject'] === 'string' &&
    Array.isArray(s['roles']) &&
    (s['expiresAt'] === null || typeof s['expiresAt'] === 'number') &&
    (s['source'] === 'dev-login' || s['source'] === 'token')
  );
}

/** Only same-app absolute paths are followed after sign-in (no open redirects). */
export function safeReturnUrl(url: string | null | undefined): string {
  if (!url || !url.startsWith('/') || url.startsWith('//') || url.startsWith('/\\')) {
    return '/runbooks';
  }
  if (url === '/sign-in' || url.startsWith('/sign-in?') || url.startsWith('/sign-in/')) {
    return '/runbooks';
  }
  return url;
}

/** Holds the session, enforces its expiry, and sends the user to sign-in when it ends. */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly storage = inject(SESSION_STORAGE);
  private readonly now = inject(CLOCK);
  private readonly router = inject(Router);
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;

  private readonly state = signal<Session | null>(null);
  /** The current session, or null when signed out. */
  readonly session = this.state.asReadonly();
  /** True while a session exists (expiry is checked on every use and by a timer). */
  readonly isSignedIn = computed(() => this.state() !== null);
  /** Why the last session ended, shown once on the sign-in screen. */
  readonly lastSignOutReason = signal<SignOutReason | null>(null);

  constructor() {
    const restored = this.restore();
    if (restored === 'expired') this.lastSignOutReason.set('expired');
    else if (restored) this.activate(restored, false);
    inject(DestroyRef).onDestroy(() => this.clearTimer());
  }

  /** The bearer token to send, or null (an expired session is ended here). */
  currentToken(): string | null {
    const session = this.state();
    if (!session) return null;
    if (this.isExpired(session)) {
      this.endSession('expired');
      return null;
    }
    return session.token;
  }

  /** Starts a session from a `/dev-login` answer. */
  signInWithDevLogin(response: DevLoginResponse): Session {
    let expiresAt = Date.parse(response.expires_at);
    if (Number.isNaN(expiresAt)) {
      expiresAt = this.expiryFromToken(response.access_token) ?? Number.NaN;
    }
    const session: Session = {
      token: response.access_token,
      subject: response.subject,
      roles: rolesOf(response.roles),
      expiresAt: Number.isNaN(expiresAt) ? null : expiresAt,
      source: 'dev-login',
    };
    this.activate(session, true);
    return session;
  }

  /** Starts a session from a pasted token; throws TokenFormatError if it is unusable. */
  signInWithToken(rawToken: string): Session {
    const token = rawToken.trim().replace(/^Bearer\s+/i, '');
    const summary = readJwtClaims(token);
    if (summary.expiresAt !== null && summary.expiresAt <= this.now()) {
      throw new TokenFormatError('This token has already expired.');
    }
    const session: Session = {
      token,
      subject: summary.subject,
      roles: summary.roles,
      expiresAt: summary.expiresAt,
      source: 'token',
    };
    this.activate(session, true);
    return session;
  }

  /** Ends the session (the user's choice, an expiry or a 401) and remembers why. */
  signOut(reason: SignOutReason = 'user'): void {
    this.endSession(reason);
  }

  /**
   * Ends the session and opens the sign-in screen with a return URL, so the user comes back to
   * what they were doing.
   */
  redirectToSignIn(reason: SignOutReason): void {
    const returnUrl = this.router.currentNavigation()?.finalUrl?.toString() ?? this.router.url;
    this.endSession(reason);
    if (returnUrl.startsWith('/sign-in')) return;
    void this.router.navigate(['/sign-in'], {
      queryParams: { returnUrl: safeReturnUrl(returnUrl), reason },
    });
  }

  private expiryFromToken(token: string): number | null {
    try {
      return readJwtClaims(token).expiresAt;
    } catch {
      return null;
    }
  }

  private isExpired(session: Session): boolean {
    return session.expiresAt !== null && session.expiresAt <= this.now();
  }

  private activate(session: Session, persist: boolean): void {
    this.state.set(session);
    this.lastSignOutReason.set(null);
    if (persist) this.write(session);
    this.scheduleExpiry(session);
  }

  private endSession(reason: SignOutReason): void {
    const hadSession = this.state() !== null;
    this.clearTimer();
    this.state.set(null);
    this.write(null);
    if (hadSession || reason !== 'user') this.lastSignOutReason.set(reason);
  }

  private scheduleExpiry(session: Session): void {
    this.clearTimer();
    if (session.expiresAt === null) return;
    const delay = Math.min(Math.max(session.expiresAt - this.now(), 0), MAX_TIMER_MS);
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      const current = this.state();
      if (current !== session) return;
      if (this.isExpired(current)) this.redirectToSignIn('expired');
      else this.scheduleExpiry(current);
    }, delay);
  }

  private clearTimer(): void {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  private restore(): Session | 'expired' | null {
    try {
      const raw = this.storage?.getItem(STORAGE_KEY);
      if (!raw) return null;
      const parsed: unknown = JSON.parse(raw);
      if (!isSession(parsed)) {
        this.storage?.removeItem(STORAGE_KEY);
        return null;
      }
      if (this.isExpired(parsed)) {
        this.storage?.removeItem(STORAGE_KEY);
        return 'expired';
      }
      return parsed;
    } catch {
      return null;
    }
  }

  private write(session: Session | null): void {
    try {
      if (session) this.storage?.setItem(STORAGE_KEY, JSON.stringify(session));
      else this.storage?.removeItem(STORAGE_KEY);
    } catch {
      // Storage full or blocked: the session still lives in memory for this page.
    }
  }
}
