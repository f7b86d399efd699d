import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { parseRunbook } from '@runbooks/runbook-format';

import { loadConfigSchema, type ConfigVariable } from './support/config-schema';
import { keyValues, parseDockerfile } from './support/dockerfile-lint';
import { freePort } from './support/free-port';
import { kustomizeBuild, objectNamed, resolveEnv, type EnvVar } from './support/kustomize';
import { DEPLOY_DIR, REPO_ROOT, SAMPLE_RUNBOOKS } from './support/repo-paths';
import { runCommand } from './support/run-command';
import { waitFor } from './support/wait-for';
import {
  asArray,
  asRecord,
  dig,
  readYaml,
  readYamlDocuments,
  type YamlNode,
} from './support/yaml-files';

const schema = new Map(loadConfigSchema().map((v) => [v.name, v]));
const version = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
/** The server image's ENV: where it keeps runbooks, run data and scratch dirs. */
const imageEnv = new Map(
  parseDockerfile(readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8'))
    .filter((i) => i.keyword === 'ENV')
    .flatMap((i) => [...keyValues(i.args)]),
);
const IMAGE_PATHS = {
  runbooks: imageEnv.get('RUNBOOKS_DIR') ?? '',
  data: imageEnv.get('RUNBOOK_DATA_DIR') ?? '',
  execution: imageEnv.get('EXECUTION_DIR') ?? '',
};
const shutdownGrace = Number(schema.get('SHUTDOWN_GRACE_SECONDS')?.defaultValue ?? NaN);
/** What the operator puts in the Secret for the bundled datastores (kustomization.yaml's header). */
const OPERATOR_SECRETS: ReadonlyMap<string, string> = new Map([
  ['runbooks-secrets/JWT_SECRET', 'jwt-secret-from-the-secret'],
  ['runbooks-secrets/POSTGRES_PASSWORD', '0a1b2c3d4e5f'],
  ['runbooks-secrets/REDIS_PASSWORD', 'f5e4d3c2b1a0'],
]);

/** A script-running container: root's sandbox capabilities (CHOWN, KILL, SETGID, SETUID), no more. */
const SANDBOX_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'], add: ['CHOWN', 'KILL', 'SETGID', 'SETUID'] },
};
/** The pod securityContext that goes with it: root, RuntimeDefault seccomp, no fsGroup. */
const SANDBOX_POD = {
  runAsNonRoot: false,
  runAsUser: 0,
  runAsGroup: 0,
  seccompProfile: { type: 'RuntimeDefault' },
};
/** A container that meets the restricted Pod Security Standard. */
const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

