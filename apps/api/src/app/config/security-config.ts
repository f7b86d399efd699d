/** Security settings that depend on several variables (validated once at boot with the rest). */
export interface SecurityConfig {
  /** Token claims besides `roles` that hold several values (`RBAC_MULTI_VALUED_CLAIMS`). */
  multiValuedClaims: string[];
  /** `NODE_ENV=production`. */
  isProduction: boolean;
  /** Things the operator allowed but should hear about at start (logged as warnings). */
  warnings: string[];
}

/** Shortest HMAC secret accepted in production, in bytes (the size of an HS256 key). */
export const MIN_PRODUCTION_SECRET_BYTES = 32;

const CLAIM_NAME = /^[A-Za-z0-9_.:/-]+$/;

/** Reads the security settings; `errors` lists every refused combination. */
export function readSecurityConfig(
  value: (name: string) => string,
  env: NodeJS.ProcessEnv,
  usesKeyPair: boolean,
): { errors: string[]; security: SecurityConfig } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const isProduction = (env['NODE_ENV'] ?? '').trim() === 'production';
  const isOn = (name: string) => /^(true|1|yes)$/i.test(value(name).trim());
  if (isProduction && isOn('ENABLE_LOGIN')) {
    if (isOn('ALLOW_DEV_LOGIN_IN_PRODUCTION')) {
      warnings.push(
        'ENABLE_LOGIN=true in production (ALLOW_DEV_LOGIN_IN_PRODUCTION=true): /dev-login mints tokens with any subject and roles for anyone who can reach it',
      );
    } else {
      errors.push(
        'ENABLE_LOGIN=true is refused with NODE_ENV=production: /dev-login mints admin tokens for anyone. Turn it off, or set ALLOW_DEV_LOGIN_IN_PRODUCTION=true to accept that',
      );
    }
  }
  const secretBytes = Buffer.byteLength(value('JWT_SECRET'), 'utf8');
  if (isProduction && !usesKeyPair && secretBytes < MIN_PRODUCTION_SECRET_BYTES) {
    errors.push(
      `JWT_SECRET must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes with NODE_ENV=production (got ${secretBytes})`,
    );
  }
  const multiValuedClaims = value('RBAC_MULTI_VALUED_CLAIMS')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const badNames = multiValuedClaims.filter((name) => !CLAIM_NAME.test(name));
  if (badNames.length > 0) {
    errors.push(
      `RBAC_MULTI_VALUED_CLAIMS must be a comma-separated list of claim names (bad: ${badNames.map((n) => JSON.stringify(n)).join(', ')})`,
    );
  }
  return { errors, security: { multiValuedClaims, isProduction, warnings } };
}
