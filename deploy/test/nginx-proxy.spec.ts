import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  chownToImageUser,
  devLogin,
  makeServerDirs,
  startApiServer,
  type ApiServer,
} from './support/api-server';
import { loadConfigSchema } from './support/config-schema';
import { freePort } from './support/free-port';
import { httpCall, openStream, type StreamedAnswer } from './support/http-client';
import {
  makeTestCertificate,
  startNginx,
  testNginxConfig,
  writeNginxConfig,
  type NginxProcess,
  type NginxTestSetup,
} from './support/nginx-server';
import { parseExposition } from './support/prometheus-exposition';
import { startRedis, type RedisServer } from './support/redis-server';
import { SAMPLE_RUNBOOKS } from './support/repo-paths';

// With SSE_HEARTBEAT_SECONDS the test can use a short heartbeat and a short proxy timeout; a
// server without it pings every 15 s, so the timeout and the silence must be longer.
const hasHeartbeatSetting = loadConfigSchema().some((v) => v.name === 'SSE_HEARTBEAT_SECONDS');
const HEARTBEAT_SECONDS = hasHeartbeatSetting ? 2 : 15;
const READ_TIMEOUT_SECONDS = HEARTBEAT_SECONDS * 2 + 1;
/** The script stays silent this long: longer than nginx's read timeout would allow. */
const SILENCE_SECONDS = READ_TIMEOUT_SECONDS + 3;

const quietRunbook = `# QuietRunbook
Prints a line, stays silent longer than the proxy's read timeout, prints another.

# Environment Requirements
\`\`\`yaml
REASON: Why the run was started
\`\`\`

# File System Requirements
\`\`\`yaml
Input: []
\`\`\`

# Required Claims
\`\`\`yaml
roles: sre
\`\`\`

# Script
\`\`\`sh
#!/bin/zsh
print -r -- "before the silence"
sleep ${SILENCE_SECONDS}
print -r -- "after the silence"
\`\`\`

# History
`;

/** Requests per minute per client and route, shared by both instances through Redis. */
const RATE_LIMIT_PER_MINUTE = 20;

const maxGapMs = (answer: StreamedAnswer) =>
  answer.chunks.reduce(
    (max, chunk, i) =>
      Math.max(max, chunk.atMs - (i === 0 ? 0 : (answer.chunks[i - 1]?.atMs ?? 0))),
    0,
  );

