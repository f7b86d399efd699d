import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  API_MAIN,
  REPO_ROOT,
  makeDirs,
  startApi,
  type ApiServer,
  type ServerDirs,
} from './support/api-server';
import { call } from './support/http-client';
import { waitFor } from './support/wait-for';

/** The console as the Angular build lays it out: index.html plus hashed bundles. */
function writeConsole(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Runbooks</title>');
  writeFileSync(join(dir, 'main-ZO4PW7DQ.js'), 'console.log("main");');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
}

describe('web console serving', () => {
  let api: ApiServer;
  let dirs: ServerDirs;

  beforeAll(async () => {
    dirs = makeDirs(false);
    const webDir = join(dirs.root, 'web');
    writeConsole(webDir);
    api = await startApi({ dirs, env: { WEB_DIR: webDir } });
  }, 90_000);

  afterAll(async () => {
    await api?.stop();
    if (dirs) rmSync(dirs.root, { recursive: true, force: true });
  });

  const html = { Accept: 'text/html' };

  it('serves index.html for console routes, revalidated on every use', async () => {
    for (const path of ['/', '/runs/some-run', '/runbooks/SimpleRunbook.md']) {
      const page = await call(api, path, { headers: html });
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>Runbooks</title>');
      expect(page.headers.get('cache-control')).toBe('no-cache');
    }
    const direct = await call(api, '/index.html');
    expect(direct.headers.get('cache-control')).toBe('no-cache');
  });

  it('lets browsers keep hashed bundles for a year, and revalidate other files', async () => {
    const bundle = await call(api, '/main-ZO4PW7DQ.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const icon = await call(api, '/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('keeps API paths out of the console fallback', async () => {
    const missing = await call(api, '/api/nope', { headers: html });
    expect(missing.status).toBe(404);
    expect(missing.text).not.toContain('<title>Runbooks</title>');
  });

  it('carries the security headers on console pages, files and API answers', async () => {
    for (const path of ['/', '/main-ZO4PW7DQ.js', '/api/info']) {
      const response = await call(api, path, { headers: html });
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("img-src 'self' data:");
      expect(csp).toContain("script-src 'self'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('the API explorer does not keep bearer tokens in localStorage', async () => {
    const script = await call(api, '/docs/explorer.js');
    expect(script.status).toBe(200);
    expect(script.text).toContain('persistAuthorization: false');
  });
});

describe('web console built beside the server (no WEB_DIR)', () => {
  let dirs: ServerDirs;
  let main: string;
  const html = { Accept: 'text/html' };

  beforeAll(() => {
    // The build's layout: dist/apps/api/main.js and dist/apps/web/browser/index.html. The copied
    // server finds its packages through NODE_PATH, as the real one finds node_modules.
    dirs = makeDirs(false);
    const dist = join(dirs.root, 'dist', 'apps');
    mkdirSync(join(dist, 'api'), { recursive: true });
    main = join(dist, 'api', 'main.js');
    copyFileSync(API_MAIN, main);
    writeConsole(join(dist, 'web', 'browser'));
  });
  afterAll(() => {
    if (dirs) rmSync(dirs.root, { recursive: true, force: true });
  });

  const nodePath = { NODE_PATH: join(REPO_ROOT, 'node_modules') };

  it('serves the console at / by default, and says so at start-up', async () => {
    const api = await startApi({ dirs, main, env: nodePath });
    try {
      const page = await call(api, '/', { headers: html });
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>Runbooks</title>');
      expect((await call(api, '/main-ZO4PW7DQ.js')).status).toBe(200);
      await waitFor(() => api.logs.includes(`Web console at http://localhost:${api.port}/`), {
        what: 'the start-up banner naming the console',
      });
    } finally {
      await api.stop();
    }
  });

  it('serves no console with WEB_DIR=off: / is a JSON 404', async () => {
    const api = await startApi({ dirs, main, env: { ...nodePath, WEB_DIR: 'off' } });
    try {
      const page = await call(api, '/', { headers: html });
      expect(page.status).toBe(404);
      expect(page.headers.get('content-type')).toMatch(/^application\/json/);
      expect(page.text).not.toContain('<title>Runbooks</title>');
      expect(page.body).toHaveProperty('error');
    } finally {
      await api.stop();
    }
  });
});
