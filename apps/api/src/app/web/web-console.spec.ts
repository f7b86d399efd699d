import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cacheControlFor, CONSOLE_CSP, resolveWebDir } from './web-console';

describe('cacheControlFor', () => {
  it('caches hashed build output for a year, immutable', () => {
    for (const path of [
      '/srv/web/main-ZO4PW7DQ.js',
      '/srv/web/chunk-2IZAVY2K.js',
      '/srv/web/styles-G5NFY7UL.css',
    ])
      expect(cacheControlFor(path)).toBe('public, max-age=31536000, immutable');
  });

  it('revalidates everything else', () => {
    for (const path of [
      '/srv/web/index.html',
      '/srv/web/favicon.svg',
      '/srv/web/main.js',
      '/srv/web/main-lowercase.js',
      '/srv/web/main-ZO4PW7DQ.js.map',
    ])
      expect(cacheControlFor(path)).toBe('no-cache');
  });
});

describe('resolveWebDir', () => {
  let dist: string;
  let serverDir: string;
  let beside: string;

  beforeEach(() => {
    dist = mkdtempSync(join(tmpdir(), 'runbooks-web-dir-'));
    serverDir = join(dist, 'api');
    beside = join(dist, 'web', 'browser');
    mkdirSync(serverDir, { recursive: true });
  });
  afterEach(() => rmSync(dist, { recursive: true, force: true }));

  it('defaults to the console built beside the server, when it has an index.html', () => {
    expect(resolveWebDir('', serverDir)).toBe('');
    mkdirSync(beside, { recursive: true });
    expect(resolveWebDir('', serverDir)).toBe('');
    writeFileSync(join(beside, 'index.html'), '<!doctype html>');
    expect(resolveWebDir('', serverDir)).toBe(beside);
    expect(resolveWebDir('  ', serverDir)).toBe(beside);
  });

  it('takes WEB_DIR as given, and serves nothing for off (any case)', () => {
    mkdirSync(beside, { recursive: true });
    writeFileSync(join(beside, 'index.html'), '<!doctype html>');
    expect(resolveWebDir('/srv/console', serverDir)).toBe('/srv/console');
    expect(resolveWebDir('off', serverDir)).toBe('');
    expect(resolveWebDir('OFF', serverDir)).toBe('');
  });
});

describe('CONSOLE_CSP', () => {
  it("allows exactly the Angular build's stylesheet loader among inline handlers", () => {
    const hash = createHash('sha256').update("this.media='all'").digest('base64');
    expect(CONSOLE_CSP).toContain(`'sha256-${hash}'`);
    expect(CONSOLE_CSP).not.toContain("script-src 'self' 'unsafe-inline'");
  });
});
