/** stderr text appended (and streamed) when a script runs out of time (reference §5.6). */
export function timeoutMessage(timeoutMs: number): string {
  return `\nScript execution timed out after ${formatSeconds(timeoutMs)} seconds. The script was terminated.\n`;
}

/** stderr text appended to the result when output was cut (reference §5.7). */
export function truncationWarning(maxOutputBytes: number): string {
  return `\n[WARNING: Output truncated due to size limit (${maxOutputBytes} bytes)]\n`;
}

/** stderr text of a failed input copy (reference §5.3). */
export function inputCopyFailure(errors: readonly string[]): string {
  return `Failed to copy input files:\n${errors.join('\n')}`;
}

/** Seconds as the reference prints them: whole numbers without a fraction (`600`, `0.5`). */
function formatSeconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}
