import { decode } from 'jsonwebtoken';

/** 401 message for a missing or malformed Authorization header (reference text). */
export const MISSING_AUTH_HEADER = 'Missing or invalid Authorization header';
/** 401 message for `Bearer` followed by nothing but spaces (reference text). */
export const EMPTY_TOKEN = 'Empty token in Authorization header';

/** Reads the token from `Authorization: Bearer <token>`, exactly as the reference accepts it. */
export function readBearerToken(header: string | undefined): { token: string } | { error: string } {
  if (!header?.startsWith('Bearer ')) return { error: MISSING_AUTH_HEADER };
  const token = header.slice('Bearer '.length).trim();
  return token === '' ? { error: EMPTY_TOKEN } : { token };
}

function missingClaim(token: string): string | null {
  const payload = decode(token, { json: true });
  if (!payload) return null;
  if (payload.aud === undefined) return 'Token is missing the "aud" claim';
  if (payload.iss === undefined) return 'Token is missing the "iss" claim';
  return null;
}

/**
 * Turns a jsonwebtoken verification failure into the reference's 401 message (PyJWT wording),
 * e.g. `Invalid token: Signature verification failed`.
 */
export function describeTokenFailure(failure: unknown, token: string): string {
  const error = failure instanceof Error ? failure : new Error(String(failure));
  if (error.name === 'TokenExpiredError') return 'Token has expired';
  if (error.name === 'NotBeforeError') return 'Invalid token: The token is not yet valid (nbf)';
  const message = error.message;
  if (message === 'jwt malformed' || message === 'invalid token') {
    return `Invalid token: ${token.split('.').length < 3 ? 'Not enough segments' : 'Invalid header padding'}`;
  }
  if (message === 'invalid signature') return 'Invalid token: Signature verification failed';
  if (message === 'invalid algorithm' || message === 'jwt signature is required') {
    return 'Invalid token: The specified alg value is not allowed';
  }
  if (message.startsWith('jwt audience invalid')) {
    return `Invalid token: ${missingClaim(token) ?? "Audience doesn't match"}`;
  }
  if (message.startsWith('jwt issuer invalid')) {
    return `Invalid token: ${missingClaim(token) ?? 'Invalid issuer'}`;
  }
  if (message === 'secret or public key must be provided') {
    // The JWKS has no key for the token's kid (the JWKS key source hands jsonwebtoken none).
    const kid = decode(token, { complete: true })?.header.kid;
    return `Invalid token: Unable to find a signing key that matches: ${JSON.stringify(kid ?? null)}`;
  }
  if (error.name === 'JsonWebTokenError') return `Invalid token: ${message}`;
  return `Error decoding token: ${message}`;
}
