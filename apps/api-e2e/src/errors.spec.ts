import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { rawRequest } from './support/raw-request';

// DESIGN.md "What we fix" 6 and issue 4 "Errors": JSON everywhere, traversal refused up front.
describe('errors and file names', () => {
  let server: ApiServer;
  let token: string;

  beforeAll(async () => {
    server = await startApi();
    token = server.token({ roles: ['sre', 'api'] });
    // Bait outside the runbooks folder and a non-markdown file inside it.
    writeFileSync(join(server.dirs.root, 'Outside.md'), '# Outside\nsecret outside\n');
    writeFileSync(join(server.dirs.runbooks, 'notes.txt'), 'not a runbook\n');
  });
  afterAll(stopAllServers);

  const raw = (method: string, path: string, headers: Record<string, string> = {}) =>
    rawRequest(server.url, method, path, { Authorization: `Bearer ${token}`, ...headers });
  const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

  describe('traversal attempts answer 400 before touching the disk', () => {
    const names = [
      '..%2FOutside.md',
      '%2E%2E%2FOutside.md',
      '..',
      '%2e%2e',
      '..%2F..%2Fetc%2Fpasswd',
      '%2Fetc%2Fpasswd',
      '%2Ftmp%2FOutside.md',
      'Simple%00Runbook.md',
      'SimpleRunbook.md%00.txt',
      '..%5COutside.md',
      '.hidden.md',
    ];
    const routes: [string, (name: string) => string][] = [
      ['GET', (name) => `/api/runbooks/${name}`],
      ['GET', (name) => `/api/runbooks/${name}/required-env`],
      ['PATCH', (name) => `/api/runbooks/${name}/validate`],
      ['POST', (name) => `/api/runbooks/${name}/execute`],
    ];
    it.each(names)('%s', async (name) => {
      for (const [method, path] of routes) {
        const response = await raw(method, path(name));
        expect([method, path(name), response.status]).toEqual([method, path(name), 400]);
        const body = json(response.text);
        expect(body['error']).toMatch(/^Invalid runbook filename: /);
        if (method === 'POST') expect(body['success']).toBe(false);
        expect(response.text).not.toContain(server.dirs.root);
        expect(response.text).not.toContain('secret outside');
      }
    });

    it('treats a path with more segments as an unknown route (404 JSON)', async () => {
      for (const path of ['/api/runbooks/../../etc/passwd', '/api/runbooks//etc/passwd']) {
        const response = await raw('GET', path);
        expect(response.status).toBe(404);
        expect(json(response.text)).toEqual({ error: 'Not found' });
      }
    });

    it('serves only *.md files: other files are not runbooks (404)', async () => {
      const response = await raw('GET', '/api/runbooks/notes.txt');
      expect(response.status).toBe(404);
      expect(json(response.text)).toEqual({ error: 'Runbook not found: notes.txt' });
      const dockerfile = await raw('GET', '/api/runbooks/CreatePackage.dockerfile');
      expect(dockerfile.status).toBe(404);
    });

    it('answers a broken percent-encoding with 400 JSON', async () => {
      const response = await raw('GET', '/api/runbooks/%FF.md');
      expect(response.status).toBe(400);
      expect(json(response.text)['error']).toEqual(expect.any(String));
    });
  });

  describe('framework errors are JSON, never HTML', () => {
    it.each([
      '/nope',
      '/api',
      '/api/nothing',
      '/api/runbooks/a/b/c',
      '/docs/',
      '/docs/../src/main.ts',
    ])('unknown route %s → 404 JSON', async (path) => {
      const response = await raw('GET', path);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(json(response.text)).toEqual({ error: 'Not found' });
    });

    it.each([
      ['DELETE', '/api/runbooks/SimpleRunbook.md', 'GET, PATCH, POST'],
      ['PUT', '/api/runbooks/SimpleRunbook.md/validate', 'PATCH'],
      ['GET', '/api/runbooks/SimpleRunbook.md/execute', 'POST'],
      ['POST', '/api/runbooks', 'GET'],
      ['PUT', '/api/config', 'GET'],
      ['GET', '/api/shutdown', 'POST'],
      ['GET', '/dev-login', 'POST'],
      ['POST', '/metrics', 'GET'],
      ['GET', '/api/runs/abc/cancel', 'POST'],
    ])('%s %s → 405 JSON with Allow: %s', async (method, path, allow) => {
      const response = await raw(method, path);
      expect(response.status).toBe(405);
      expect(response.headers['allow']).toBe(allow);
      expect(json(response.text)).toEqual({ error: 'Method not allowed' });
    });

    it('answers OPTIONS on a routed path with the allowed methods', async () => {
      const response = await raw('OPTIONS', '/api/runbooks/SimpleRunbook.md');
      expect(response.status).toBe(204);
      expect(response.headers['allow']).toBe('GET, PATCH, POST');
    });

    it('answers bodies over 1 MB with 413 JSON', async () => {
      const big = JSON.stringify({ env_vars: { BIG: 'x'.repeat(1024 * 1024 + 10) } });
      for (const [method, path] of [
        ['PATCH', '/api/runbooks/SimpleRunbook.md/validate'],
        ['POST', '/api/runbooks/SimpleRunbook.md/execute'],
        ['POST', '/dev-login'],
      ] as const) {
        const response = await call(server, path, {
          method,
          token,
          body: big,
          headers: { 'Content-Type': 'application/json' },
        });
        expect([path, response.status]).toEqual([path, 413]);
        expect(response.body).toEqual({ error: 'Request body is larger than 1 MB' });
      }
    });

    it('answers malformed JSON with 400 JSON, also on dev-login', async () => {
      for (const path of ['/dev-login', '/api/runbooks/SimpleRunbook.md/execute']) {
        const response = await call<{ error: string }>(server, path, {
          method: 'POST',
          token,
          body: '{"subject": ',
          headers: { 'Content-Type': 'application/json' },
        });
        expect([path, response.status]).toEqual([path, 400]);
        expect(response.body.error).toEqual(expect.any(String));
        expect(response.text).not.toMatch(/<html|at \w+ \(/i);
      }
    });

    it('ignores a body that is not JSON, as the reference (env_vars = {})', async () => {
      const response = await call(server, '/api/runbooks/SimpleRunbook.md/validate', {
        method: 'PATCH',
        token,
        body: 'TEST_VAR=x',
        headers: { 'Content-Type': 'text/plain' },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        errors: ['Required environment variable not set: TEST_VAR'],
      });
    });
  });

  describe('a missing runbooks folder', () => {
    it('answers 404 without the absolute path (the reference leaked it)', async () => {
      const broken = await startApi({
        samples: false,
        env: { RUNBOOKS_DIR: join(server.dirs.root, 'no-such-folder') },
      });
      const response = await call(broken, '/api/runbooks', { token: broken.token() });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: 'Runbooks directory not found' });
      await broken.stop();
    });
  });
});
