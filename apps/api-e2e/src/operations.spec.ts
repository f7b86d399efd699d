import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseHistoryEntries } from '@runbooks/runbook-format';
import type { ConfigResponse, RunAccepted, RunRecord } from '@runbooks/types';
import { load } from 'js-yaml';

import {
  API_MAIN,
  baseEnv,
  freePort,
  makeDirs,
  startApi,
  stopAllServers,
  type ApiServer,
} from './support/api-server';
import { call } from './support/http-client';
import { LiveStream } from './support/sse';
import { runbookText } from './support/runbook-text';
import { waitFor } from './support/wait-for';

const REFERENCE_ORDER = [
  'BUILT_AT',
  'LOGGING_LEVEL',
  'RUNBOOKS_DIR',
  'EXECUTION_DIR',
  'MOUNT_DIR',
  'API_PROTOCOL',
  'API_HOST',
  'UI_HEADER',
  'JWT_ALGORITHM',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'API_PORT',
  'JWT_TTL_MINUTES',
  'SCRIPT_TIMEOUT_SECONDS',
  'MAX_OUTPUT_SIZE_BYTES',
  'MAX_RECURSION_DEPTH',
  'ENABLE_LOGIN',
  'JWT_SECRET',
];

const GATED = runbookText({
  name: 'Gated',
  env: { GO_FILE: 'Release file' },
  script: 'echo waiting\nwhile [[ ! -e $GO_FILE ]]; do sleep 0.05; done\necho released',
});

interface OpenApi {
  openapi: string;
  info: { title: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}
interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<
    string,
    { content?: Record<string, unknown>; headers?: Record<string, unknown> }
  >;
  security?: unknown[];
}