/** Problems with `value` for a variable of the config schema (compose interpolation resolved to its default). */
function valueProblems(name: string, raw: unknown): string[] {
  const def: ConfigVariable | undefined = schema.get(name);
  if (!def) return [`${name} is not a server config variable`];
  const value = String(raw).replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1');
  if (/^\$\{/.test(value)) return []; // required from the operator (${NAME:?...})
  if (def.kind === 'int' && (!/^\d+$/.test(value) || Number(value) < (def.min ?? -Infinity)))
    return [`${name}=${value} is not an integer ≥ ${def.min}`];
  if (def.kind === 'bool' && !/^(true|false)$/.test(value))
    return [`${name}=${value} is not true/false`];
  if (def.oneOf && !def.oneOf.includes(value))
    return [`${name}=${value} is not one of ${def.oneOf.join(', ')}`];
  return [];
}

/** Source and target of a compose short-syntax volume (`${VAR:-default}` sources included). */
function splitVolume(volume: unknown): { source: string; target: string } {
  const text = String(volume);
  const end = text.startsWith('${') ? text.indexOf('}') + 1 : text.indexOf(':');
  return { source: text.slice(0, end), target: text.slice(end + 1).split(':')[0] ?? '' };
}

const seconds = (text: unknown) => {
  const match = /^(\d+)(s|m)?$/.exec(String(text));
  return match ? Number(match[1]) * (match[2] === 'm' ? 60 : 1) : NaN;
};

describe('compose files', () => {
  describe.each(['compose.single.yaml', 'compose.multi.yaml'])('%s', (file) => {
    const path = join(DEPLOY_DIR, file);
    const text = readFileSync(path, 'utf8');
    const compose = readYaml(path);
    const services = asRecord(compose['services'], 'services');
    const apiServices = Object.entries(services).filter(([, s]) =>
      String(dig(s, 'image')).startsWith('runbooks:'),
    );
    /** Servers that run scripts: every role but `api` (the single server runs them too). */
    const runsScripts = (service: unknown) =>
      String(dig(service, 'image')).startsWith('runbooks:') &&
      dig(service, 'environment', 'RUNBOOK_ROLE') !== 'api';

    it('builds images from Dockerfiles that exist, and pins every other image', () => {
      for (const [name, service] of Object.entries(services)) {
        const image = String(dig(service, 'image'));
        const build = dig(service, 'build');
        if (build) {
          const context = resolve(DEPLOY_DIR, String(dig(build, 'context')));
          expect({
            name,
            exists: existsSync(join(context, String(dig(build, 'dockerfile')))),
          }).toEqual({ name, exists: true });
          expect(image).toMatch(
            new RegExp(
              `^runbooks(-web)?:\\$\\{RUNBOOKS_VERSION:-${version.replaceAll('.', '\\.')}\\}$`,
            ),
          );
        } else {
          expect(image).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9.-]+$/);
          expect(image).not.toMatch(/:latest$/);
        }
      }
    });

    it('hardens and limits every service; only script runners keep the sandbox’s four capabilities', () => {
      expect(Object.values(services).filter(runsScripts).length).toBeGreaterThan(0);
      for (const [name, service] of Object.entries(services)) {
        const sandboxed = runsScripts(service);
        const facts = {
          name,
          readOnly: dig(service, 'read_only'),
          capDrop: dig(service, 'cap_drop'),
          capAdd: dig(service, 'cap_add'),
          rootForSandbox: sandboxed
            ? [undefined, '0:0'].includes(dig(service, 'user') as string)
            : null,
          noNewPrivileges: (dig(service, 'security_opt') as string[] | undefined)?.includes(
            'no-new-privileges:true',
          ),
          memory: typeof dig(service, 'deploy', 'resources', 'limits', 'memory'),
          cpus: typeof dig(service, 'deploy', 'resources', 'limits', 'cpus'),
          restart: dig(service, 'restart'),
        };
        expect(facts).toEqual({
          name,
          readOnly: true,
          capDrop: ['ALL'],
          capAdd: sandboxed ? ['CHOWN', 'KILL', 'SETGID', 'SETUID'] : undefined,
          rootForSandbox: sandboxed ? true : null,
          noNewPrivileges: true,
          memory: 'string',
          cpus: 'string',
          restart: 'unless-stopped',
        });
      }
    });

    it('runs the API with real config variables, valid values, secrets from the environment, login off', () => {
      expect(apiServices.length).toBeGreaterThan(0);
      for (const [, service] of apiServices) {
        const env = asRecord(dig(service, 'environment'), 'environment');
        expect(Object.entries(env).flatMap(([k, v]) => valueProblems(k, v))).toEqual([]);
        expect(env['JWT_SECRET']).toMatch(/^\$\{JWT_SECRET:\?.+\}$/);
        expect(env['ENABLE_LOGIN']).toBe('false');
        expect(String(dig(service, 'healthcheck', 'test'))).toContain(
          '/usr/local/bin/runbooks-healthcheck',
        );
        expect(asArray(dig(service, 'tmpfs'), 'tmpfs')).toContainEqual(
          expect.stringMatching(/^\/tmp:/),
        );
        expect(seconds(dig(service, 'stop_grace_period'))).toBeGreaterThan(
          Number(env['SHUTDOWN_GRACE_SECONDS'] ?? shutdownGrace),
        );
      }
    });

    it('mounts volumes at the paths the image uses, and host paths that exist', () => {
      for (const [name, service] of apiServices) {
        const volumes = asArray(dig(service, 'volumes'), 'volumes').map(
          (v) => splitVolume(v).target,
        );
        const tmpfs = asArray(dig(service, 'tmpfs'), 'tmpfs').map((t) => String(t).split(':')[0]);
        expect([...volumes, ...tmpfs].filter((t) => t !== '/tmp').sort()).toEqual(
          [IMAGE_PATHS.runbooks, IMAGE_PATHS.data, IMAGE_PATHS.execution].sort(),
        );
        // Script runners keep their run store and run folders on volumes (root-owned in the
        // image, so a new volume starts owned by root, 0700 and 0711).
        if (runsScripts(service))
          expect({ name, volumes: volumes.sort() }).toEqual({
            name,
            volumes: [IMAGE_PATHS.runbooks, IMAGE_PATHS.data, IMAGE_PATHS.execution].sort(),
          });
      }
      for (const service of Object.values(services)) {
        for (const volume of (dig(service, 'volumes') as unknown[] | undefined) ?? []) {
          const { source } = splitVolume(volume);
          const hostPath =
            /^\$\{[A-Z_]+:-(.+)\}$/.exec(source)?.[1] ?? (source.startsWith('.') ? source : null);
          if (hostPath)
            expect({ source, exists: existsSync(resolve(DEPLOY_DIR, hostPath)) }).toEqual({
              source,
              exists: true,
            });
        }
      }
    });

    it('documents every variable the operator must set in its header', () => {
      const header = text
        .split('\n')
        .filter((l) => l.startsWith('#'))
        .join('\n');
      for (const match of text.matchAll(/\$\{([A-Z_]+):\?/g)) expect(header).toContain(match[1]);
    });
  });

  describe('compose.multi.yaml wiring', () => {
    const compose = readYaml(join(DEPLOY_DIR, 'compose.multi.yaml'));
    const services = asRecord(compose['services'], 'services');
    const apis = Object.keys(services).filter((n) => /^api-\d+$/.test(n));
    const envOf = (name: string) =>
      asRecord(dig(services[name], 'environment'), `${name} environment`);

    const workers = Object.keys(services).filter(
      (n) => dig(services[n], 'environment', 'RUNBOOK_ROLE') === 'worker',
    );

    it('runs several API instances, sharing limits through Redis', () => {
      expect(apis.length).toBeGreaterThanOrEqual(2);
      for (const name of apis) {
        const env = envOf(name);
        expect(env['RUNBOOK_ROLE']).toBe('api');
        expect(env['RATE_LIMIT_STORAGE_BACKEND']).toBe('redis');
        expect(String(env['REDIS_URL'])).toMatch(/@redis:6379\//);
        expect(env['TRUST_PROXY']).toBe('true');
      }
      expect(services['redis']).toBeDefined();
    });

    it('runs the API instances as 10001 without capabilities, on folders that 10001 owns', () => {
      for (const name of apis) {
        const service = services[name];
        const tmpfs = asArray(dig(service, 'tmpfs'), 'tmpfs').map(String);
        const ownedBy10001 = (path: string) =>
          tmpfs.some(
            (t) => t.startsWith(`${path}:`) && /[:,]uid=10001,gid=10001,mode=0700$/.test(t),
          );
        const volumes = asArray(dig(service, 'volumes'), 'volumes').map(String);
        expect({
          name,
          user: dig(service, 'user'),
          capAdd: dig(service, 'cap_add'),
          data: ownedBy10001(IMAGE_PATHS.data),
          execution: ownedBy10001(IMAGE_PATHS.execution),
          // The collection belongs to root: the workers, not the API, append History.
          runbooksReadOnly:
            volumes.length === 1 && volumes[0]?.endsWith(`:${IMAGE_PATHS.runbooks}:ro`),
          historyMarkdown: envOf(name)['RUNBOOK_HISTORY_MARKDOWN'],
        }).toEqual({
          name,
          user: '10001:10001',
          capAdd: undefined,
          data: true,
          execution: true,
          runbooksReadOnly: true,
          historyMarkdown: 'false',
        });
      }
    });

    it('gives each worker its own run store and its own, disjoint RUNNER_UID_RANGE', () => {
      expect(workers.length).toBeGreaterThanOrEqual(2);
      const dataSources = workers.map(
        (n) =>
          asArray(dig(services[n], 'volumes'), 'volumes')
            .map(splitVolume)
            .find((v) => v.target === IMAGE_PATHS.data)?.source,
      );
      expect(new Set(dataSources).size).toBe(workers.length);
      const ranges = workers
        .map((n) => String(envOf(n)['RUNNER_UID_RANGE']).split('-').map(Number))
        .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
      for (const [i, range] of ranges.entries()) {
        const [first = NaN, last = NaN] = range;
        expect(first).toBeGreaterThanOrEqual(1000);
        expect(last).toBeGreaterThanOrEqual(first);
        if (i > 0) expect(first).toBeGreaterThan(ranges[i - 1]?.[1] ?? Infinity);
      }
    });

    it('points nginx.conf at exactly the API instances', () => {
      const expected = apis.map((n) => `${n}:8083`).sort();
      const nginx = readFileSync(join(DEPLOY_DIR, 'nginx.conf'), 'utf8');
      const upstream = [...nginx.matchAll(/^\s*server (api-\d+:\d+)/gm)].map((m) => m[1]).sort();
      expect(upstream).toEqual(expected);
      expect(imageEnv.get('API_PORT')).toBe('8083');
    });

    it('has Prometheus scrape every API instance and worker in one job, labelled with its role', () => {
      const instances = Object.keys(services).filter((n) =>
        String(dig(services[n], 'image')).startsWith('runbooks:'),
      );
      const roleOf = (name: string) => envOf(name)['RUNBOOK_ROLE'];
      expect(instances.filter((n) => roleOf(n) === 'worker').length).toBeGreaterThanOrEqual(2);
      const jobs = asArray(
        dig(readYaml(join(DEPLOY_DIR, 'prometheus.yml')), 'scrape_configs'),
        'scrape_configs',
      );
      expect(jobs.map((j) => dig(j, 'job_name'))).toEqual(['runbooks']);
      const scraped = asArray(dig(jobs[0], 'static_configs'), 'static_configs').flatMap((config) =>
        asArray(dig(config, 'targets'), 'targets').map((target) => ({
          target: String(target),
          role: dig(config, 'labels', 'role'),
        })),
      );
      const byTarget = (a: { target: string }, b: { target: string }) =>
        a.target.localeCompare(b.target);
      expect(scraped.sort(byTarget)).toEqual(
        instances
          .map((n) => ({ target: `${n}:${imageEnv.get('API_PORT')}`, role: roleOf(n) }))
          .sort(byTarget),
      );
    });

    it('publishes the web service on the ports nginx.conf listens on, with the certificates it reads', () => {
      const web = asRecord(services['web'], 'web');
      expect(web['ports']).toEqual(['80:8080', '443:8443']);
      expect(String(asArray(web['volumes'], 'web volumes')[0])).toMatch(/:\/etc\/nginx\/tls:ro$/);
      expect(Object.keys(asRecord(web['depends_on'], 'depends_on')).sort()).toEqual(apis.sort());
    });
  });

  it('compose.single.yaml publishes the API on loopback only', () => {
    const single = readYaml(join(DEPLOY_DIR, 'compose.single.yaml'));
    expect(dig(single, 'services', 'runbooks', 'ports')).toEqual(['127.0.0.1:8083:8083']);
  });
});

describe('Kubernetes manifests', () => {
  const k8sDir = join(DEPLOY_DIR, 'k8s');
  const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml'));
  const kustomization = readYaml(join(k8sDir, 'kustomization.yaml'));
  const docs = files
    .filter((f) => f !== 'kustomization.yaml')
    .flatMap((f) => readYamlDocuments(join(k8sDir, f)));
  const find = (kind: string, name?: string) => {
    const found = docs.filter(
      (d) => d['kind'] === kind && (!name || dig(d, 'metadata', 'name') === name),
    );
    if (found.length === 0) throw new Error(`no ${kind} ${name ?? ''}`);
    return found[0] as YamlNode;
  };
  const deployment = find('Deployment', 'runbooks');
  const pod = asRecord(dig(deployment, 'spec', 'template', 'spec'), 'pod spec');
  const container = asRecord(dig(pod, 'containers', 0), 'container');
  const configMap = find('ConfigMap', 'runbooks-config');
  const configData = asRecord(configMap['data'], 'ConfigMap data');

  it('kustomization lists every manifest but the Secret and sets the image of this version', () => {
    // Applying secret.yaml would replace the Secret the operator created with its empty values.
    expect((kustomization['resources'] as string[]).sort()).toEqual(
      files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.yaml').sort(),
    );
    expect(kustomization['namespace']).toBe('runbooks');
    expect(kustomization['images']).toEqual([
      expect.objectContaining({ name: 'runbooks', newTag: version }),
    ]);
    expect(container['image']).toBe(`runbooks:${version}`);
  });

  it('every object has a kind, a name and lives in the runbooks namespace', () => {
    for (const doc of docs) {
      expect(typeof doc['apiVersion']).toBe('string');
      expect(typeof dig(doc, 'metadata', 'name')).toBe('string');
      if (doc['kind'] !== 'Namespace') expect(dig(doc, 'metadata', 'namespace')).toBe('runbooks');
    }
    expect(dig(find('Namespace'), 'metadata', 'name')).toBe('runbooks');
  });

  it('probes /health/live and /health/ready on the named port of API_PORT', () => {
    expect(container['ports']).toEqual([
      { name: 'http', containerPort: Number(imageEnv.get('API_PORT')), protocol: 'TCP' },
    ]);
    for (const [probe, path] of [
      ['startupProbe', '/health/live'],
      ['livenessProbe', '/health/live'],
      ['readinessProbe', '/health/ready'],
    ] as const)
      expect(dig(container, probe, 'httpGet')).toEqual({ path, port: 'http' });
  });

  it('runs as root for the sandbox with only CHOWN, KILL, SETGID and SETUID, read-only, with requests and limits', () => {
    expect(pod['securityContext']).toEqual(SANDBOX_POD);
    expect(container['securityContext']).toEqual(SANDBOX_CONTAINER);
    expect(pod['automountServiceAccountToken']).toBe(false);
    for (const kind of ['requests', 'limits'])
      for (const resource of ['cpu', 'memory'])
        expect(dig(container, 'resources', kind, resource)).toBeDefined();
    expect(Number(pod['terminationGracePeriodSeconds'])).toBeGreaterThan(
      Number(configData['SHUTDOWN_GRACE_SECONDS']),
    );
  });

  it('enforces the baseline Pod Security Standard, the strictest that admits those capabilities', () => {
    const labels = asRecord(dig(find('Namespace'), 'metadata', 'labels'), 'namespace labels');
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    // Baseline's list of capabilities a pod may add (Pod Security Standards, "Capabilities").
    const baseline = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD'];
    baseline.push('NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT');
    for (const cap of SANDBOX_CONTAINER.capabilities.add) expect(baseline).toContain(cap);
  });

  it('has an init container close EXECUTION_DIR to 0711 and make /tmp sticky, without capabilities', () => {
    const init = asArray(pod['initContainers'], 'initContainers');
    expect(init.length).toBe(1);
    const permissions = asRecord(init[0], 'init container');
    expect(permissions['image']).toBe(container['image']);
    expect(asArray(permissions['command'], 'command').join(' ')).toBe(
      `/bin/sh -c chmod 0711 ${IMAGE_PATHS.execution} && chmod 1777 /tmp`,
    );
    expect(permissions['securityContext']).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    // The same volumes as the server's mounts at those paths.
    const mountsOf = (c: unknown) =>
      new Map(
        asArray(dig(c, 'volumeMounts'), 'volumeMounts').map((m) => [
          String(dig(m, 'mountPath')),
          dig(m, 'name'),
        ]),
      );
    const server = mountsOf(container);
    expect([...mountsOf(permissions)]).toEqual([
      [IMAGE_PATHS.execution, server.get(IMAGE_PATHS.execution)],
      ['/tmp', server.get('/tmp')],
    ]);
    for (const kind of ['requests', 'limits'])
      expect(dig(permissions, 'resources', kind, 'memory')).toBeDefined();
  });

  it('mounts runbooks read-only from the ConfigMap, data from the PVC, scratch on emptyDir', () => {
    const mounts = new Map(
      asArray(container['volumeMounts'], 'volumeMounts').map((m) => [
        String(dig(m, 'mountPath')),
        asRecord(m, 'mount'),
      ]),
    );
    const volumes = new Map(
      asArray(pod['volumes'], 'volumes').map((v) => [
        String(dig(v, 'name')),
        asRecord(v, 'volume'),
      ]),
    );
    const volumeFor = (path: string) => volumes.get(String(mounts.get(path)?.['name']));
    expect(mounts.get(IMAGE_PATHS.runbooks)?.['readOnly']).toBe(true);
    expect(dig(volumeFor(IMAGE_PATHS.runbooks), 'configMap', 'name')).toBe('runbooks-collection');
    expect(dig(volumeFor(IMAGE_PATHS.data), 'persistentVolumeClaim', 'claimName')).toBe(
      dig(find('PersistentVolumeClaim'), 'metadata', 'name'),
    );
    expect(dig(volumeFor(IMAGE_PATHS.execution), 'emptyDir')).toBeDefined();
    expect(dig(volumeFor('/tmp'), 'emptyDir')).toBeDefined();
    expect(mounts.size).toBe(4);
    // A read-only collection cannot take History appends.
    expect(configData['RUNBOOK_HISTORY_MARKDOWN']).toBe('false');
  });

  it('takes settings from the ConfigMap (real variables, valid values) and JWT_SECRET from the Secret', () => {
    expect(Object.entries(configData).flatMap(([k, v]) => valueProblems(k, v))).toEqual([]);
    expect(configData['ENABLE_LOGIN']).toBe('false');
    expect(dig(container, 'envFrom')).toEqual([{ configMapRef: { name: 'runbooks-config' } }]);
    const env = asArray(container['env'], 'env');
    for (const item of env) expect(schema.has(String(dig(item, 'name')))).toBe(true);
    const secretRef = asRecord(
      dig(
        env.find((e) => dig(e, 'name') === 'JWT_SECRET'),
        'valueFrom',
        'secretKeyRef',
      ),
      'ref',
    );
    const secret = find('Secret', String(secretRef['name']));
    // Never a committed secret: empty fails closed (the server refuses the default).
    expect(dig(secret, 'stringData', String(secretRef['key']))).toBe('');
  });

  it('keeps a single writer on the run store and a PodDisruptionBudget that selects the pods', () => {
    expect(dig(deployment, 'spec', 'replicas')).toBe(1);
    expect(dig(deployment, 'spec', 'strategy', 'type')).toBe('Recreate');
    expect(dig(find('PersistentVolumeClaim'), 'spec', 'accessModes')).toEqual(['ReadWriteOnce']);
    const labels = asRecord(
      dig(deployment, 'spec', 'template', 'metadata', 'labels'),
      'pod labels',
    );
    const pdb = find('PodDisruptionBudget');
    expect(pdb['apiVersion']).toBe('policy/v1');
    expect(
      Object.entries(asRecord(dig(pdb, 'spec', 'selector', 'matchLabels'), 'pdb selector')).every(
        ([k, v]) => labels[k] === v,
      ),
    ).toBe(true);
    const service = find('Service');
    expect(
      Object.entries(asRecord(dig(service, 'spec', 'selector'), 'service selector')).every(
        ([k, v]) => labels[k] === v,
      ),
    ).toBe(true);
    expect(dig(service, 'spec', 'ports', 0, 'targetPort')).toBe('http');
  });

  it('routes through an SSE-safe Ingress and keeps /metrics inside', () => {
    const ingresses = docs.filter((d) => d['kind'] === 'Ingress');
    const main = ingresses.find((i) => dig(i, 'metadata', 'name') === 'runbooks');
    const annotations = asRecord(dig(main, 'metadata', 'annotations'), 'annotations');
    expect(annotations['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThan(
      Number(configData['SCRIPT_TIMEOUT_SECONDS']),
    );
    const metrics = ingresses.find((i) => dig(i, 'metadata', 'name') === 'runbooks-metrics');
    expect(dig(metrics, 'spec', 'rules', 0, 'http', 'paths', 0)).toEqual(
      expect.objectContaining({ path: '/metrics', pathType: 'Exact' }),
    );
    for (const ingress of ingresses)
      expect(
        dig(ingress, 'spec', 'rules', 0, 'http', 'paths', 0, 'backend', 'service', 'name'),
      ).toBe(dig(find('Service'), 'metadata', 'name'));
  });

  it('ships runbooks in its ConfigMap that parse cleanly and match the samples', () => {
    const collection = asRecord(
      dig(find('ConfigMap', 'runbooks-collection'), 'data'),
      'collection',
    );
    expect(Object.keys(collection).length).toBeGreaterThan(0);
    for (const [name, content] of Object.entries(collection)) {
      expect(name).toMatch(/\.md$/);
      const { diagnostics } = parseRunbook(String(content), { filename: name });
      expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(String(content)).toBe(readFileSync(join(SAMPLE_RUNBOOKS, name), 'utf8'));
    }
  });

  it('annotates pods for Prometheus on the metrics path and port', () => {
    expect(dig(deployment, 'spec', 'template', 'metadata', 'annotations')).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/path': '/metrics',
      'prometheus.io/port': imageEnv.get('API_PORT'),
    });
    expect(dirname(join(k8sDir, 'x'))).toBe(k8sDir);
  });
});

