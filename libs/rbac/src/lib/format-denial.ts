import type { ClaimFailure, ClaimsDecision } from './evaluate-claims';

/**
 * The reference's 403 message for a refused operation, e.g.
 * `RBAC check failed for validate. Missing or invalid claims: roles=viewer (required: sre, api)`.
 */
export function formatDenial(
  operation: string,
  decision: Pick<ClaimsDecision, 'failures'>,
): string {
  const items = decision.failures.map(formatClaimFailure).join(', ');
  return `RBAC check failed for ${operation}. Missing or invalid claims: ${items}`;
}

/** One item of the denial message: `env (not present)` or `roles=viewer (required: sre, api)`. */
export function formatClaimFailure(failure: ClaimFailure): string {
  if (failure.have === null) return `${failure.claim} (not present)`;
  return `${failure.claim}=${failure.have.join(', ')} (required: ${failure.required.join(', ')})`;
}
