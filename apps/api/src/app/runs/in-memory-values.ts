import type { ExpiringValues } from './run-ports';

/** {@link ExpiringValues} in this process's memory (the embedded mode). */
export class InMemoryValues<T> implements ExpiringValues<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  set(runId: string, value: T, ttlMs: number): Promise<void> {
    this.prune();
    this.entries.set(runId, { value, expiresAt: Date.now() + ttlMs });
    return Promise.resolve();
  }

  get(runId: string): Promise<T | null> {
    const entry = this.entries.get(runId);
    if (!entry || entry.expiresAt <= Date.now()) return Promise.resolve(null);
    return Promise.resolve(entry.value);
  }

  delete(runId: string): Promise<void> {
    this.entries.delete(runId);
    return Promise.resolve();
  }

  private prune(): void {
    const now = Date.now();
    for (const [runId, entry] of this.entries)
      if (entry.expiresAt <= now) this.entries.delete(runId);
  }
}
