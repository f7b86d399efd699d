import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { dump } from 'js-yaml';

import {
  chownToImageUser,
  devLogin,
  makeServerDirs,
  startApiServer,
  type ApiServer,
} from './support/api-server';
import { projectConfigMapVolume } from './support/configmap-volume';
import { freePort } from './support/free-port';
import { httpCall, openStream } from './support/http-client';
import { parseExposition, type Exposition } from './support/prometheus-exposition';
import { startPrometheus, type PrometheusServer } from './support/prometheus-server';
import {
  literalAlternatives,
  metricSelectors,
  type MetricSelector,
} from './support/promql-selectors';
import { DEPLOY_DIR } from './support/repo-paths';
import { runCommand } from './support/run-command';
import { waitFor } from './support/wait-for';
import { asArray, asRecord, dig, readYaml, readYamlDocuments } from './support/yaml-files';

/** Labels Prometheus adds to every scraped series; the server never exports them itself. */
const TARGET_LABELS = new Set(['job', 'instance']);
/** Series Prometheus makes up itself for every target. */
const SYNTHETIC_METRICS = new Set(['up']);

const ALERTS_FILE = join(DEPLOY_DIR, 'prometheus-alerts.yml');
const DASHBOARD_FILE = join(DEPLOY_DIR, 'grafana-dashboard.json');

interface NamedExpr {
  where: string;
  expr: string;
}

function alertExpressions(): NamedExpr[] {
  const groups = asArray(dig(readYaml(ALERTS_FILE), 'groups'), 'groups');
  return groups.flatMap((group) =>
    asArray(dig(group, 'rules'), 'rules').map((rule) => ({
      where: `alert ${String(dig(rule, 'alert'))}`,
      expr: String(dig(rule, 'expr')),
    })),
  );
}

interface DashboardPanel {
  title: string;
  type: string;
  id: number;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { uid?: string };
  targets?: Array<{ expr?: string; refId?: string }>;
}

function dashboard() {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
    uid: string;
    title: string;
    panels: DashboardPanel[];
    templating: {
      list: Array<{ name: string; type: string; query?: { query?: string } | string }>;
    };
  };
}

function dashboardExpressions(): NamedExpr[] {
  return dashboard().panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `panel "${panel.title}" ${target.refId ?? ''}`,
      expr: target.expr ?? '',
    })),
  );
}

/** Grafana's variables replaced by values Prometheus accepts. */
function withGrafanaVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '10s')
    .replaceAll('$__range', '1m')
    .replaceAll('$job', 'runbooks')
    .replaceAll('$instance', '.*');
}

/** Everything wrong with `selector` given what the server exported. */
function problemsOf(selector: MetricSelector, exposition: Exposition): string[] {
  if (SYNTHETIC_METRICS.has(selector.metric)) return [];
  const series = exposition.get(selector.metric);
  if (!series) return [`metric ${selector.metric} is not in /metrics`];
  const problems: string[] = [];
  for (const matcher of selector.matchers) {
    if (TARGET_LABELS.has(matcher.label) || matcher.value.includes('$')) continue;
    const values = new Set(
      series.map((labels) => labels[matcher.label]).filter((v) => v !== undefined),
    );
    if (values.size === 0) {
      problems.push(`${selector.metric} has no label ${matcher.label}`);
      continue;
    }
    const literals =
      matcher.op === '=' || matcher.op === '!='
        ? [matcher.value]
        : literalAlternatives(matcher.value);
    if (literals) {
      for (const literal of literals)
        if (!values.has(literal))
          problems.push(
            `${selector.metric}{${matcher.label}} never has the value "${literal}" (seen: ${[...values].join(', ')})`,
          );
    } else {
      new RegExp(`^(?:${matcher.value})$`); // throws on a broken regex
    }
  }
  return problems;
}

function checkAgainst(exprs: NamedExpr[], exposition: Exposition): string[] {
  return exprs.flatMap(({ where, expr }) =>
    metricSelectors(expr).flatMap((selector) =>
      problemsOf(selector, exposition).map((p) => `${where}: ${p}`),
    ),
  );
}

const runbook = (name: string, description: string, script: string) => `# ${name}
${description}

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
${script}
\`\`\`

# History
`;

