/**
 * Writes control characters (C0, DEL, C1, line/paragraph separators) as `\uXXXX` escapes, so a
 * value from a request or a token can never start a new log line or forge one.
 */
export function escapeControlChars(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
