import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, throwError } from 'rxjs';
import { AuthService } from './auth.service';

/** API paths that need no token (everything else under /api does). */
const PUBLIC_API_PATHS = ['/api/info'];

/** Whether a request URL is one of our authenticated API calls. */
export function needsToken(url: string): boolean {
  const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0] ?? '';
  return path.startsWith('/api/') && !PUBLIC_API_PATHS.includes(path);
}

/**
 * Adds the bearer token to API calls. Without a valid session the call is not sent; a 401 from
 * the server ends the session. Both send the user to sign-in with a return URL.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  // A request that brings its own token (checking a pasted token) is left alone.
  if (!needsToken(req.url) || req.headers.has('Authorization')) return next(req);
  const auth = inject(AuthService);
  const token = auth.currentToken();
  if (token === null) {
    auth.redirectToSignIn(auth.lastSignOutReason() ?? 'expired');
    return throwError(
      () =>
        new HttpErrorResponse({
          status: 401,
          statusText: 'Unauthorized',
          url: req.url,
          error: { error: 'Not signed in' },
        }),
    );
  }
  const authorized = req.clone({ setHeaders: { Authorization: `Bearer ${token}` } });
  return next(authorized).pipe(
    catchError((error: unknown) => {
      if (error instanceof HttpErrorResponse && error.status === 401) {
        auth.redirectToSignIn('unauthorized');
      }
      return throwError(() => error);
    }),
  );
};