describe('Kubernetes distributed mode (deploy/k8s/distributed, rendered by kustomize)', () => {
  const k8sDir = join(DEPLOY_DIR, 'k8s');
  const distributedDir = join(k8sDir, 'distributed');
  const externalDir = join(k8sDir, 'external-datastores');
  const component = readYaml(join(distributedDir, 'kustomization.yaml'));
  const baseImages = readYaml(join(k8sDir, 'kustomization.yaml'))['images'];
  const composeImages = new Map(
    Object.entries(
      asRecord(readYaml(join(DEPLOY_DIR, 'compose.multi.yaml'))['services'], 'services'),
    ).map(([name, service]) => [name, String(dig(service, 'image'))]),
  );
  let objects: YamlNode[];
  let api: Workload;
  let worker: Workload;
  let postgres: Workload;
  let redis: Workload;

  /** The Service that selects `pod`'s pods (throws when there is none). */
  const serviceFor = (pod: Workload) => {
    const service = objects.find(
      (o) => o['kind'] === 'Service' && selects(dig(o, 'spec', 'selector'), pod.labels),
    );
    if (!service) throw new Error(`no Service selects ${JSON.stringify(pod.labels)}`);
    expect(dig(service, 'spec', 'ports', 0, 'targetPort')).toBe(
      dig(pod.container, 'ports', 0, 'name'),
    );
    return service;
  };

  beforeAll(() => {
    objects = kustomizeBuild(k8sDir, { components: [distributedDir] });
    api = workload(objectNamed(objects, 'Deployment', 'runbooks'));
    worker = workload(objectNamed(objects, 'Deployment', 'runbooks-worker'));
    postgres = workload(objectNamed(objects, 'StatefulSet', 'runbooks-postgres'));
    redis = workload(objectNamed(objects, 'StatefulSet', 'runbooks-redis'));
  });

  it('lists every manifest of its folder and gives the workers the API pods’ image', () => {
    const files = readdirSync(distributedDir).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
    );
    expect((component['resources'] as string[]).sort()).toEqual(files.sort());
    expect(component['images']).toEqual(baseImages);
    const image = `${String(dig(baseImages, 0, 'newName'))}:${version}`;
    expect([api.container['image'], worker.container['image']]).toEqual([image, image]);
    // An overlay that names its own registry moves both.
    const moved = kustomizeBuild(k8sDir, {
      components: [distributedDir],
      extra: {
        images: [
          { name: dig(baseImages, 0, 'newName'), newName: 'registry.example/rb', newTag: '9.9.9' },
        ],
      },
    });
    for (const name of ['runbooks', 'runbooks-worker'])
      expect(workload(objectNamed(moved, 'Deployment', name)).container['image']).toBe(
        'registry.example/rb:9.9.9',
      );
  });

  it('runs 3 stateless API pods and 2 workers, sharing rate limits through Redis', () => {
    expect(dig(api.object, 'spec', 'replicas')).toBe(3);
    expect(dig(api.object, 'spec', 'strategy')).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    expect(dig(worker.object, 'spec', 'replicas')).toBe(2);
    expect(objects.filter((o) => o['kind'] === 'PersistentVolumeClaim')).toEqual([]);
    for (const pod of [api, worker]) {
      expect(
        asArray(pod.spec['volumes'], 'volumes').filter((v) => dig(v, 'persistentVolumeClaim')),
      ).toEqual([]);
      expect(Number(pod.spec['terminationGracePeriodSeconds'])).toBeGreaterThan(shutdownGrace);
    }
    expect([api.env.get('RUNBOOK_ROLE'), worker.env.get('RUNBOOK_ROLE')]).toEqual([
      'api',
      'worker',
    ]);
    const config = asRecord(
      objectNamed(objects, 'ConfigMap', 'runbooks-config')['data'],
      'ConfigMap data',
    );
    expect(config['RATE_LIMIT_STORAGE_BACKEND']).toBe('redis');
    expect(Object.entries(config).flatMap(([k, v]) => valueProblems(k, v))).toEqual([]);
    const workerPdb = objectNamed(objects, 'PodDisruptionBudget', 'runbooks-worker');
    expect(selects(dig(workerPdb, 'spec', 'selector', 'matchLabels'), worker.labels)).toBe(true);
  });

  it('ships PostgreSQL: a StatefulSet on its own volume, a Service, pg_isready probes', () => {
    expect(postgres.container['image']).toBe(composeImages.get('postgres'));
    expect(dig(postgres.object, 'spec', 'replicas')).toBe(1);
    const dataMount = mountOf(postgres, 'data');
    expect(claimTemplate(postgres, 'data')).toEqual(
      expect.objectContaining({ accessModes: ['ReadWriteOnce'] }),
    );
    expect(postgres.env.get('PGDATA')?.startsWith(`${dataMount}/`)).toBe(true);
    expect(postgres.env.get('POSTGRES_PASSWORD')).toBe(
      OPERATOR_SECRETS.get('runbooks-secrets/POSTGRES_PASSWORD'),
    );
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
      expect(dig(postgres.container, probe, 'exec', 'command')).toEqual([
        'pg_isready',
        '-h',
        '127.0.0.1',
        '-p',
        '5432',
        '-U',
        postgres.env.get('POSTGRES_USER'),
        '-d',
        postgres.env.get('POSTGRES_DB'),
      ]);
    expect(serviceFor(postgres)).toBeDefined();
  });

  it('probes PostgreSQL with a pg_isready call that works (against this machine’s PostgreSQL)', () => {
    const [command, ...args] = asArray(
      dig(postgres.container, 'readinessProbe', 'exec', 'command'),
      'probe',
    ).map(String);
    const result = runCommand(command ?? '', args);
    expect(result.stdout).toBe('127.0.0.1:5432 - accepting connections\n');
    expect(result.status).toBe(0);
  });

  it('ships Redis with AOF on and noeviction, its AOF on its own volume', () => {
    expect(redis.container['image']).toBe(composeImages.get('redis'));
    const settings = redisSettings(redis);
    expect(settings.get('appendonly')).toBe('yes');
    expect(settings.get('appendfsync')).toBe('everysec');
    expect(settings.get('maxmemory-policy')).toBe('noeviction');
    expect(settings.get('dir')).toBe(mountOf(redis, 'data'));
    expect(claimTemplate(redis, 'data')).toEqual(
      expect.objectContaining({ accessModes: ['ReadWriteOnce'] }),
    );
    expect(String(dig(redis.container, 'readinessProbe', 'exec', 'command'))).toContain(
      'redis-cli -a "$REDIS_PASSWORD" --no-auth-warning ping',
    );
    expect(serviceFor(redis)).toBeDefined();
  });

  it('points DATABASE_URL and REDIS_URL of API and worker pods at the bundled services', () => {
    for (const pod of [api, worker]) {
      const database = new URL(String(pod.env.get('DATABASE_URL')));
      const pgService = serviceFor(postgres);
      expect({
        host: database.hostname,
        port: database.port,
        user: database.username,
        password: database.password,
        name: database.pathname,
      }).toEqual({
        host: dig(pgService, 'metadata', 'name'),
        port: String(dig(pgService, 'spec', 'ports', 0, 'port')),
        user: postgres.env.get('POSTGRES_USER'),
        password: postgres.env.get('POSTGRES_PASSWORD'),
        name: `/${postgres.env.get('POSTGRES_DB')}`,
      });
      const cache = new URL(String(pod.env.get('REDIS_URL')));
      const redisService = serviceFor(redis);
      expect({ host: cache.hostname, port: cache.port, password: cache.password }).toEqual({
        host: dig(redisService, 'metadata', 'name'),
        port: String(dig(redisService, 'spec', 'ports', 0, 'port')),
        password: redis.env.get('REDIS_PASSWORD'),
      });
      // Everything else the server reads is a config variable; the passwords only build URLs.
      expect(
        [...pod.env.keys()].filter((n) => !schema.has(n) && !/^(POSTGRES|REDIS)_PASSWORD$/.test(n)),
      ).toEqual([]);
    }
  });

  it('hardens every pod: workers root with the sandbox’s four capabilities, the rest restricted', () => {
    const pods = objects
      .filter((o) => ['Deployment', 'StatefulSet'].includes(String(o['kind'])))
      .map((o) => workload(o));
    expect(pods.length).toBe(4);
    for (const pod of pods) {
      expect(pod.spec['automountServiceAccountToken']).toBe(false);
      expect(dig(pod.spec, 'securityContext', 'seccompProfile')).toEqual({
        type: 'RuntimeDefault',
      });
      for (const kind of ['requests', 'limits'])
        for (const resource of ['cpu', 'memory'])
          expect(dig(pod.container, 'resources', kind, resource)).toBeDefined();
      expect(String(pod.container['image'])).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9.-]+$/);
      const name = String(dig(pod.object, 'metadata', 'name'));
      if (pod.env.get('RUNBOOK_ROLE') === 'worker') {
        expect({ name, pod: pod.spec['securityContext'] }).toEqual({ name, pod: SANDBOX_POD });
        expect({ name, container: pod.container['securityContext'] }).toEqual({
          name,
          container: SANDBOX_CONTAINER,
        });
      } else {
        // The API pods (RUNBOOK_ROLE=api) never run scripts: no root, no capability, no init.
        expect(pod.spec['securityContext']).toEqual(
          expect.objectContaining({ runAsNonRoot: true }),
        );
        expect({ name, uid: Number(dig(pod.spec, 'securityContext', 'runAsUser')) > 0 }).toEqual({
          name,
          uid: true,
        });
        expect({ name, container: pod.container['securityContext'] }).toEqual({
          name,
          container: RESTRICTED_CONTAINER,
        });
        expect({ name, init: pod.spec['initContainers'] }).toEqual({ name, init: undefined });
      }
    }
    expect(pods.filter((p) => p.env.get('RUNBOOK_ROLE') === 'worker').length).toBe(1);
    expect(dig(worker.spec, 'initContainers', 0, 'image')).toBe(worker.container['image']);
    expect(api.env.get('RUNBOOK_ROLE')).toBe('api');
  });

  it('lets only the API and worker pods reach PostgreSQL and Redis', () => {
    for (const datastore of [postgres, redis]) {
      const name = String(dig(datastore.object, 'metadata', 'name'));
      const policy = objectNamed(objects, 'NetworkPolicy', name);
      expect(selects(dig(policy, 'spec', 'podSelector', 'matchLabels'), datastore.labels)).toBe(
        true,
      );
      const from = asRecord(dig(policy, 'spec', 'ingress', 0, 'from', 0, 'podSelector'), 'from');
      const allowed = asArray(dig(from, 'matchExpressions', 0, 'values'), 'values');
      expect(dig(from, 'matchExpressions', 0, 'key')).toBe('app.kubernetes.io/name');
      expect(allowed.sort()).toEqual(
        [api.labels['app.kubernetes.io/name'], worker.labels['app.kubernetes.io/name']].sort(),
      );
      expect(dig(policy, 'spec', 'ingress', 0, 'ports', 0, 'port')).toBe(
        dig(datastore.container, 'ports', 0, 'name'),
      );
    }
  });

  it('annotates worker pods for Prometheus like the API pods, on the port they serve', () => {
    const annotations = dig(worker.object, 'spec', 'template', 'metadata', 'annotations');
    expect(annotations).toEqual(dig(api.object, 'spec', 'template', 'metadata', 'annotations'));
    expect(annotations).toEqual(
      expect.objectContaining({ 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics' }),
    );
    expect(String(dig(annotations, 'prometheus.io/port'))).toBe(
      String(dig(worker.container, 'ports', 0, 'containerPort')),
    );
    expect(dig(worker.container, 'readinessProbe', 'httpGet')).toEqual({
      path: '/health/ready',
      port: 'http',
    });
    // The role label of the Kubernetes scrape job (docs/operations.md) comes from here.
    expect([
      api.labels['app.kubernetes.io/component'],
      worker.labels['app.kubernetes.io/component'],
    ]).toEqual(['api', 'worker']);
    expect(dig(postgres.object, 'spec', 'template', 'metadata', 'annotations')).toBeUndefined();
  });

  it('with external-datastores: no bundled datastores, DATABASE_URL and REDIS_URL from the Secret', () => {
    const external = kustomizeBuild(k8sDir, { components: [distributedDir, externalDir] });
    const names = external.map((o) => `${String(o['kind'])}/${String(dig(o, 'metadata', 'name'))}`);
    expect(names.filter((n) => /postgres|redis/.test(n))).toEqual([]);
    expect(names.sort()).toEqual(
      objects
        .map((o) => `${String(o['kind'])}/${String(dig(o, 'metadata', 'name'))}`)
        .filter((n) => !/postgres|redis/.test(n))
        .sort(),
    );
    const managed = new Map([
      ...OPERATOR_SECRETS,
      ['runbooks-secrets/DATABASE_URL', 'postgres://runbooks:pw@db.example:5432/runbooks'],
      ['runbooks-secrets/REDIS_URL', 'redis://:pw@cache.example:6379/0'],
    ]);
    for (const name of ['runbooks', 'runbooks-worker']) {
      const pod = workload(objectNamed(external, 'Deployment', name), managed);
      expect(pod.env.get('DATABASE_URL')).toBe(managed.get('runbooks-secrets/DATABASE_URL'));
      expect(pod.env.get('REDIS_URL')).toBe(managed.get('runbooks-secrets/REDIS_URL'));
      expect([...pod.env.keys()].filter((n) => /PASSWORD/.test(n))).toEqual([]);
    }
  });

  it('starts a real redis-server as the manifest does: AOF on, noeviction, password required', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-k8s-redis-'));
    const server = await startManifestRedis(redis, dir, 'k8s-redis-password');
    const cli = (...args: string[]) =>
      runCommand('redis-cli', ['-p', String(server.port), ...args]).stdout.trim();
    const authed = (...args: string[]) =>
      cli('-a', 'k8s-redis-password', '--no-auth-warning', ...args);
    try {
      expect(cli('PING')).toMatch(/NOAUTH/);
      expect(authed('PING')).toBe('PONG');
      const setting = (name: string) => authed('CONFIG', 'GET', name).split('\n')[1];
      expect(setting('appendonly')).toBe('yes');
      expect(setting('appendfsync')).toBe('everysec');
      expect(setting('maxmemory-policy')).toBe('noeviction');
      expect(setting('maxmemory')).toBe(String(256 * 1024 * 1024));
      expect(authed('SET', 'k8s-manifest-check', '1')).toBe('OK');
      await server.stop();
      // The append-only file is where the volume is mounted.
      expect(readdirSync(dir)).toContain('appendonlydir');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start Redis with an empty password', () => {
    const command = asArray(redis.container['command'], 'command').map(String);
    const result = runCommand(command[0] ?? 'sh', [...command.slice(1), '--port', '0'], {
      env: { PATH: process.env['PATH'], REDIS_PASSWORD: '' },
      timeoutMs: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('REDIS_PASSWORD is empty');
  });
});

/** A Deployment or StatefulSet: its pod spec and labels, first container, env as the pod sees it. */
interface Workload {
  object: YamlNode;
  spec: YamlNode;
  labels: YamlNode;
  container: YamlNode;
  env: Map<string, string>;
}

function workload(object: YamlNode, secrets = OPERATOR_SECRETS): Workload {
  const spec = asRecord(dig(object, 'spec', 'template', 'spec'), 'pod spec');
  const container = asRecord(dig(spec, 'containers', 0), 'container');
  return {
    object,
    spec,
    labels: asRecord(dig(object, 'spec', 'template', 'metadata', 'labels'), 'pod labels'),
    container,
    env: resolveEnv((container['env'] as EnvVar[] | undefined) ?? [], secrets),
  };
}

/** Whether a label selector (matchLabels or a Service's selector) picks pods labelled `labels`. */
function selects(selector: unknown, labels: YamlNode): boolean {
  const wanted = Object.entries(asRecord(selector, 'selector'));
  return wanted.length > 0 && wanted.every(([k, v]) => labels[k] === v);
}

/** Where the container mounts the volume (or volume claim template) `name`. */
function mountOf(pod: Workload, name: string): string {
  const mount = asArray(pod.container['volumeMounts'], 'volumeMounts').find(
    (m) => dig(m, 'name') === name,
  );
  return String(dig(mount, 'mountPath'));
}

/** The spec of a StatefulSet's volume claim template `name`. */
function claimTemplate(pod: Workload, name: string): YamlNode {
  const template = asArray(
    dig(pod.object, 'spec', 'volumeClaimTemplates'),
    'volumeClaimTemplates',
  ).find((t) => dig(t, 'metadata', 'name') === name);
  expect(dig(template, 'spec', 'resources', 'requests', 'storage')).toMatch(/^\d+[GM]i$/);
  return asRecord(dig(template, 'spec'), `claim template ${name}`);
}

/** redis-server's `--name value` arguments of the Redis container. */
function redisSettings(pod: Workload): Map<string, string> {
  const args = asArray(pod.container['args'], 'args').map(String);
  const settings = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i] ?? '';
    expect(name).toMatch(/^--[a-z-]+$/);
    settings.set(name.slice(2), args[i + 1] ?? '');
  }
  return settings;
}

/**
 * Runs the Redis container's command and args on this machine's redis-server, as the kubelet
 * would, on loopback and with `dir` standing in for the volume.
 */
async function startManifestRedis(pod: Workload, dir: string, password: string) {
  const port = await freePort();
  const command = asArray(pod.container['command'], 'command').map(String);
  // redis-server enters each --dir as it reads it: the volume's path is replaced, not overridden.
  const args = asArray(pod.container['args'], 'args').map((arg, i, all) =>
    all[i - 1] === '--dir' ? dir : String(arg),
  );
  expect(args).toContain(dir);
  const child = spawn(
    command[0] ?? 'sh',
    [...command.slice(1), ...args, '--port', String(port), '--bind', '127.0.0.1'],
    { env: { PATH: process.env['PATH'], REDIS_PASSWORD: password }, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  await waitFor(
    () =>
      new Promise<boolean>((resolveUp) => {
        const socket = createConnection({ host: '127.0.0.1', port }, () => {
          socket.destroy();
          resolveUp(true);
        });
        socket.on('error', () => resolveUp(false));
      }),
    'the manifest’s redis-server to listen',
    20_000,
  ).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { port, stop };
}
