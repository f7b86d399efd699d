import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

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
  app.useStaticAssets(root, { index: false, maxAge: '1h' });
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
