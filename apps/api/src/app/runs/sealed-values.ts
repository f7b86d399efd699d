import type { RequestDetailsCipher } from './request-details-cipher';
import type { ExpiringValues } from './run-ports';

/**
 * {@link ExpiringValues} whose entries are sealed (AES-256-GCM, bound to the run id) before they
 * reach the backing store: the distributed mode keeps run request details, which hold the
 * caller's secret values and token, in Redis this way. An entry that does not open (another
 * key, another run, changed bytes) reads as absent.
 */
export class SealedValues<T> implements ExpiringValues<T> {
  constructor(
    private readonly inner: ExpiringValues<string>,
    private readonly cipher: RequestDetailsCipher,
  ) {}

  set(runId: string, value: T, ttlMs: number): Promise<void> {
    return this.inner.set(runId, this.cipher.seal(runId, JSON.stringify(value)), ttlMs);
  }

  async get(runId: string): Promise<T | null> {
    const sealed = await this.inner.get(runId);
    const opened = sealed === null ? null : this.cipher.open(runId, sealed);
    return opened === null ? null : (JSON.parse(opened) as T);
  }

  delete(runId: string): Promise<void> {
    return this.inner.delete(runId);
  }
}
