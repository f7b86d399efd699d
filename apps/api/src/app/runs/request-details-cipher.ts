import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts the run request details the API leaves in Redis for a worker (they hold the
 * caller's secret values and token): AES-256-GCM with a key derived (HKDF-SHA256) from the
 * server's `RUN_REQUEST_KEY` or `JWT_SECRET`, so Redis, its backups and its replicas never hold
 * them in clear, and a tampered entry is refused.
 */
export class RequestDetailsCipher {
  private readonly key: Buffer;

  constructor(keyMaterial: string) {
    this.key = Buffer.from(
      hkdfSync('sha256', keyMaterial, 'runbooks', 'run request details v1', 32),
    );
  }

  /** `v1:<base64 of iv | tag | ciphertext>`; the run id is bound as associated data. */
  seal(runId: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(runId, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** The plaintext, or null when the entry is not ours, was changed, or belongs to another run. */
  open(runId: string, sealed: string): string | null {
    if (!sealed.startsWith(`${VERSION}:`)) return null;
    const data = Buffer.from(sealed.slice(VERSION.length + 1), 'base64');
    if (data.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(runId, 'utf8'));
      decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(data.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return null;
    }
  }
}
