/**
 * Keeps the END of `text` within `maxBytes` UTF-8 bytes, cutting on a character boundary so the
 * result never starts with half a character.
 */
export function capUtf8Tail(text: string, maxBytes: number): string {
  const limit = Math.max(0, Math.floor(maxBytes));
  // A UTF-16 code unit encodes to at most 3 bytes, so short strings need no byte count.
  if (text.length * 3 <= limit) return text;
  // Every code unit is at least one byte, so the last `limit` units hold at least `limit` bytes:
  // only that end is encoded, never the whole text (a 10 MB output costs a 64 KiB buffer).
  let from = Math.max(0, text.length - limit);
  // Do not start inside a surrogate pair.
  if (from > 0 && isLowSurrogate(text.charCodeAt(from))) from += 1;
  const end = from === 0 ? text : text.slice(from);
  const bytes = Buffer.from(end, 'utf8');
  if (bytes.length <= limit) return end;
  let start = bytes.length - limit;
  // Skip continuation bytes (10xxxxxx) so the kept slice starts at a character's first byte.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start).toString('utf8');
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
