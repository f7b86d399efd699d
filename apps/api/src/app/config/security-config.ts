import { isIP } from 'node:net';

/**
 * Which proxies are trusted for `X-Forwarded-For`: none, the nearest N hops, or these addresses
 * and subnets (Express's `trust proxy` forms).
 */
export type TrustProxy = false | number | string[];

/** Security settings that depend on several variables (validated once at boot with the rest). */
export interface SecurityConfig {
  /** `TRUST_PROXY`: `true` means one hop (the nearest proxy), never the left-most address. */
  trustProxy: TrustProxy;
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
  const trustProxy = readTrustProxy(value('TRUST_PROXY'));
  if (trustProxy === null) {
    errors.push(
      `TRUST_PROXY must be true, false, a number of proxy hops, or a comma-separated list of proxy addresses/subnets (got '${value('TRUST_PROXY')}')`,
    );
  }
  return {
    errors,
    security: { trustProxy: trustProxy ?? false, multiValuedClaims, isProduction, warnings },
  };
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** Parses TRUST_PROXY; null when it is none of the accepted forms. */
export function readTrustProxy(text: string): TrustProxy | null {
  const trimmed = text.trim();
  if (/^(false|no|0|)$/i.test(trimmed)) return false;
  if (/^(true|yes)$/i.test(trimmed)) return 1;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const entries = trimmed.split(',').map((entry) => entry.trim());
  const isProxy = (entry: string): boolean => {
    if (PROXY_NAMES.includes(entry)) return true;
    const [address = '', bits, ...rest] = entry.split('/');
    if (rest.length > 0 || isIP(address) === 0) return false;
    return (
      bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128))
    );
  };
  return entries.every(isProxy) ? entries : null;
}
