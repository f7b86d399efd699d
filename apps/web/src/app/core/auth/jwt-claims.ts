/** The parts of a JWT payload the console shows (the signature is the server's business). */
export interface JwtSummary {
  subject: string;
  roles: string[];
  /** Expiry in epoch milliseconds, null when the token carries no `exp`. */
  expiresAt: number | null;
  claims: Record<string, unknown>;
}

/** Why a pasted token was refused before it was ever sent. */
export class TokenFormatError extends Error {
  override readonly name = 'TokenFormatError';
}

function base64UrlDecode(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Normalises a `roles` claim: a list, a comma-separated string, or anything else (→ none). */
export function rolesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string');
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
  }
  return [];
}

/** Reads subject, roles and expiry from a compact JWT without verifying it. */
export function readJwtClaims(token: string): JwtSummary {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts.some((p, i) => p === '' && i < 2)) {
    throw new TokenFormatError(
      'This is not a JSON Web Token (expected three dot-separated parts).',
    );
  }
  let claims: unknown;
  try {
    claims = JSON.parse(base64UrlDecode(parts[1] ?? ''));
  } catch {
    throw new TokenFormatError('The token payload cannot be read.');
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new TokenFormatError('The token payload is not a JSON object.');
  }
  const record = claims as Record<string, unknown>;
  const exp = record['exp'];
  return {
    subject: typeof record['sub'] === 'string' ? record['sub'] : '',
    roles: rolesOf(record['roles']),
    expiresAt: typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null,
    claims: record,
  };
}