describe('operations', () => {
  let server: ApiServer;
  let admin: string;
  let sre: string;

  beforeAll(async () => {
    server = await startApi({ runbooks: { 'Gated.md': GATED } });
    admin = server.token({ sub: 'root', roles: ['admin'] });
    sre = server.token({ sub: 'alice', roles: ['sre', 'api'] });
  });
  afterAll(stopAllServers);

  describe('/metrics', () => {
    it('exports HTTP, run, RBAC, rate-limit and process metrics after requests and runs', async () => {
      await call(server, '/api/runbooks', { token: sre });
      await call(server, '/api/runbooks/SimpleRunbook.md/execute', {
        method: 'POST',
        token: sre,
        json: { env_vars: { TEST_VAR: 'm' } },
      });
      await call(server, '/api/runbooks/SimpleRunbook.md/execute', {
        method: 'POST',
        token: server.token({ roles: ['viewer'] }),
      });
      const response = await call(server, '/metrics');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = response.text;
      expect(text).toMatch(
        /^http_requests_total\{method="GET",route="\/api\/runbooks",status="200"\} \d+/m,
      );
      expect(text).toMatch(
        /^http_request_duration_seconds_bucket\{.*route="\/api\/runbooks\/:filename\/execute"/m,
      );
      expect(text).toMatch(
        /^runbook_runs_total\{runbook="SimpleRunbook\.md",status="success"\} 1$/m,
      );
      expect(text).toMatch(
        /^runbook_runs_total\{runbook="SimpleRunbook\.md",status="denied"\} 1$/m,
      );
      expect(text).toMatch(
        /^runbook_run_duration_seconds_count\{runbook="SimpleRunbook\.md",status="success"\} 1$/m,
      );
      expect(text).toMatch(/^runbook_active_runs 0$/m);
      expect(text).toMatch(/^runbook_queued_runs 0$/m);
      expect(text).toMatch(
        /^runbook_rbac_denials_total\{runbook="SimpleRunbook\.md",operation="execute"\} 1$/m,
      );
      expect(text).toContain('# TYPE runbook_rate_limit_hits_total counter');
      expect(text).toMatch(/^runbook_api_info\{version="[^"]+"\} 1$/m);
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    });
  });

  describe('/health', () => {
    it('is live, and ready when folders and store work', async () => {
      const live = await call(server, '/health/live');
      expect(live.status).toBe(200);
      expect(live.body).toMatchObject({ status: 'ok' });
      const ready = await call(server, '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        info: {
          runbooks_dir: { status: 'up' },
          execution_dir: { status: 'up' },
          run_store: { status: 'up' },
        },
      });
    });

    it('answers 503 with terminus details when the execution folder is unusable', async () => {
      const away = `${server.dirs.execution}.away`;
      renameSync(server.dirs.execution, away);
      try {
        const ready = await call<Record<string, Record<string, Record<string, string>>>>(
          server,
          '/health/ready',
        );
        expect(ready.status).toBe(503);
        expect(ready.body).toMatchObject({
          status: 'error',
          info: { runbooks_dir: { status: 'up' }, run_store: { status: 'up' } },
          error: { execution_dir: { status: 'down' } },
          details: { execution_dir: { status: 'down' } },
        });
        expect(ready.body['error']?.['execution_dir']?.['message']).toEqual(expect.any(String));
        expect(ready.text).not.toContain(server.dirs.root);
        expect((await call(server, '/health/live')).status).toBe(200);
      } finally {
        renameSync(away, server.dirs.execution);
      }
      expect((await call(server, '/health/ready')).status).toBe(200);
    });
  });

  describe('/docs', () => {
    let document: OpenApi;

    beforeAll(async () => {
      const response = await call(server, '/docs/openapi.yaml');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/yaml/);
      document = load(response.text) as OpenApi;
    });

    it('is valid OpenAPI 3 YAML listing every endpoint', () => {
      expect(document.openapi).toMatch(/^3\./);
      const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(operations.sort()).toEqual(
        [
          'GET /api/runbooks',
          'GET /api/runbooks/{filename}',
          'GET /api/runbooks/{filename}/required-env',
          'GET /api/runbooks/{filename}/history',
          'PATCH /api/runbooks/{filename}/validate',
          'POST /api/runbooks/{filename}/execute',
          'GET /api/runs',
          'GET /api/runs/{id}',
          'GET /api/runs/{id}/events',
          'POST /api/runs/{id}/cancel',
          'POST /api/runs/{id}/approve',
          'POST /api/runs/{id}/reject',
          'GET /api/approvals',
          'GET /api/schedules',
          'GET /api/config',
          'GET /api/info',
          'POST /api/shutdown',
          'POST /dev-login',
          'GET /metrics',
          'GET /health/live',
          'GET /health/ready',
          'GET /docs/openapi.yaml',
          'GET /docs/explorer.html',
        ].sort(),
      );
    });

    it('documents tags, bodies, every response with a schema, and the headers', () => {
      for (const [path, methods] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          const where = `${method.toUpperCase()} ${path}`;
          expect([where, operation.tags?.length ?? 0]).not.toEqual([where, 0]);
          expect([where, operation.summary ?? '']).not.toEqual([where, '']);
          for (const [code, response] of Object.entries(operation.responses)) {
            if (code === '204') continue;
            expect([where, code, Object.keys(response.content ?? {}).length]).not.toEqual([
              where,
              code,
              0,
            ]);
          }
        }
      }
      const execute = document.paths['/api/runbooks/{filename}/execute']?.['post'];
      expect(Object.keys(execute?.responses ?? {}).sort()).toEqual(
        ['200', '202', '400', '401', '403', '404', '409', '413', '429', '500', '503'].sort(),
      );
      expect(Object.keys(execute?.responses['200']?.content ?? {}).sort()).toEqual([
        'application/json',
        'text/event-stream',
      ]);
      expect(execute?.responses['200']?.headers).toHaveProperty('X-Run-Id');
      expect(execute?.responses['202']?.headers).toHaveProperty('Location');
      expect(execute?.responses['200']?.headers).toHaveProperty('X-RateLimit-Limit');
      expect(execute?.responses['429']?.headers).toHaveProperty('Retry-After');
      expect(execute?.description).toContain('event: done');
      // The reference's short form is the same operation: named, not listed twice.
      expect(execute?.description).toContain(
        "Also answered at `POST /api/runbooks/{filename}` (the reference's short form).",
      );
      expect(document.paths['/api/runbooks/{filename}/validate']?.['patch']?.description).toContain(
        'Also answered at `PATCH /api/runbooks/{filename}`',
      );
      expect(execute?.description).toContain('heartbeat');
      expect(Object.keys(execute?.requestBody?.content ?? {})).toContain('application/json');
      expect((execute?.parameters ?? []).map((p) => `${p.in}:${p.name}`)).toEqual(
        expect.arrayContaining(['path:filename', 'header:Prefer', 'header:X-Recursion-Stack']),
      );
      const runs = document.paths['/api/runs']?.['get'];
      expect((runs?.parameters ?? []).map((p) => p.name)).toEqual(
        expect.arrayContaining([
          'filter[status]',
          'filter[runbook]',
          'filter[requested_by]',
          'filter[labels]',
          'filter[created_at][gte]',
          'filter[created_at][lt]',
          'fields[data]',
          'limit',
          'cursor',
        ]),
      );
      const events = document.paths['/api/runs/{id}/events']?.['get'];
      expect((events?.parameters ?? []).map((p) => p.name)).toContain('Last-Event-ID');
      expect(document.components.schemas).toHaveProperty('ErrorResponse');
      expect(document.components.securitySchemes).toHaveProperty('bearerAuth');
      expect(document.paths['/dev-login']?.['post']?.security).toEqual([]);
      expect(document.paths['/metrics']?.['get']?.security).toEqual([]);
    });

    it('serves Swagger UI from the npm package, not a CDN', async () => {
      const page = await call(server, '/docs/explorer.html');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).not.toMatch(/https?:\/\//);
      const assets = [...page.text.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]);
      expect(assets).toEqual(
        expect.arrayContaining(['swagger-ui/swagger-ui.css', 'swagger-ui/swagger-ui-bundle.js']),
      );
      for (const asset of assets) {
        const response = await call(server, `/docs/${asset}`);
        expect([asset, response.status]).toEqual([asset, 200]);
        expect(response.text.length).toBeGreaterThan(10);
      }
      const unknown = await call(server, '/docs/swagger-ui/package.json');
      expect(unknown.status).toBe(404);
    });
  });

  describe('/api/info and /api/config', () => {
    it('tells an anonymous client the name, version and whether dev-login exists', async () => {
      const response = await call(server, '/api/info');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ name: 'runbooks', dev_login: true });
    });

    it('is for admins only', async () => {
      const response = await call<{ error: string }>(server, '/api/config', { token: sre });
      expect(response.status).toBe(403);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(response.body.error).toMatch(/^RBAC check failed/);
    });

    it('lists config_items in the reference order, then ours, with secrets masked', async () => {
      const response = await call<ConfigResponse>(server, '/api/config', {
        token: admin,
        headers: { 'X-Forwarded-For': '203.0.113.9' },
      });
      expect(response.status).toBe(200);
      const items = response.body.config_items;
      expect(items.slice(0, REFERENCE_ORDER.length).map((item) => item.name)).toEqual(
        REFERENCE_ORDER,
      );
      expect(items.map((item) => item.name)).toEqual(
        expect.arrayContaining([
          'RUNBOOK_DATA_DIR',
          'JWT_PUBLIC_KEY',
          'JWT_JWKS_URL',
          'JWT_REQUIRE_EXP',
          'ADMIN_REQUIRED_CLAIMS',
          'RATE_LIMIT_ENABLED',
          'RATE_LIMIT_PER_MINUTE',
          'RATE_LIMIT_EXECUTE_PER_MINUTE',
          'RATE_LIMIT_STORAGE_BACKEND',
          'REDIS_URL',
          'SSE_HEARTBEAT_SECONDS',
          'SHUTDOWN_GRACE_SECONDS',
          'MAX_CONCURRENT_RUNS',
        ]),
      );
      const byName = new Map(items.map((item) => [item.name, item]));
      expect(byName.get('JWT_SECRET')).toEqual({
        name: 'JWT_SECRET',
        value: 'secret',
        from: 'environment',
      });
      expect(byName.get('REDIS_URL')).toMatchObject({ value: 'secret', from: 'default' });
      expect(byName.get('API_PORT')).toEqual({
        name: 'API_PORT',
        value: String(server.port),
        from: 'environment',
      });
      expect(byName.get('MAX_RECURSION_DEPTH')).toEqual({
        name: 'MAX_RECURSION_DEPTH',
        value: '50',
        from: 'default',
      });
      for (const item of items) expect(Object.keys(item)).toEqual(['name', 'value', 'from']);
      expect(response.text).not.toContain(server.secret);
      expect(response.body.token).toMatchObject({
        user_id: 'root',
        roles: ['admin'],
        remote_ip: '127.0.0.1',
        claims: { sub: 'root', user_id: 'root', iss: 'dev-idp', aud: 'dev-api' },
      });
    });
  });
});