describe('nginx.conf on loopback in front of two API instances', () => {
  let root: string;
  let ca: string;
  let apis: ApiServer[] = [];
  let setup: NginxTestSetup;
  let nginx: NginxProcess;
  let base: string;
  let token: string;
  let runbooksDir: string;
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis('nginx-test-redis-password');
    root = mkdtempSync(join(tmpdir(), 'deploy-nginx-'));
    chmodSync(root, 0o755);
    ca = makeTestCertificate(join(root, 'tls'));
    const webRoot = join(root, 'html');
    mkdirSync(webRoot);
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Runbooks console</title>\n');
    writeFileSync(join(webRoot, 'main.js'), 'console.log("console");\n');
    writeFileSync(join(webRoot, 'main-ZO4PW7DQ.js'), 'console.log("hashed");\n');

    // One shared runbook collection (as compose.multi.yaml), a run store per instance.
    const shared = makeServerDirs(join(root, 'shared'), SAMPLE_RUNBOOKS);
    runbooksDir = shared.runbooks;
    writeFileSync(join(runbooksDir, 'QuietRunbook.md'), quietRunbook);
    const instances = [makeServerDirs(join(root, 'api-1')), makeServerDirs(join(root, 'api-2'))];
    chownToImageUser(runbooksDir, ...instances.flatMap((d) => [d.execution, d.data, d.home]));
    apis = await Promise.all(
      instances.map((dirs) =>
        startApiServer({
          asImageUser: true,
          env: {
            RUNBOOKS_DIR: runbooksDir,
            EXECUTION_DIR: dirs.execution,
            RUNBOOK_DATA_DIR: dirs.data,
            HOME: dirs.home,
            JWT_SECRET: 'nginx-test-secret-0123456789abcdef',
            ENABLE_LOGIN: 'true',
            TRUST_PROXY: 'true',
            RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
            RATE_LIMIT_EXECUTE_PER_MINUTE: '100',
            RATE_LIMIT_STORAGE_BACKEND: 'redis',
            REDIS_URL: redis.url,
            ...(hasHeartbeatSetting ? { SSE_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS) } : {}),
          },
        }),
      ),
    );

    setup = {
      prefix: join(root, 'nginx'),
      tlsDir: join(root, 'tls'),
      webRoot,
      upstreams: apis.map((api) => `127.0.0.1:${api.port}`),
      httpPort: await freePort(),
      httpsPort: await freePort(),
      apiReadTimeoutSeconds: READ_TIMEOUT_SECONDS,
    };
    nginx = await startNginx(setup, writeNginxConfig(setup));
    base = `https://127.0.0.1:${setup.httpsPort}`;
    token = await devLogin(base, 'sre-1', ['sre'], ca);
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(apis.map((api) => api.stop()));
    await redis?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const auth = () => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });

  it('passes nginx -t with only paths, upstreams and ports swapped', () => {
    const plain = { ...setup, prefix: join(root, 'nginx-plain') };
    delete plain.apiReadTimeoutSeconds;
    const file = writeNginxConfig(plain);
    expect(readFileSync(file, 'utf8')).toContain('proxy_read_timeout 3600s;');
    const result = testNginxConfig(plain.prefix, file);
    expect(result.stderr).toContain('test is successful');
    expect(result.status).toBe(0);
  });

  it('redirects plain HTTP to HTTPS and answers its own probe', async () => {
    const redirect = await httpCall(`http://127.0.0.1:${setup.httpPort}/api/runbooks?x=1`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('https://127.0.0.1/api/runbooks?x=1');
    expect((await httpCall(`http://127.0.0.1:${setup.httpPort}/nginx-health`)).body).toBe('ok\n');
  });

  it('serves the console over TLS with security headers and the SPA fallback', async () => {
    const deepLink = await httpCall(`${base}/runbooks/SimpleRunbook.md`, { ca });
    expect(deepLink.status).toBe(200);
    expect(deepLink.body).toContain('<title>Runbooks console</title>');
    expect(deepLink.headers['cache-control']).toBe('no-cache');
    expect(deepLink.headers['strict-transport-security']).toContain('max-age=');
    expect(deepLink.headers['x-content-type-options']).toBe('nosniff');
    const asset = await httpCall(`${base}/main.js`, { ca });
    expect(asset.body).toContain('console');
    expect(asset.headers['strict-transport-security']).toContain('max-age=');
    expect(asset.headers['cache-control']).toBeUndefined();
    const hashed = await httpCall(`${base}/main-ZO4PW7DQ.js`, { ca });
    expect(hashed.body).toContain('hashed');
    expect(hashed.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(hashed.headers['x-content-type-options']).toBe('nosniff');
  });

  it('proxies the API, health and metrics, spreading requests over both instances', async () => {
    for (let i = 0; i < 6; i++) {
      const list = await httpCall(`${base}/api/runbooks`, { ca, headers: auth() });
      expect(list.status).toBe(200);
      expect(list.headers['strict-transport-security']).toContain('max-age=');
    }
    expect((await httpCall(`${base}/health/ready`, { ca })).status).toBe(200);
    expect((await httpCall(`${base}/metrics`, { ca })).body).toContain('runbook_api_info');
    for (const api of apis) {
      const samples =
        parseExposition((await httpCall(`${api.url}/metrics`)).body).get('http_requests_total') ??
        [];
      const listCalls = samples.filter(
        (l) => l['route'] === '/api/runbooks' && l['status'] === '200',
      );
      expect(listCalls.length).toBe(1);
    }
  });

  it(`streams a run that is silent for ${SILENCE_SECONDS} s through a ${READ_TIMEOUT_SECONDS} s read timeout, thanks to heartbeats`, async () => {
    // Control: the same config in front of a server that sends no heartbeats is cut off.
    const silent: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('event: stdout\ndata: before the silence\n\n');
      const timer = setTimeout(
        () => res.end('event: stdout\ndata: after the silence\n\n'),
        SILENCE_SECONDS * 1000,
      );
      res.on('close', () => clearTimeout(timer));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const silentPort = (silent.address() as { port: number }).port;
    const controlSetup: NginxTestSetup = {
      ...setup,
      prefix: join(root, 'nginx-control'),
      upstreams: [`127.0.0.1:${silentPort}`],
      httpPort: await freePort(),
      httpsPort: await freePort(),
    };
    const control = await startNginx(controlSetup, writeNginxConfig(controlSetup));
    try {
      const [run, cut] = await Promise.all([
        openStream(`${base}/api/runbooks/QuietRunbook.md/execute`, {
          method: 'POST',
          ca,
          headers: { ...auth(), Accept: 'text/event-stream', 'X-Forwarded-For': '203.0.113.9' },
          body: JSON.stringify({ env_vars: { REASON: 'proxy test' } }),
        }),
        openStream(`https://127.0.0.1:${controlSetup.httpsPort}/api/stream`, { ca }),
      ]);

      expect(run.status).toBe(200);
      expect(run.headers['content-type']).toContain('text/event-stream');
      expect(run.ending).toBe('end');
      expect(run.body).toContain('data: before the silence');
      expect(run.body).toContain('data: after the silence');
      expect(run.body).toContain('event: done');
      expect(run.body).toContain(': ping');
      expect(run.totalMs).toBeGreaterThan(READ_TIMEOUT_SECONDS * 1000);
      // Nothing was held back: headers and the first line came long before the silence ended,
      // and no gap between chunks reached the read timeout.
      expect(run.chunks[0]?.atMs ?? Infinity).toBeLessThan(SILENCE_SECONDS * 1000);
      expect(maxGapMs(run)).toBeLessThan(READ_TIMEOUT_SECONDS * 1000);

      expect(cut.status).toBe(200);
      expect(cut.body).toContain('before the silence');
      expect(cut.body).not.toContain('after the silence');
      expect(cut.ending).toBe('aborted');
    } finally {
      await control.stop();
      await new Promise((r) => silent.close(r));
    }
  });

  it('shares the rate limit between the instances through Redis, as compose.multi.yaml does', async () => {
    const ready = JSON.parse((await httpCall(`${base}/health/ready`, { ca })).body) as {
      details?: Record<string, { status: string }>;
    };
    expect(ready.details?.['redis']?.status).toBe('up');
    let allowed = 0;
    let refused: { status: number; headers: Record<string, unknown>; body: string } | null = null;
    for (let i = 0; i < RATE_LIMIT_PER_MINUTE * 2 + 2 && !refused; i++) {
      const answer = await httpCall(`${base}/api/runbooks/SimpleRunbook.md/required-env`, {
        ca,
        headers: auth(),
      });
      if (answer.status === 429) refused = answer;
      else allowed++;
    }
    // Per-instance counters would have let about twice as many through.
    expect(allowed).toBe(RATE_LIMIT_PER_MINUTE);
    expect(refused?.body).toBe('{"error":"Rate limit exceeded. Please try again later."}');
    for (const api of apis) {
      const samples =
        parseExposition((await httpCall(`${api.url}/metrics`)).body).get('http_requests_total') ??
        [];
      expect(
        samples.some(
          (l) => l['route'] === '/api/runbooks/:filename/required-env' && l['status'] === '200',
        ),
      ).toBe(true);
    }
  });

  it('records the client address nginx saw, not the one the client claimed', () => {
    // The audit record of the run above, as the server logs it. Had nginx appended to
    // X-Forwarded-For, the API (TRUST_PROXY=true) would have taken the forged left-most entry.
    const logs = apis.map((api) => api.log()).join('\n');
    expect(logs).toContain('"from_ip":"127.0.0.1"');
    expect(logs).not.toContain('203.0.113.9');
  });
});
