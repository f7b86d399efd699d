/** The client name recorded when an MCP client did not say who it is. */
export const UNKNOWN_CLIENT = 'unknown/unknown';

const SESSION_PREFIX = 'rbc1.';
const MAX_SESSION_ID_LENGTH = 512;

/** One part of a client label: printable, no slash, bounded (client info is client-asserted text). */
function part(value: unknown, maxLength: number): string {
  if (typeof value !== 'string') return 'unknown';
  const cleaned = value
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\//g, '_')
    .trim()
    .slice(0, maxLength);
  return cleaned === '' ? 'unknown' : cleaned;
}

/** `<name>/<version>` from an MCP `clientInfo` (anything unusable becomes `unknown`). */
export function clientLabel(info: unknown): string {
  if (typeof info !== 'object' || info === null) return UNKNOWN_CLIENT;
  const { name, version } = info as { name?: unknown; version?: unknown };
  return `${part(name, 100)}/${part(version, 50)}`;
}

/**
 * 2025-era clients say who they are only in `initialize`, and the stateless legacy serving sees
 * every later request on a fresh instance. The `Mcp-Session-Id` the server hands out in answer to
 * `initialize` therefore carries the label itself (clients echo it on every request): it is not a
 * credential and grants nothing; the label was the client's own claim in the first place.
 */
export function sessionIdFor(label: string): string {
  return `${SESSION_PREFIX}${Buffer.from(label, 'utf8').toString('base64url')}`;
}

/** The label a session id carries, or null for anything else (treated as an unknown client). */
export function labelFromSessionId(header: string | null | undefined): string | null {
  if (!header || header.length > MAX_SESSION_ID_LENGTH || !header.startsWith(SESSION_PREFIX))
    return null;
  const encoded = header.slice(SESSION_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return null;
  const label = Buffer.from(encoded, 'base64url').toString('utf8');
  const slash = label.indexOf('/');
  if (slash <= 0) return null;
  return clientLabel({ name: label.slice(0, slash), version: label.slice(slash + 1) });
}
