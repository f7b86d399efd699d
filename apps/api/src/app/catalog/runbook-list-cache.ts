import { createHash } from 'node:crypto';

/** A serialized listing, ready to send. */
export interface CachedListing {
  body: Buffer;
  etag: string;
}

/** How many listings (distinct caller claim sets) are kept for the current version. */
const MAX_ENTRIES = 64;

/**
 * Serialized `GET /api/runbooks` bodies, for the current catalog/last-run version, keyed by the
 * caller's values of the claims the runbooks require (they decide `can_execute`). Listing 500
 * runbooks is then a map lookup and one write instead of building and hashing ~170 KiB of JSON
 * per request. A new version drops everything; beyond the cap the oldest entry goes.
 */
export class RunbookListCache {
  private readonly entries = new Map<string, CachedListing>();
  private version = '';

  /** The cached listing for this version and claims key, or the one `build` makes (then cached). */
  get(version: string, claimsKey: string, build: () => unknown): CachedListing {
    if (version !== this.version) {
      this.entries.clear();
      this.version = version;
    }
    const cached = this.entries.get(claimsKey);
    if (cached) return cached;
    const body = Buffer.from(JSON.stringify(build()));
    const etag = `W/"${createHash('sha1').update(body).digest('base64url')}"`;
    const listing = { body, etag };
    this.entries.set(claimsKey, listing);
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return listing;
  }
}
