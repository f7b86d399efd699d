import { normalizeTokenClaims } from '@runbooks/rbac';

import type { Caller } from '../auth/caller';
import type { SchedulerConfig } from '../config/app-config';

/**
 * The identity scheduled runs are requested by: `SCHEDULER_SUBJECT` with `SCHEDULER_CLAIMS`,
 * mapped as a token's claims are, so RBAC checks it like any caller. It has no token: a
 * scheduled script's own API calls (sub-runbooks) need a token of their own.
 */
export function schedulerCaller(settings: SchedulerConfig): Caller {
  const { userId, roles, claims } = normalizeTokenClaims({
    ...settings.claims,
    sub: settings.subject,
  });
  return { userId, roles, claims, token: '' };
}
