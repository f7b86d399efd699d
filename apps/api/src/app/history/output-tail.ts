import { capUtf8Tail } from '@runbooks/history';

/** What a History entry keeps of one output stream: its end, and how many bytes before it were cut. */
export interface OutputTail {
  /** The end of the output, at most the configured bytes, cut on a character boundary. */
  text: string;
  /** UTF-8 bytes of output before `text` that History does not keep. */
  cutBytes: number;
}

/** No output (RBAC denials). */
export const NO_OUTPUT: OutputTail = { text: '', cutBytes: 0 };

/** The end of `output` within `maxBytes` UTF-8 bytes, and the size of what was cut before it. */
export function outputTail(output: string, maxBytes: number): OutputTail {
  const text = capUtf8Tail(output, maxBytes);
  if (text.length === output.length) return { text, cutBytes: 0 };
  return { text, cutBytes: Buffer.byteLength(output, 'utf8') - Buffer.byteLength(text, 'utf8') };
}

/**
 * The stream as History shows it: when output was cut, a first line saying how much and which run
 * holds the whole output (the run store keeps it up to MAX_OUTPUT_SIZE_BYTES), then the kept end.
 */
export function historyOutputText(
  tail: OutputTail,
  stream: 'stdout' | 'stderr',
  runId: string | null,
): string {
  if (tail.cutBytes === 0) return tail.text;
  const where =
    runId === null
      ? 'the whole output was not recorded'
      : `the whole output is in run ${runId} (GET /api/runs/${runId}/events)`;
  const kept = Buffer.byteLength(tail.text, 'utf8');
  const line = `[runbooks] ${tail.cutBytes} bytes of ${stream} cut: History keeps the last ${kept} bytes; ${where}`;
  return tail.text === '' ? line : `${line}\n${tail.text}`;
}
