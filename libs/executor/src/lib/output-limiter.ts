/**
 * Keeps at most `maxBytes` UTF-8 bytes of one output stream. The first chunk that does not fit
 * is cut at a character boundary; from then on everything is dropped (never held in memory).
 */
export class OutputLimiter {
  private usedBytes = 0;
  private full = false;

  /** @param maxBytes the cap in UTF-8 bytes (0 keeps nothing). */
  constructor(readonly maxBytes: number) {}

  /** True once the cap was hit: later output is dropped without being looked at. */
  get isTruncated(): boolean {
    return this.full;
  }

  /** Bytes kept so far. */
  get keptBytes(): number {
    return this.usedBytes;
  }

  /** Returns the part of `text` that fits (possibly all of it, possibly `''`). */
  take(text: string): string {
    if (this.full) return '';
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.usedBytes + bytes <= this.maxBytes) {
      this.usedBytes += bytes;
      return text;
    }
    this.full = true;
    const room = this.maxBytes - this.usedBytes;
    const kept = cutAtCharBoundary(text, room);
    this.usedBytes += Buffer.byteLength(kept, 'utf8');
    return kept;
  }
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes` without splitting a character. */
export function cutAtCharBoundary(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length <= maxBytes) return text;
  let end = maxBytes;
  // Back off over continuation bytes (10xxxxxx) so the cut lands on a character start.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return encoded.subarray(0, end).toString('utf8');
}
