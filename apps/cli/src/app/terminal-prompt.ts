/** A terminal the CLI may ask questions on (stdin and stderr both a TTY). */
export interface PromptInput {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  off(event: 'data', listener: (chunk: string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Thrown when the user presses Ctrl-C or Ctrl-D at a prompt. */
export class PromptAborted extends Error {
  constructor() {
    super('prompt aborted');
  }
}

/**
 * Reads one line from a terminal after writing `question` to `output`. With `hidden`, what is
 * typed is not echoed (a secret never appears on screen or in a terminal recording). Backspace
 * edits; Ctrl-C or Ctrl-D rejects with {@link PromptAborted}.
 */
export function readLine(
  input: PromptInput,
  output: { write(text: string): unknown },
  question: string,
  hidden: boolean,
): Promise<string> {
  output.write(question);
  input.setEncoding('utf8');
  input.setRawMode?.(true);
  input.resume();
  return new Promise<string>((resolve, reject) => {
    let line = '';
    const done = (error: Error | null): void => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done(null);
        if (char === '\u0003' || char === '\u0004') return done(new PromptAborted());
        if (char === '\u007f' || char === '\b') {
          if (line.length > 0) {
            line = line.slice(0, -1);
            if (!hidden) output.write('\b \b');
          }
          continue;
        }
        // eslint-disable-next-line no-control-regex
        if (/[\u0000-\u001f]/.test(char)) continue;
        line += char;
        if (!hidden) output.write(char);
      }
    };
    input.on('data', onData);
  });
}
