/**
 * Cuts a stream of text chunks into lines (each keeping its `\n`), as the reference streams output
 * line by line. A trailing partial line is held until its newline arrives or `flush()` is called.
 */
export class LineSplitter {
  private partial = '';

  /** Feeds a chunk; returns the complete lines it finished. */
  push(chunk: string): string[] {
    const text = this.partial + chunk;
    const lines: string[] = [];
    let start = 0;
    for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', start)) {
      lines.push(text.slice(start, index + 1));
      start = index + 1;
    }
    this.partial = text.slice(start);
    return lines;
  }

  /** Whether a partial line is waiting. */
  get hasPartial(): boolean {
    return this.partial !== '';
  }

  /** Releases the held partial line (at the end of the stream, or when output goes quiet). */
  flush(): string[] {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? [] : [rest];
  }
}