describe('start-up configuration', () => {
  it('refuses to start with one message listing every bad value', async () => {
    const dirs = makeDirs(false);
    try {
      const env = {
        ...baseEnv(dirs, await freePort()),
        API_PORT: 'eighty',
        SCRIPT_TIMEOUT_SECONDS: '-5',
        RATE_LIMIT_STORAGE_BACKEND: 'mongo',
        ENABLE_LOGIN: 'maybe',
        JWT_SECRET: 'dev-secret-change-me',
        EXECUTION_DIR: join(dirs.root, 'missing'),
      };
      const child = spawn(process.execPath, [API_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).not.toBe(0);
      for (const expected of [
        "API_PORT must be an integer (got 'eighty')",
        'SCRIPT_TIMEOUT_SECONDS must be at least 1 (got -5)',
        'RATE_LIMIT_STORAGE_BACKEND must be one of memory, redis',
        "ENABLE_LOGIN must be true or false (got 'maybe')",
        'JWT_SECRET must be explicitly set.',
        `${join(dirs.root, 'missing')} does not exist.`,
      ]) {
        expect(output).toContain(expected);
      }
    } finally {
      rmSync(dirs.root, { recursive: true, force: true });
    }
  });
});

describe('graceful shutdown', () => {
  afterAll(stopAllServers);

  const startGated = async (server: ApiServer, token: string, go: string) => {
    const response = await call<RunAccepted>(server, '/api/runbooks/Gated.md/execute', {
      method: 'POST',
      token,
      json: { env_vars: { GO_FILE: go } },
      headers: { Prefer: 'respond-async' },
    });
    const id = response.body.run_id;
    await waitFor(
      async () =>
        (await call<RunRecord>(server, `/api/runs/${id}`, { token })).body.stdout === 'waiting\n',
      { what: 'the run to start' },
    );
    return id;
  };

  const readAfterRestart = async (first: ApiServer, id: string) => {
    const second = await startApi({ dirs: first.dirs, env: { JWT_SECRET: first.secret } });
    const run = await call<RunRecord>(second, `/api/runs/${id}`, { token: second.token() });
    await second.stop();
    return run.body;
  };

  it('on SIGTERM lets a running run finish within the grace period, refuses new ones, exits 0', async () => {
    const server = await startApi({
      samples: false,
      runbooks: { 'Gated.md': GATED },
      env: { SHUTDOWN_GRACE_SECONDS: '60' },
    });
    try {
      const token = server.token();
      const go = join(server.dirs.root, `go-${randomUUID()}`);
      const id = await startGated(server, token, go);
      server.child.kill('SIGTERM');
      await waitFor(() => server.logs.includes('Shutting down'), { what: 'shutdown to begin' });
      const refused = await call(server, '/api/runbooks/Gated.md/execute', {
        method: 'POST',
        token,
        json: { env_vars: { GO_FILE: go } },
      });
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ error: 'Server is shutting down', success: false });
      writeFileSync(go, '');
      expect(await server.waitForExit()).toBe(0);
      expect(await readAfterRestart(server, id)).toMatchObject({
        status: 'success',
        stdout: 'waiting\nreleased\n',
      });
      const entries = parseHistoryEntries(
        readFileSync(join(server.dirs.runbooks, 'Gated.md'), 'utf8'),
      );
      expect(entries.at(-1)).toMatchObject({ exitCode: 0 });
    } finally {
      await server.stop();
    }
  });

  it('on POST /api/shutdown (admin only) cancels and records what outlives the grace period, exits 0', async () => {
    const server = await startApi({
      samples: false,
      runbooks: { 'Gated.md': GATED },
      env: { SHUTDOWN_GRACE_SECONDS: '1' },
    });
    try {
      const token = server.token({ sub: 'root', roles: ['admin'] });
      const go = join(server.dirs.root, `go-never-${randomUUID()}`);
      const id = await startGated(server, token, go);
      const notAdmin = await call(server, '/api/shutdown', {
        method: 'POST',
        token: server.token({ roles: ['sre'] }),
      });
      expect(notAdmin.status).toBe(403);
      const events = await LiveStream.open(`${server.url}/api/runs/${id}/events`, {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token}` },
      });
      const response = await call(server, '/api/shutdown', { method: 'POST', token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ message: 'Shutdown initiated' });
      // An open stream hears of the shutdown at once, before the run is canceled.
      await waitFor(() => events.parsed.events.some((event) => event.event === 'shutdown'), {
        what: 'the shutdown event on the open stream',
      });
      const notice = events.parsed.events.find((event) => event.event === 'shutdown');
      expect(notice?.id).toBeNull();
      const data = JSON.parse(notice?.data ?? '{}') as { grace_seconds: number; cancel_at: string };
      expect(data.grace_seconds).toBe(1);
      expect(Number.isNaN(Date.parse(data.cancel_at))).toBe(false);
      const ended = await events.untilEnd();
      expect(ended.events.map((event) => event.event).slice(-2)).toEqual(['shutdown', 'done']);
      expect(await server.waitForExit()).toBe(0);
      expect(await readAfterRestart(server, id)).toMatchObject({
        status: 'canceled',
        canceled_by: 'system',
        cancel_reason: 'server shutdown',
      });
      const entries = parseHistoryEntries(
        readFileSync(join(server.dirs.runbooks, 'Gated.md'), 'utf8'),
      );
      expect(entries.at(-1)?.exitCode).toBe(-15);
      // The History entry says who canceled the run and why.
      expect(entries.at(-1)?.error).toBe('Canceled by system: server shutdown');
    } finally {
      await server.stop();
    }
  });
});
