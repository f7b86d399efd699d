import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { makeDirs, startApi, type ApiServer, type ServerDirs } from './support/api-server';
import { call } from './support/http-client';

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
});
