import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** File names the Angular build gives a content hash (`main-ZO4PW7DQ.js`, `chunk-….js`). */
const HASHED_FILE = /-[A-Z0-9]{8}\.(?:js|css|mjs)$/;

/**
 * Cache policy of a console file: hashed build output never changes under its name (cache it for
 * a year, immutable); anything else (index.html, the favicon) is revalidated on every use.
 */
export function cacheControlFor(path: string): string {
  return HASHED_FILE.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/** `WEB_DIR` value that turns the console off even when one is built beside the server. */
export const WEB_DIR_OFF = 'off';

/**
 * The console folder to serve: `WEB_DIR` when set; when empty, the web build beside the server's
 * (`dist/apps/web/browser` for `dist/apps/api/main.js`) if it holds an index.html; none for `off`.
 */
export function resolveWebDir(configured: string, serverDir: string): string {
  const value = configured.trim();
  if (value.toLowerCase() === WEB_DIR_OFF) return '';
  if (value !== '') return value;
  const beside = resolve(serverDir, '..', 'web', 'browser');
  return existsSync(join(beside, 'index.html')) ? beside : '';
}

/**
 * The console's Content-Security-Policy: its own scripts only (plus the hash of the Angular
 * build's `onload="this.media='all'"` stylesheet loader), inline styles (Angular Material
 * injects them), images from itself and `data:` only (remote images in a runbook do not load
 * in viewers' browsers), API calls to itself, never framed.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-hashes' 'sha256-MhtPZXr7+LpJUY5qtMutB+qWfQtMaPccfe7QXtCcEYc='",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every answer of a server with a console carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** Paths the API owns; everything else may be a console route. */
const API_PREFIXES = ['/api/', '/docs/', '/health/', '/metrics', '/dev-login'];

/**
 * Serves the built web console from `WEB_DIR` at `/`, with the SPA fallback to `index.html` for
 * GET requests that are not API paths. Returns false when there is no console to serve.
 */
export function serveWebConsole(app: NestExpressApplication, webDir: string): boolean {
  if (!webDir) return false;
  const root = resolve(webDir);
  const index = join(root, 'index.html');
  if (!existsSync(index)) return false;
  app.use((_request: Request, response: Response, next: NextFunction) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    next();
  });
  app.useStaticAssets(root, {
    index: false,
    setHeaders: (response: Response, path: string) => {
      response.setHeader('Cache-Control', cacheControlFor(path));
    },
  });
  app.use((request: Request, response: Response, next: NextFunction) => {
    const isPageRequest =
      request.method === 'GET' && !API_PREFIXES.some((prefix) => request.path.startsWith(prefix));
    if (isPageRequest && (request.headers.accept ?? '').includes('text/html')) {
      response.setHeader('Cache-Control', 'no-cache');
      response.sendFile(index);
      return;
    }
    next();
  });
  return true;
}
