import { cacheControlFor } from './web-console';

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
