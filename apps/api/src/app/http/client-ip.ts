import type { Request } from 'express';

/**
 * The caller's address as the reference reports it (`remote_addr`): IPv4 clients of a dual-stack
 * socket appear as `127.0.0.1`, not `::ffff:127.0.0.1`. Behind a proxy, `TRUST_PROXY=true` makes
 * it the `X-Forwarded-For` client.
 */
export function clientIpOf(request: Request): string {
  const ip = request.ip ?? request.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
