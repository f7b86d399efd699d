import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { parseRunbook } from '@runbooks/runbook-format';

import { loadConfigSchema, type ConfigVariable } from './support/config-schema';
import { keyValues, parseDockerfile } from './support/dockerfile-lint';
import { DEPLOY_DIR, REPO_ROOT, SAMPLE_RUNBOOKS } from './support/repo-paths';
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

    it('hardens and limits every service', () => {
      for (const [name, service] of Object.entries(services)) {
        const facts = {
          name,
          readOnly: dig(service, 'read_only'),
          capDrop: dig(service, 'cap_drop'),
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
        expect(dig(service, 'tmpfs')).toEqual([expect.stringMatching(/^\/tmp:/)]);
        expect(seconds(dig(service, 'stop_grace_period'))).toBeGreaterThan(
          Number(env['SHUTDOWN_GRACE_SECONDS'] ?? shutdownGrace),
        );
      }
    });

    it('mounts volumes at the paths the image uses, and host paths that exist', () => {
      for (const [, service] of apiServices) {
        const targets = asArray(dig(service, 'volumes'), 'volumes').map(
          (v) => splitVolume(v).target,
        );
        expect(targets.sort()).toEqual(
          [IMAGE_PATHS.runbooks, IMAGE_PATHS.data, IMAGE_PATHS.execution].sort(),
        );
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

    it('runs several API instances, each with its own run store, sharing limits through Redis', () => {
      expect(apis.length).toBeGreaterThanOrEqual(2);
      const dataSources = apis.map(
        (n) =>
          asArray(dig(services[n], 'volumes'), 'volumes')
            .map(splitVolume)
            .find((v) => v.target === IMAGE_PATHS.data)?.source,
      );
      expect(new Set(dataSources).size).toBe(apis.length);
      for (const name of apis) {
        const env = envOf(name);
        expect(env['RATE_LIMIT_STORAGE_BACKEND']).toBe('redis');
        expect(String(env['REDIS_URL'])).toMatch(/@redis:6379\//);
        expect(env['TRUST_PROXY']).toBe('true');
      }
      expect(services['redis']).toBeDefined();
    });

    it('points nginx.conf and prometheus.yml at exactly those instances', () => {
      const expected = apis.map((n) => `${n}:8083`).sort();
      const nginx = readFileSync(join(DEPLOY_DIR, 'nginx.conf'), 'utf8');
      const upstream = [...nginx.matchAll(/^\s*server (api-\d+:\d+)/gm)].map((m) => m[1]).sort();
      expect(upstream).toEqual(expected);
      const targets = dig(
        readYaml(join(DEPLOY_DIR, 'prometheus.yml')),
        'scrape_configs',
        0,
        'static_configs',
        0,
        'targets',
      );
      expect((targets as string[]).sort()).toEqual(expected);
      expect(imageEnv.get('API_PORT')).toBe('8083');
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

  it('kustomization lists every manifest and sets the image of this version', () => {
    expect((kustomization['resources'] as string[]).sort()).toEqual(
      files.filter((f) => f !== 'kustomization.yaml').sort(),
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

  it('runs non-root (the image user), read-only, without privileges, with requests and limits', () => {
    expect(pod['securityContext']).toEqual(
      expect.objectContaining({
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      }),
    );
    expect(container['securityContext']).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod['automountServiceAccountToken']).toBe(false);
    for (const kind of ['requests', 'limits'])
      for (const resource of ['cpu', 'memory'])
        expect(dig(container, 'resources', kind, resource)).toBeDefined();
    expect(Number(pod['terminationGracePeriodSeconds'])).toBeGreaterThan(
      Number(configData['SHUTDOWN_GRACE_SECONDS']),
    );
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
