import { listClaimValues, stringClaimValues } from './claim-values';

/** A token's identity after the reference's claim mapping: what RBAC and `/api/config` see. */
export interface NormalizedClaims {
  /** The token `sub` (or an existing `user_id` claim), `""` when neither is present. */
  userId: string;
  /** The `roles` claim as a list: a list is kept, a string is split on commas, anything else is `[]`. */
  roles: string[];
  /** The payload plus `user_id` and the normalized `roles`: RBAC runs against this record. */
  claims: Record<string, unknown>;
}

/**
 * Applies the reference's JWT claim mapping to a verified token payload: `sub` is copied to
 * `user_id` and `roles` is normalized to a list of strings. The payload is not modified.
 */
export function normalizeTokenClaims(payload: Readonly<Record<string, unknown>>): NormalizedClaims {
  const userId = firstIdentifier(payload['sub'], payload['user_id']);
  const roles = normalizeRoles(payload['roles']);
  return { userId, roles, claims: { ...payload, user_id: userId, roles } };
}

function normalizeRoles(value: unknown): string[] {
  // Only a list or a string carries roles; a number or an object means "no roles", as the reference.
  if (typeof value === 'string') return stringClaimValues(value);
  if (Array.isArray(value)) return listClaimValues(value);
  return [];
}

function firstIdentifier(...candidates: unknown[]): string {
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && candidate !== '') return candidate;
    if (typeof candidate === 'number' || typeof candidate === 'bigint') return String(candidate);
  }
  return '';
}
