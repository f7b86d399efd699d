import { InjectionToken } from '@angular/core';

/** The fetch function used for streaming requests (HttpClient cannot stream SSE bodies). */
export const FETCH = new InjectionToken<typeof fetch>('FETCH', {
  providedIn: 'root',
  factory: () => (input, init) => globalThis.fetch(input, init),
});

/** Where the session is kept: per tab, gone when the tab closes. */
export const SESSION_STORAGE = new InjectionToken<Storage | null>('SESSION_STORAGE', {
  providedIn: 'root',
  factory: () => {
    try {
      return globalThis.sessionStorage ?? null;
    } catch {
      // Storage can throw when cookies are blocked; fall back to memory only.
      return null;
    }
  },
});

/** Current time in epoch milliseconds (replaceable in tests). */
export const CLOCK = new InjectionToken<() => number>('CLOCK', {
  providedIn: 'root',
  factory: () => () => Date.now(),
});
