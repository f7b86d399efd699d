import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

import { decode } from 'jsonwebtoken';

/** How the JWKS is fetched and how often unknown `kid`s may cause a fetch. */
export interface JwksKeySourceOptions {
  url: string;
  /** Least time between two fetches caused by tokens whose `kid` the cached set lacks. */
  refetchIntervalMs: number;
  /** Fetched keys are fetched again (on use) after this long; default 10 minutes. */
  maxAgeMs?: number;
  /** Longest wait for the JWKS endpoint; default 5000 ms. */
  timeoutMs?: number;
}

/** Larger JWKS documents are refused (a JWKS holds a handful of keys). */
const MAX_JWKS_BYTES = 1024 * 1024;
/** Keys read from one document at most. */
const MAX_KEYS = 100;

/**
 * The verification keys of a JWKS endpoint, by `kid`.
 *
 * A token with an unknown `kid` may cause a fetch, but at most one per `refetchIntervalMs`
 * (concurrent ones share it): a flood of tokens with made-up `kid`s costs one request per
 * interval, and cannot use up a budget that a legitimately rotated key then finds empty. A key
 * published by the identity provider is therefore accepted at most one interval after its
 * first use. When the endpoint fails, keys fetched earlier keep working.
 */
export class JwksKeySource {
  private keys = new Map<string, KeyObject>();
  private fetchedAtMs = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | null = null;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: JwksKeySourceOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /**
   * The key that verifies `token` (by its header's `kid`; a token without one uses the only
   * key, if there is exactly one), or null when the JWKS has none. Rejects when the JWKS
   * cannot be fetched and no cached key fits.
   */
  async keyForToken(token: string): Promise<KeyObject | null> {
    const header = decode(token, { complete: true })?.header;
    if (!header) return null;
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const ageMs = Date.now() - this.fetchedAtMs;
    const known = this.lookup(kid);
    if (known !== null && ageMs < this.maxAgeMs) return known;
    if (known !== null || ageMs >= this.options.refetchIntervalMs || this.inFlight !== null) {
      // A fetch already under way (the first, or one for another kid) is waited for, not repeated.
      try {
        await this.refresh();
      } catch (error) {
        if (known !== null) return known;
        throw error;
      }
    }
    return this.lookup(kid);
  }

  private lookup(kid: string | undefined): KeyObject | null {
    if (kid !== undefined) return this.keys.get(kid) ?? null;
    return this.keys.size === 1 ? ([...this.keys.values()][0] ?? null) : null;
  }

  /** One fetch at a time; its start counts against the interval, success or not. */
  private refresh(): Promise<void> {
    this.inFlight ??= (async () => {
      this.fetchedAtMs = Date.now();
      try {
        this.keys = await this.fetchKeys();
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  private async fetchKeys(): Promise<Map<string, KeyObject>> {
    let text: string;
    try {
      const response = await fetch(this.options.url, {
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { Accept: 'application/json' },
        redirect: 'error',
      });
      const length = Number(response.headers.get('content-length') ?? 0);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      if (length > MAX_JWKS_BYTES) throw new Error('the key set is too large');
      text = await response.text();
      if (text.length > MAX_JWKS_BYTES) throw new Error('the key set is too large');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Unable to fetch the signing keys (JWKS): ${reason}`);
    }
    return parseKeySet(text);
  }
}

/** The usable signing keys of a JWKS document, by `kid` ('' for a key without one). */
function parseKeySet(text: string): Map<string, KeyObject> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error('Unable to read the signing keys (JWKS): not JSON');
  }
  const entries =
    typeof document === 'object' && document !== null && 'keys' in document ? document.keys : null;
  if (!Array.isArray(entries)) throw new Error('Unable to read the signing keys (JWKS): no keys');
  const keys = new Map<string, KeyObject>();
  for (const entry of entries.slice(0, MAX_KEYS) as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const jwk = entry as JsonWebKey & { kid?: unknown; use?: unknown };
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if ('d' in jwk) continue; // never a private key
    const kid = typeof jwk.kid === 'string' ? jwk.kid : '';
    if (keys.has(kid)) continue;
    try {
      keys.set(kid, createPublicKey({ key: jwk, format: 'jwk' }));
    } catch {
      // An entry Node cannot read (unknown kty or curve) is skipped, as other JWKS clients do.
    }
  }
  return keys;
}
