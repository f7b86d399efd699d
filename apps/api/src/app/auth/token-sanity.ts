import { decode } from 'jsonwebtoken';

/** Clock skew tolerated between the token issuer and this server. */
export const CLOCK_SKEW_SECONDS = 60;
/** The latest expiry accepted: 9999-12-31T23:59:59Z (`exp: 1e300` is not a date). */
export const LATEST_EXP_SECONDS = 253_402_300_799;

/**
 * What is wrong with a verified token that signature, issuer, audience and `exp` checks let
 * through, or null: a `crit` header (extensions we do not implement must be refused, RFC 7515
 * §4.1.11), an `iat` in the future beyond the clock skew, an `exp` that is not a real date.
 */
export function tokenSanityProblem(
  token: string,
  payload: Readonly<Record<string, unknown>>,
  nowSeconds: number,
): string | null {
  const header = decode(token, { complete: true })?.header as Record<string, unknown> | undefined;
  if (header && 'crit' in header) {
    return 'Invalid token: Unsupported critical header parameters (crit)';
  }
  const iat = payload['iat'];
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) {
    return 'Invalid token: Issued At claim (iat) must be a number';
  }
  if (typeof iat === 'number' && iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    return 'Invalid token: The token is not yet valid (iat)';
  }
  const exp = payload['exp'];
  if (exp !== undefined && (typeof exp !== 'number' || !(exp <= LATEST_EXP_SECONDS))) {
    return 'Invalid token: Expiration Time claim (exp) is out of range';
  }
  return null;
}
