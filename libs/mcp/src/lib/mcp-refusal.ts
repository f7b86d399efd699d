/** Why a backend refused a tool call (for logs and metrics; the agent sees only the message). */
export type McpRefusalCode =
  'BAD_REQUEST' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'RATE_LIMITED' | 'UNAVAILABLE';

/**
 * A refusal a tool call answers as a tool result with `isError: true` (never a protocol error):
 * the message is the one the REST API gives for the same refusal.
 */
export class McpRefusal extends Error {
  override readonly name = 'McpRefusal';

  constructor(
    readonly code: McpRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/** True when `error` is an {@link McpRefusal}. */
export function isMcpRefusal(error: unknown): error is McpRefusal {
  return error instanceof McpRefusal;
}
