import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Redis from 'ioredis';
import { Client } from 'pg';

import { devLogin, makeServerDirs, startApiServer, type ApiServer } from './support/api-server';
import { httpCall } from './support/http-client';
import { kustomizeBuild, objectNamed, resolveEnv, type EnvVar } from './support/kustomize';
import { startPrometheus, type PrometheusServer } from './support/prometheus-server';
import { DEPLOY_DIR, SAMPLE_RUNBOOKS } from './support/repo-paths';
import { runCommand } from './support/run-command';
import { waitFor } from './support/wait-for';
import { asArray, asRecord, dig, readYaml, type YamlNode } from './support/yaml-files';

/** The machine's PostgreSQL (trust on loopback) and Redis; the test uses its own database and key prefix. */
const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const K8S_DIR = join(DEPLOY_DIR, 'k8s');
const DASHBOARD_FILE = join(DEPLOY_DIR, 'grafana-dashboard.json');

/** The settings a Deployment of the distributed component gives its container: ConfigMap, then env. */
function podSettings(objects: YamlNode[], deployment: string, jwtSecret: string) {
  const config = asRecord(
    objectNamed(objects, 'ConfigMap', 'runbooks-config')['data'],
    'ConfigMap data',
  );
  const container = dig(objectNamed(objects, 'Deployment', deployment), 'spec', 'template', 'spec');
  const env = resolveEnv(
    (dig(container, 'containers', 0, 'env') as EnvVar[] | undefined) ?? [],
    new Map([
      ['runbooks-secrets/JWT_SECRET', jwtSecret],
      ['runbooks-secrets/POSTGRES_PASSWORD', 'unused'],
      ['runbooks-secrets/REDIS_PASSWORD', 'unused'],
    ]),
  );
  return { ...(config as Record<string, string>), ...Object.fromEntries(env) };
}

/** A dashboard panel's first query, Grafana's variables replaced by "everything". */
function panelQuery(title: string): string {
  const board = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr?: string }> }>;
  };
  const expr = board.panels.find((p) => p.title === title)?.targets?.[0]?.expr;
  if (!expr) throw new Error(`no panel "${title}" with a query`);
  return expr
    .replaceAll('$__range', '5m')
    .replaceAll('$job', 'runbooks')
    .replaceAll('$instance', '.*');
}

