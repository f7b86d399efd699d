import type { Caller } from './caller';

/** How long a verified token is trusted without verifying it again. */
const MAX_AGE_MS = 60_000;
/** Tokens remembered at most (the oldest is forgotten first). */
const MAX_TOKENS = 1000;

interface Remembered {
  caller: Caller;
  /** Until when the verification stands: the token's `exp`, capped at MAX_AGE_MS. */
  validUntilMs: number;
}

/**
 * Tokens that passed verification recently, so a client sending the same token again costs a
 * map lookup instead of a signature check and claim validation (the most expensive part of a
 * small request). An entry ends with the token's `exp`, and after at most a minute (so a key
 * removed from a JWKS stops working within a minute).
 */
export class VerifiedTokenCache {
  private readonly tokens = new Map<string, Remembered>();

  /** The caller of a token verified less than a minute ago and not expired since, or null. */
  get(token: string, nowMs = Date.now()): Caller | null {
    const remembered = this.tokens.get(token);
    if (!remembered) return null;
    if (remembered.validUntilMs <= nowMs) {
      this.tokens.delete(token);
      return null;
    }
    return remembered.caller;
  }

  /** Remembers a token that has just been verified. */
  remember(token: string, caller: Caller, nowMs = Date.now()): void {
    const exp = caller.claims['exp'];
    const expMs = typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY;
    const validUntilMs = Math.min(expMs, nowMs + MAX_AGE_MS);
    if (validUntilMs <= nowMs) return;
    this.tokens.delete(token);
    this.tokens.set(token, { caller, validUntilMs });
    if (this.tokens.size > MAX_TOKENS) {
      const oldest = this.tokens.keys().next().value;
      if (oldest !== undefined) this.tokens.delete(oldest);
    }
  }
}
