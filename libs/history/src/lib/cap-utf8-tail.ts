/**
 * Keeps the END of `text` within `maxBytes` UTF-8 bytes, cutting on a character boundary so the
 * result never starts with half a character.
 */
export function capUtf8Tail(text: string, maxBytes: number): string {
  const limit = Math.max(0, Math.floor(maxBytes));
  // A UTF-16 code unit encodes to at most 3 bytes, so short strings need no byte count.
  if (text.length * 3 <= limit) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  let start = bytes.length - limit;
  // Skip continuation bytes (10xxxxxx) so the kept slice starts at a character's first byte.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start).toString('utf8');
}