describe('workers as Prometheus targets (distributed mode, real PostgreSQL and Redis)', () => {
  const id = randomBytes(5).toString('hex');
  const database = `runbooks_deploy_${id}`;
  const keyPrefix = `rbdeploy:${id}`;
  const jwtSecret = `deploy-worker-metrics-${randomBytes(16).toString('hex')}`;
  let root: string;
  let api: ApiServer | undefined;
  let worker: ApiServer | undefined;
  let prometheus: PrometheusServer | undefined;

  /** The env each server ran with. */
  const envs: Record<string, Record<string, string>> = {};

  /** The server env of one role: the rendered pod's settings, with this machine's datastores. */
  const serverEnv = (
    rendered: YamlNode[],
    deployment: string,
    dirs: ReturnType<typeof makeServerDirs>,
  ) => {
    const databaseUrl = new URL(PG_ADMIN_URL);
    databaseUrl.pathname = `/${database}`;
    const env = {
      ...podSettings(rendered, deployment, jwtSecret),
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      RATE_LIMIT_KEY_PREFIX: `${keyPrefix}:rate-limit:`,
      EVENTS_STREAM: `${keyPrefix}:runs.events`,
      RUNBOOKS_DIR: dirs.runbooks,
      EXECUTION_DIR: dirs.execution,
      RUNBOOK_DATA_DIR: dirs.data,
      HOME: dirs.home,
      ENABLE_LOGIN: 'true',
    };
    envs[deployment] = env;
    return env;
  };

  beforeAll(async () => {
    const admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
    const rendered = kustomizeBuild(K8S_DIR, { components: [join(K8S_DIR, 'distributed')] });
    root = mkdtempSync(join(tmpdir(), 'deploy-worker-metrics-'));
    // As root the worker runs scripts under their own uids, which must reach its execution dir.
    chmodSync(root, 0o711);
    mkdirSync(join(root, 'api'));
    mkdirSync(join(root, 'worker'));
    worker = await startApiServer({
      env: serverEnv(
        rendered,
        'runbooks-worker',
        makeServerDirs(join(root, 'worker'), SAMPLE_RUNBOOKS),
      ),
    });
    api = await startApiServer({
      env: serverEnv(rendered, 'runbooks', makeServerDirs(join(root, 'api'), SAMPLE_RUNBOOKS)),
    });

    // The shipped prometheus.yml, each role's targets replaced by the test server of that role.
    const config = readYaml(join(DEPLOY_DIR, 'prometheus.yml'));
    const job = asRecord(asArray(config['scrape_configs'], 'scrape_configs')[0], 'job');
    const servers = { api, worker };
    job['static_configs'] = asArray(job['static_configs'], 'static_configs').map((c) => {
      const role = String(dig(c, 'labels', 'role')) as keyof typeof servers;
      return { ...asRecord(c, 'static config'), targets: [`127.0.0.1:${servers[role].port}`] };
    });
    const started = await startPrometheus(config);
    prometheus = started;
    await waitFor(
      async () => (await started.query('up{job="runbooks"} == 1')).data?.result.length === 2,
      'Prometheus to scrape the API instance and the worker',
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await api?.stop();
    await worker?.stop();
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    const admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const query = (expr: string) => {
    if (!prometheus) throw new Error('prometheus did not start');
    return prometheus.query(expr);
  };

  it('runs the rendered worker pod’s settings: RUNBOOK_ROLE=worker, ready, /metrics served', async () => {
    if (!worker) throw new Error('no worker');
    expect(envs['runbooks-worker']?.['RUNBOOK_ROLE']).toBe('worker');
    expect(envs['runbooks']?.['RUNBOOK_ROLE']).toBe('api');
    // The pod's readiness probe and the image's healthcheck.
    const ready = runCommand('sh', [join(DEPLOY_DIR, 'healthcheck.sh'), 'ready'], {
      env: { ...process.env, API_URL: worker.url },
    });
    expect(ready.stdout).toBe(`OK: ready ${worker.url}/health/ready\n`);
    expect((await httpCall(`${worker.url}/metrics`)).body).toContain('runbook_api_info');
  });

  it('scrapes the worker in job runbooks with role worker, next to the API instance', async () => {
    const answer = await query('up{job="runbooks"}');
    const targets = (answer.data?.result ?? []).map((r) => ({
      role: r.metric['role'],
      instance: r.metric['instance'],
      up: r.value[1],
    }));
    expect(targets.sort((a, b) => String(a.role).localeCompare(String(b.role)))).toEqual([
      { role: 'api', instance: `127.0.0.1:${api?.port}`, up: '1' },
      { role: 'worker', instance: `127.0.0.1:${worker?.port}`, up: '1' },
    ]);
  });

  it('counts a run where the worker ran it, and the dashboard sees it through the worker target', async () => {
    const apiUrl = api?.url ?? '';
    const token = await devLogin(apiUrl, 'sre-1', ['sre']);
    const runOnce = async () => {
      const run = await httpCall(`${apiUrl}/api/runbooks/SimpleRunbook.md/execute`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ env_vars: { TEST_VAR: 'scraped' } }),
        timeoutMs: 60_000,
      });
      expect({ status: run.status, body: run.body }).toEqual({
        status: 200,
        body: expect.stringContaining('SimpleRunbook completed successfully') as unknown,
      });
    };
    // A counter's first scrape is its baseline: one run, scraped, then the one the panel counts.
    await runOnce();
    await waitFor(
      async () =>
        ((await query('runbook_runs_total{job="runbooks"}')).data?.result.length ?? 0) > 0,
      'Prometheus to scrape the first run',
    );
    await runOnce();
    await waitFor(
      async () =>
        Number((await query(panelQuery('Runs (range)'))).data?.result[0]?.value[1] ?? 0) >= 1,
      'the dashboard’s "Runs (range)" to count the run',
    );
    const byRole = await query('sum by (role) (runbook_runs_total{job="runbooks"})');
    expect(byRole.data?.result.map((r) => r.metric['role'])).toEqual(['worker']);
  });

  it('lists the worker in the dashboard’s instance variable and in "Instances up"', async () => {
    const info = await query('count by (instance) (runbook_api_info{job=~"runbooks"})');
    expect(info.data?.result.map((r) => r.metric['instance'])).toContain(
      `127.0.0.1:${worker?.port}`,
    );
    const up = await query(panelQuery('Instances up'));
    expect(up.data?.result[0]?.value[1]).toBe('2');
  });
});
