/**
 * Streaming newline normalisation like Python's universal newlines: `\r\n` and a lone `\r`
 * become `\n`. A `\r` ending one chunk is turned into `\n` at once (no delay), and a `\n`
 * starting the next chunk is then dropped, so a `\r\n` split across chunks yields one `\n`.
 */
export class NewlineNormalizer {
  private pendingCarriageReturn = false;

  /** Normalises the next chunk of decoded text. */
  push(text: string): string {
    if (text.length === 0) return text;
    let start = 0;
    if (this.pendingCarriageReturn && text.charCodeAt(0) === 10) start = 1;
    this.pendingCarriageReturn = text.charCodeAt(text.length - 1) === 13;
    const rest = start === 0 ? text : text.slice(start);
    return rest.includes('\r') ? rest.replace(/\r\n?/g, '\n') : rest;
  }
}
