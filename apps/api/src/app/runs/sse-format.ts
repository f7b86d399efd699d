/**
 * Frames one server-sent event as the reference does: `event:` then (ours) `id:`, then the data
 * split on `\n` into `data:` lines, then a blank line. `hello\n` becomes `data: hello` + `data: `.
 */
export function formatSseEvent(event: string, data: string, id?: number | string): string {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  const dataLines = data
    .split('\n')
    .map((line) => `data: ${line}\n`)
    .join('');
  return `event: ${event}\n${idLine}${dataLines}\n`;
}

/** A comment line that keeps proxies and clients from timing out a quiet stream. */
export const SSE_HEARTBEAT = ': ping\n\n';
