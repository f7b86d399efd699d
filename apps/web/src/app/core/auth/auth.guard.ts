import { inject } from '@angular/core';
import { Router, type CanActivateFn } from '@angular/router';
import { AuthService, safeReturnUrl } from './auth.service';

/** Lets signed-in users through; others go to sign-in with a return URL. */
export const authGuard: CanActivateFn = (_route, state) => {
  const auth = inject(AuthService);
  if (auth.currentToken() !== null) return true;
  const reason = auth.lastSignOutReason();
  return inject(Router).createUrlTree(['/sign-in'], {
    queryParams: { returnUrl: safeReturnUrl(state.url), ...(reason ? { reason } : {}) },
  });
};

/** Sends users who are already signed in from the sign-in screen to where they were going. */
export const signedOutGuard: CanActivateFn = (route) => {
  const auth = inject(AuthService);
  if (auth.currentToken() === null) return true;
  const returnUrl = route.queryParamMap.get('returnUrl');
  return inject(Router).parseUrl(safeReturnUrl(returnUrl));
};