describe('monitoring assets against a live server', () => {
  let root: string;
  let server: ApiServer;
  let metricsText = '';
  let exposition: Exposition;
  let runbooksDir: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'deploy-monitoring-'));
    chmodSync(root, 0o755);
    const dirs = makeServerDirs(root);
    runbooksDir = dirs.runbooks;
    // The runbooks come from deploy/k8s's ConfigMap, projected as the kubelet does, plus two
    // runbooks that fail and time out; the settings are the ConfigMap's, with test limits on top.
    const collection = asRecord(
      dig(readYamlDocuments(join(DEPLOY_DIR, 'k8s/runbooks-configmap.yaml'))[0], 'data'),
      'runbooks ConfigMap data',
    );
    const k8sEnv = asRecord(
      dig(readYaml(join(DEPLOY_DIR, 'k8s/configmap.yaml')), 'data'),
      'ConfigMap data',
    );
    projectConfigMapVolume(dirs.runbooks, {
      ...(collection as Record<string, string>),
      'FailingRunbook.md': runbook(
        'FailingRunbook',
        'Fails on purpose.',
        'print -u2 -r -- "failing"\nexit 3',
      ),
      'SleepyRunbook.md': runbook('SleepyRunbook', 'Outlives the script timeout.', 'sleep 30'),
      // Scheduled; the scheduler holds `sre` (SCHEDULER_CLAIMS below), so its fires run.
      'ScheduledRunbook.md': runbook('ScheduledRunbook', 'Fires every 2 s.', 'echo fired').replace(
        '# Script',
        "# Schedule\n```yaml\ncron: '*/2 * * * * *'\noverlap: allow\nenv:\n  REASON: scheduled\n```\n\n# Script",
      ),
    });
    chownToImageUser(dirs.execution, dirs.data, dirs.home);
    server = await startApiServer({
      asImageUser: true,
      env: {
        ...(k8sEnv as Record<string, string>),
        RUNBOOKS_DIR: dirs.runbooks,
        EXECUTION_DIR: dirs.execution,
        RUNBOOK_DATA_DIR: dirs.data,
        HOME: dirs.home,
        JWT_SECRET: 'monitoring-test-secret-0123456789abcdef',
        ENABLE_LOGIN: 'true',
        RATE_LIMIT_PER_MINUTE: '40',
        RATE_LIMIT_EXECUTE_PER_MINUTE: '30',
        SCHEDULER_CLAIMS: '{"roles":["sre"]}',
        SCRIPT_TIMEOUT_SECONDS: '2',
        KILL_GRACE_SECONDS: '1',
      },
    });

    const sre = await devLogin(server.url, 'sre-1', ['sre']);
    const viewer = await devLogin(server.url, 'viewer-1', ['viewer']);
    const auth = (token: string) => ({
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    });
    const body = (env: Record<string, string>) => JSON.stringify({ env_vars: env });

    expect((await httpCall(`${server.url}/api/runbooks`, { headers: auth(sre) })).status).toBe(200);
    const streamed = await openStream(`${server.url}/api/runbooks/SimpleRunbook.md/execute`, {
      method: 'POST',
      headers: { ...auth(sre), Accept: 'text/event-stream' },
      body: body({ TEST_VAR: 'monitoring' }),
    });
    expect(streamed.body).toContain('SimpleRunbook completed successfully');
    // The reference's POST alias, JSON answer.
    const alias = await httpCall(`${server.url}/api/runbooks/SimpleRunbook.md`, {
      method: 'POST',
      headers: auth(sre),
      body: body({ TEST_VAR: 'alias' }),
    });
    expect(alias.status).toBe(200);
    await httpCall(`${server.url}/api/runbooks/FailingRunbook.md/execute`, {
      method: 'POST',
      headers: auth(sre),
      body: body({ REASON: 'test' }),
    });
    await httpCall(`${server.url}/api/runbooks/SleepyRunbook.md/execute`, {
      method: 'POST',
      headers: auth(sre),
      body: body({ REASON: 'test' }),
    });
    const denied = await httpCall(`${server.url}/api/runbooks/SimpleRunbook.md/execute`, {
      method: 'POST',
      headers: auth(viewer),
      body: body({ TEST_VAR: 'nope' }),
    });
    expect(denied.status).toBe(403);
    const runs = JSON.parse(
      (await httpCall(`${server.url}/api/runs`, { headers: auth(sre) })).body,
    ) as {
      data?: Array<{ id: string }>;
    };
    const runId = runs.data?.[0]?.id;
    expect(runId).toBeDefined();
    const events = await openStream(`${server.url}/api/runs/${runId}/events`, {
      headers: { ...auth(sre), Accept: 'text/event-stream' },
      timeoutMs: 20_000,
    });
    expect(events.status).toBe(200);
    let limited = false;
    for (let i = 0; i < 80 && !limited; i++)
      limited =
        (await httpCall(`${server.url}/api/runbooks`, { headers: auth(sre) })).status === 429;
    expect(limited).toBe(true);

    metricsText = (await httpCall(`${server.url}/metrics`)).body;
    exposition = parseExposition(metricsText);
  });

  afterAll(async () => {
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('ran the server as the image user on a read-only, ConfigMap-style runbooks folder', () => {
    if (process.getuid?.() === 0)
      expect(readFileSync(`/proc/${server.pid}/status`, 'utf8')).toMatch(/^Uid:\s+10001\b/m);
    const runStatuses = new Set(
      (exposition.get('runbook_runs_total') ?? []).map((l) => l['status']),
    );
    expect([...runStatuses].sort()).toEqual(['denied', 'failure', 'success', 'timeout']);
  });

  it('exports every metric and label value the alert rules use', () => {
    const exprs = alertExpressions();
    expect(exprs.length).toBeGreaterThanOrEqual(7);
    expect(checkAgainst(exprs, exposition)).toEqual([]);
  });

  it('exports every metric and label value the Grafana dashboard uses', () => {
    const exprs = dashboardExpressions();
    expect(exprs.length).toBeGreaterThanOrEqual(15);
    expect(checkAgainst(exprs, exposition)).toEqual([]);
    for (const variable of dashboard().templating.list.filter((v) => v.type === 'query')) {
      const query =
        typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
      const metric = /label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)/.exec(query)?.[1];
      expect(metric && exposition.has(metric)).toBe(true);
    }
  });

  it('documents in docs/operations.md exactly the metrics the server exports', () => {
    const doc = readFileSync(join(DEPLOY_DIR, '..', 'docs', 'operations.md'), 'utf8');
    const rows = [
      ...doc.matchAll(/^\| `([a-z_]+)` \| (counter|gauge|histogram) \|[^|]*\| ([^|]*)\|/gm),
    ].map((m) => ({ name: m[1] ?? '', meaning: m[3] ?? '' }));
    const exported = new Set(
      [...exposition.keys()]
        .filter((name) => !/^(process|nodejs)_/.test(name))
        .map((name) => name.replace(/_(bucket|sum|count)$/, '')),
    );
    // This server runs the embedded mode: a labelled distributed-mode counter has no series yet,
    // nor the Concurrency and Approval ones (labelled by runbook) before such a runbook runs.
    const expected = rows
      .filter(
        (row) =>
          exported.has(row.name) ||
          !/^(distributed mode|Concurrency sections|Approval sections)/.test(row.meaning),
      )
      .map((row) => row.name);
    expect(expected.sort()).toEqual([...exported].sort());
    expect(rows.map((row) => row.name)).toContain('runbook_run_retries_total');
  });

  it('covers what operators watch: the issue’s alerts and panels', () => {
    const alerts = alertExpressions().map((a) => a.where);
    for (const name of [
      'RunbooksInstanceDown',
      'RunbooksHighErrorRate',
      'RunbooksSlowResponses',
      'RunbooksRateLimitHits',
      'RunbooksRunFailures',
      'RunbooksRunsTimingOut',
      'RunbooksRbacDenialSpike',
    ])
      expect(alerts).toContain(`alert ${name}`);
    const board = dashboard();
    const used = new Set(
      dashboardExpressions().flatMap((e) => metricSelectors(e.expr).map((s) => s.metric)),
    );
    for (const metric of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'runbook_runs_total',
      'runbook_run_duration_seconds_bucket',
      'runbook_active_runs',
      'runbook_rate_limit_hits_total',
      'runbook_rbac_denials_total',
    ])
      expect(used).toContain(metric);
    const ids = board.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of board.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource?.uid).toBe('${datasource}');
      expect(panel.gridPos).toBeDefined();
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
  });

  it('passes promtool check config, check rules and the alert unit tests', () => {
    const config = runCommand('promtool', ['check', 'config', join(DEPLOY_DIR, 'prometheus.yml')]);
    expect(`${config.stdout}${config.stderr}`).toContain('SUCCESS');
    expect(config.status).toBe(0);
    const rules = runCommand('promtool', ['check', 'rules', ALERTS_FILE]);
    expect(rules.status).toBe(0);
    const unit = runCommand(
      'promtool',
      ['test', 'rules', join(DEPLOY_DIR, 'prometheus-alerts.test.yml')],
      {
        cwd: DEPLOY_DIR,
      },
    );
    expect(`${unit.stdout}${unit.stderr}`).toContain('SUCCESS');
    expect(unit.status).toBe(0);
  });

  it('has only valid PromQL in the dashboard (promtool parses each query)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-dashboard-rules-'));
    try {
      const rules = dashboardExpressions().map((e, i) => ({
        record: `dashboard:query_${i}`,
        expr: withGrafanaVariables(e.expr),
      }));
      const file = join(dir, 'dashboard-rules.yml');
      writeFileSync(file, dump({ groups: [{ name: 'dashboard', rules }] }));
      const result = runCommand('promtool', ['check', 'rules', file]);
      expect(`${result.stdout}${result.stderr}`).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('a real Prometheus scraping the server with deploy/prometheus.yml', () => {
    let prometheus: PrometheusServer | undefined;
    const query = (expr: string) => {
      if (!prometheus) throw new Error('prometheus did not start');
      return prometheus.query(expr);
    };

    beforeAll(async () => {
      // The shipped config, its API instances replaced by the test server (labels kept).
      const config = readYaml(join(DEPLOY_DIR, 'prometheus.yml'));
      const job = asRecord(
        asArray(config['scrape_configs'], 'scrape_configs')[0],
        'first scrape config',
      );
      expect(job['job_name']).toBe('runbooks');
      const apiTargets = asArray(job['static_configs'], 'static_configs').find(
        (c) => dig(c, 'labels', 'role') === 'api',
      );
      job['static_configs'] = [
        { ...asRecord(apiTargets, 'API targets'), targets: [`127.0.0.1:${server.port}`] },
      ];
      const started = await startPrometheus(config, [ALERTS_FILE]);
      prometheus = started;
      await waitFor(async () => {
        const answer = await started.query('count_over_time(up{job="runbooks"}[20s])');
        return Number(answer.data?.result[0]?.value[1] ?? 0) >= 4;
      }, 'Prometheus to scrape the server four times');
    });

    afterAll(async () => {
      await prometheus?.stop();
    });

    it('scrapes the target successfully, labelled with its role', async () => {
      const answer = await query('up{job="runbooks", role="api"}');
      expect(answer.data?.result).toEqual([
        expect.objectContaining({ value: [expect.any(Number), '1'] }),
      ]);
    });

    it('evaluates every alert rule without error', async () => {
      await waitFor(
        async () => {
          const answer = JSON.parse(
            (await httpCall(`${prometheus?.url ?? ''}/api/v1/rules`)).body,
          ) as {
            data: { groups: Array<{ rules: Array<{ health: string; lastEvaluation: string }> }> };
          };
          const rules = answer.data.groups.flatMap((g) => g.rules);
          return (
            rules.length === alertExpressions().length && rules.every((r) => r.health === 'ok')
          );
        },
        'every rule to be evaluated with health ok',
        30_000,
      );
    });

    it('answers every dashboard query with data (5xx queries may be empty: the server had none)', async () => {
      const empty: string[] = [];
      for (const { where, expr } of dashboardExpressions()) {
        const answer = await query(withGrafanaVariables(expr));
        expect({ where, status: answer.status, error: answer.error }).toEqual({
          where,
          status: 'success',
          error: undefined,
        });
        if ((answer.data?.result.length ?? 0) === 0 && !expr.includes('status=~"5.."'))
          empty.push(where);
      }
      expect(empty).toEqual([]);
    });
  });

  describe('healthcheck.sh', () => {
    const healthcheck = join(DEPLOY_DIR, 'healthcheck.sh');

    it('reports a live and ready server', () => {
      for (const probe of ['live', 'ready']) {
        const result = runCommand('sh', [healthcheck, probe], {
          env: { ...process.env, API_URL: server.url },
        });
        expect(result.stdout).toBe(`OK: ${probe} ${server.url}/health/${probe}\n`);
        expect(result.status).toBe(0);
      }
      // API_PORT alone is enough (what the image's HEALTHCHECK uses).
      const byPort = runCommand('sh', [healthcheck], {
        env: { PATH: process.env['PATH'], API_PORT: String(server.port) },
      });
      expect(byPort.status).toBe(0);
    });

    it('fails on a refused connection and on a bad argument', async () => {
      const closed = await freePort();
      const down = runCommand('sh', [healthcheck], {
        env: { ...process.env, API_URL: `http://127.0.0.1:${closed}` },
      });
      expect(down.stdout).toMatch(/^FAIL: live /);
      expect(down.status).toBe(1);
      expect(runCommand('sh', [healthcheck, 'nonsense']).status).toBe(2);
    });

    it('fails readiness, printing the answer, while the runbooks folder is missing', async () => {
      const moved = `${runbooksDir}.away`;
      renameSync(runbooksDir, moved);
      try {
        await waitFor(
          async () => (await httpCall(`${server.url}/health/ready`)).status === 503,
          'readiness to fail',
        );
        const result = runCommand('sh', [healthcheck, 'ready'], {
          env: { ...process.env, API_URL: server.url },
        });
        expect(result.status).toBe(1);
        expect(result.stdout).toMatch(/^FAIL: ready .*503/);
        expect(
          runCommand('sh', [healthcheck, 'live'], { env: { ...process.env, API_URL: server.url } })
            .status,
        ).toBe(0);
      } finally {
        renameSync(moved, runbooksDir);
      }
    });
  });
});
