/** Longest `**Error:**` line a denial writes into a runbook's History. */
export const MAX_DENIAL_SUMMARY_CHARS = 200;
/** A caller's denials of one runbook add at most one History entry per this period. */
export const DENIAL_ENTRY_WINDOW_MS = 10 * 60 * 1000;

/** One line of at most `maxChars` characters: whitespace and control characters collapsed, cut with `…`. */
export function summarizeDenial(text: string, maxChars = MAX_DENIAL_SUMMARY_CHARS): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length <= maxChars ? line : `${line.slice(0, maxChars - 1)}…`;
}

/**
 * Decides which denials get a History entry in the runbook file: the first of each caller
 * (`sub`) and runbook per window. The others still reach the audit log and the metrics. Memory
 * is bounded: expired keys are dropped when the map grows past `maxKeys`, and if all are live
 * the oldest go first.
 */
export class DenialEntryThrottle {
  private readonly lastWritten = new Map<string, number>();

  constructor(
    private readonly windowMs = DENIAL_ENTRY_WINDOW_MS,
    private readonly maxKeys = 10_000,
  ) {}

  /** Whether this denial should be written to the runbook (and records that it was). */
  shouldWrite(subject: string, filename: string, nowMs: number): boolean {
    const key = `${subject}\u0000${filename}`;
    const last = this.lastWritten.get(key);
    if (last !== undefined && nowMs - last < this.windowMs) return false;
    this.lastWritten.delete(key);
    this.lastWritten.set(key, nowMs);
    if (this.lastWritten.size > this.maxKeys) this.prune(nowMs);
    return true;
  }

  private prune(nowMs: number): void {
    for (const [key, at] of this.lastWritten) {
      if (nowMs - at >= this.windowMs) this.lastWritten.delete(key);
    }
    // Map iteration is insertion order, and keys are re-inserted when written: oldest first.
    for (const key of this.lastWritten.keys()) {
      if (this.lastWritten.size <= this.maxKeys) break;
      this.lastWritten.delete(key);
    }
  }
}
