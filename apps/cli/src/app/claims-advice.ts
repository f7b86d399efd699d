import { evaluateClaims, formatDenial, normalizeTokenClaims } from '@runbooks/rbac';
import type { RequiredClaims } from '@runbooks/runbook-format';
import { decodeJwtPayload } from './jwt-payload';

/** Whether a token may run a runbook, as far as the CLI can tell without the server. */
export interface ClaimsAdvice {
  /** true/false when decided, null when there is no token to judge. */
  allowed: boolean | null;
  message: string;
}

/** `roles: sre, api; team: payments`. */
export function describeClaims(required: RequiredClaims): string {
  return Object.entries(required)
    .map(([claim, values]) => `${claim}: ${values.join(', ')}`)
    .join('; ');
}

/**
 * Advice about running a runbook with `token` (decoded, not verified: the server decides), using
 * the same claim rules as the server.
 */
export function claimsAdvice(required: RequiredClaims | null, token: string | null): ClaimsAdvice {
  if (required === null) {
    return { allowed: false, message: 'Its Required Claims cannot be read, so nobody may run it.' };
  }
  if (Object.keys(required).length === 0) {
    return { allowed: true, message: 'No claims required: anyone signed in may run it.' };
  }
  const payload = token ? decodeJwtPayload(token) : null;
  if (!payload) return { allowed: null, message: `Requires ${describeClaims(required)}.` };
  const claims = normalizeTokenClaims(payload);
  const decision = evaluateClaims(required, claims.claims);
  const who = claims.userId || 'your token';
  return decision.allowed
    ? { allowed: true, message: `Requires ${describeClaims(required)}: ${who} may run it.` }
    : { allowed: false, message: `${who} may not run it: ${formatDenial('execute', decision)}` };
}
