import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadConfigSchema } from './support/config-schema';
import {
  dockerStages,
  globalArgs,
  keyValues,
  lintDockerfile,
  parseDockerfile,
  resolveImage,
  runScripts,
  type DockerInstruction,
} from './support/dockerfile-lint';
import { DEPLOY_DIR, REPO_ROOT } from './support/repo-paths';
import { runCommand } from './support/run-command';

const version = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const DOCKERFILES = [
  'deploy/Dockerfile',
  'deploy/Dockerfile.web',
  'samples/Dockerfile.aws',
  'samples/Dockerfile.terraform',
  'samples/Dockerfile.extended',
  'samples/Dockerfile.with-runbooks',
  'samples/runbooks/CreatePackage.dockerfile',
];
const EXTENSIONS = DOCKERFILES.filter((f) => f.startsWith('samples/Dockerfile.'));
/**
 * Accepted findings. CreatePackage.dockerfile is the input of the CreatePackage sample runbook
 * (owned by samples/runbooks): a throwaway image whose only command is `cat`, so it has no USER.
 * The server image and its extensions end as root on purpose: the server sandboxes each script
 * under its own uid, which takes root (with only CHOWN, KILL, SETGID and SETUID in the deploy
 * files); the tests below check that they end as exactly `0:0`.
 */
const ROOT_BY_DESIGN = ['deploy/Dockerfile', ...EXTENSIONS];
const ACCEPTED: Record<string, string[]> = {
  'samples/runbooks/CreatePackage.dockerfile': ['DL3002'],
  ...Object.fromEntries(ROOT_BY_DESIGN.map((path) => [path, ['DL3002']])),
};
/** Paths the server writes to: they must belong to root, which holds no DAC_OVERRIDE. */
const WRITABLE_PATHS = [
  '/var/lib/runbooks/execution',
  '/var/lib/runbooks/data',
  '/opt/runbooks/runbooks',
];

const finalStage = (path: string) => {
  const stages = dockerStages(parseDockerfile(read(path)));
  const last = stages[stages.length - 1];
  if (!last) throw new Error(`${path} has no stage`);
  return last;
};
const lastOf = (instructions: DockerInstruction[], keyword: string) =>
  instructions.filter((i) => i.keyword === keyword).pop();
const envOf = (instructions: DockerInstruction[]) =>
  new Map(instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => [...keyValues(i.args)]));

describe('Dockerfiles', () => {
  it('finds every Dockerfile in the repository in the list under test', () => {
    const listed = runCommand('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: REPO_ROOT,
    });
    const found = listed.stdout
      .split('\n')
      .filter(
        (f) =>
          /(^|\/)Dockerfile(\.[A-Za-z0-9-]+)?$|\.dockerfile$/i.test(f) &&
          !f.endsWith('.dockerignore'),
      );
    expect(found.sort()).toEqual([...DOCKERFILES].sort());
  });

  it.each(DOCKERFILES)('%s passes the Dockerfile rules', (path) => {
    const accepted = ACCEPTED[path] ?? [];
    expect(lintDockerfile(read(path)).filter((f) => !accepted.includes(f.rule))).toEqual([]);
  });

  it.each(DOCKERFILES)('%s: every RUN passes shellcheck', (path) => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-dockerfile-run-'));
    try {
      const files = runScripts(read(path)).map(({ line, shell, script }) => {
        const file = join(dir, `line-${line}.${shell}`);
        writeFileSync(file, `#!/bin/${shell}\n${script}\n`);
        return file;
      });
      expect(files.length).toBeGreaterThan(0);
      const result = runCommand('shellcheck', ['--format=gcc', ...files]);
      expect(result.stdout).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(DOCKERFILES)(
    '%s passes dockerfile-utils (a third-party Dockerfile linter from npm)',
    (path) => {
      const linter = join(REPO_ROOT, 'node_modules', '.bin', 'dockerfile-utils');
      const result = runCommand(linter, ['lint', join(REPO_ROOT, path)]);
      expect({ status: result.status, findings: result.stdout + result.stderr }).toEqual({
        status: 0,
        findings: '',
      });
    },
  );

  it('dockerfile-utils itself fails on a broken Dockerfile (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockerfile-lint-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), 'FROM\nEXPOSE not-a-port\n');
      const result = runCommand(join(REPO_ROOT, 'node_modules', '.bin', 'dockerfile-utils'), [
        'lint',
        join(dir, 'Dockerfile'),
      ]);
      expect(result.status).not.toBe(0);
      expect(result.stdout + result.stderr).toContain('Invalid containerPort');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the rules catch what they claim to catch', () => {
    const bad = [
      'FROM node',
      'ADD app.tar.gz /app',
      'RUN apt-get update && apt-get install curl | tee log && cd /app',
      'RUN curl -sSL https://example.com/x.sh',
      'ENV JWT_SECRET=abc',
      'COPY --from=builder /a /b',
      'USER runbooks',
      'CMD node main.js',
    ].join('\n');
    const rules = lintDockerfile(bad).map((f) => f.rule);
    for (const rule of [
      'DL3006',
      'DL3020',
      'DL3015',
      'DL3014',
      'DL3009',
      'DL3003',
      'DL4006',
      'RB002',
      'RB001',
      'DL3022',
      'RB003',
      'DL3025',
    ])
      expect(rules).toContain(rule);
    expect(lintDockerfile('FROM debian:12\nRUN true').map((f) => f.rule)).toEqual(['DL3002']);
  });

  describe('deploy/Dockerfile (the server image)', () => {
    const text = read('deploy/Dockerfile');
    const instructions = parseDockerfile(text);
    const runtime = finalStage('deploy/Dockerfile');
    const env = envOf(runtime.instructions);

    it('is multi-stage on Node 20 slim, tini as PID 1, root for the sandbox, with a live healthcheck', () => {
      const args = globalArgs(instructions);
      const stages = dockerStages(instructions);
      expect(stages.length).toBeGreaterThanOrEqual(2);
      for (const stage of stages)
        expect(resolveImage(stage.image, args)).toMatch(/^node:20(\.\d+)*-[a-z]+-slim$/);
      expect(lastOf(runtime.instructions, 'ENTRYPOINT')?.args).toBe('["/usr/bin/tini", "--"]');
      expect(lastOf(runtime.instructions, 'CMD')?.args).toBe(
        '["node", "/opt/runbooks/api/main.js"]',
      );
      expect(lastOf(runtime.instructions, 'USER')?.args).toBe('0:0');
      expect(lastOf(runtime.instructions, 'HEALTHCHECK')?.args).toContain(
        '/usr/local/bin/runbooks-healthcheck',
      );
      expect(text).toMatch(
        /COPY --from=build --chmod=0755 \/src\/deploy\/healthcheck\.sh \/usr\/local\/bin\/runbooks-healthcheck/,
      );
      const packages = runtime.instructions.find(
        (i) => i.keyword === 'RUN' && i.args.includes('apt-get install'),
      );
      for (const tool of ['zsh', 'git', 'curl', 'tini'])
        expect(packages?.args).toMatch(new RegExp(`\\b${tool}\\b`));
      for (const label of ['title', 'description', 'version', 'created', 'licenses'])
        expect(text).toContain(`org.opencontainers.image.${label}=`);
    });

    it('gives the writable paths to root: the data dir owner-only, the execution dir passable', () => {
      const setup = runtime.instructions
        .filter((i) => i.keyword === 'RUN')
        .map((i) => i.args)
        .join('\n');
      const modes = new Map(
        [...setup.matchAll(/install -d -o root -g root -m (0\d{3}) (\S+)/g)].map((m) => [
          m[2],
          m[1],
        ]),
      );
      expect(modes.get(env.get('EXECUTION_DIR') ?? '')).toBe('0711');
      expect(modes.get(env.get('RUNBOOK_DATA_DIR') ?? '')).toBe('0700');
      // Run uids must traverse every parent of EXECUTION_DIR (the server checks at start).
      expect(modes.get('/var/lib/runbooks')).toBe('0755');
      expect(text).toContain(
        `COPY --from=build --chown=0:0 /src/samples/runbooks/ ${env.get('RUNBOOKS_DIR')}/`,
      );
      expect(WRITABLE_PATHS.sort()).toEqual(
        [env.get('EXECUTION_DIR'), env.get('RUNBOOK_DATA_DIR'), env.get('RUNBOOKS_DIR')].sort(),
      );
    });

    it('sets only real config variables, with writable paths on volumes', () => {
      const schema = new Set(loadConfigSchema().map((v) => v.name));
      const runtimeOnly = new Set(['NODE_ENV', 'HOME']);
      for (const name of env.keys()) expect(schema.has(name) || runtimeOnly.has(name)).toBe(true);
      expect(env.get('API_PORT')).toBe('8083');
      expect(lastOf(runtime.instructions, 'EXPOSE')?.args).toBe('8083');
      const volumes = JSON.parse(lastOf(runtime.instructions, 'VOLUME')?.args ?? '[]') as string[];
      expect(volumes.sort()).toEqual(
        [env.get('EXECUTION_DIR'), env.get('RUNBOOK_DATA_DIR')].sort(),
      );
      expect(env.get('HOME')).toBe('/tmp');
    });

    it('copies only what exists: sources, and the outputs of the Nx projects it builds', () => {
      const build = /npx nx run-many -t build -p ([a-z -]+?) --/.exec(text)?.[1]?.split(' ') ?? [];
      expect(build).toEqual(['api', 'web', 'cli']);
      for (const project of build)
        expect(existsSync(join(REPO_ROOT, 'apps', project, 'project.json'))).toBe(true);
      for (const ins of instructions.filter((i) => i.keyword === 'COPY')) {
        const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        const sources = parts.slice(0, -1);
        for (const source of sources) {
          if (ins.args.includes('--from=build')) {
            const path = source.replace(/^\/src\//, '');
            const dist = /^dist\/apps\/([a-z-]+)\//.exec(path);
            if (dist?.[1]) {
              const projectFiles = ['project.json', 'webpack.config.js']
                .map((f) => join(REPO_ROOT, 'apps', dist[1] ?? '', f))
                .filter((f) => existsSync(f))
                .map((f) => readFileSync(f, 'utf8'))
                .join('\n');
              expect(projectFiles).toMatch(
                new RegExp(`dist/apps/${dist[1]}|'\\.\\./\\.\\./dist/apps/${dist[1]}'`),
              );
            } else if (path !== 'node_modules/') {
              expect(existsSync(join(REPO_ROOT, path))).toBe(true);
            }
          } else if (source !== '.') {
            expect(existsSync(join(REPO_ROOT, source))).toBe(true);
          }
        }
      }
    });

    it('has a .dockerignore that keeps local builds and dependencies out of the context', () => {
      const ignore = readFileSync(join(DEPLOY_DIR, 'Dockerfile.dockerignore'), 'utf8').split('\n');
      for (const entry of ['.git', '**/node_modules', 'dist', 'data', '.env'])
        expect(ignore).toContain(entry);
      expect(readFileSync(join(DEPLOY_DIR, 'Dockerfile.web.dockerignore'), 'utf8')).toBe(
        ignore.join('\n'),
      );
    });
  });

  describe('deploy/Dockerfile.web (console + proxy)', () => {
    const runtime = finalStage('deploy/Dockerfile.web');
    it('serves deploy/nginx.conf unprivileged on the ports nginx.conf listens on', () => {
      const text = read('deploy/Dockerfile.web');
      expect(text).toContain('COPY deploy/nginx.conf /etc/nginx/nginx.conf');
      expect(text).toContain(
        'COPY --from=build /src/dist/apps/web/browser/ /usr/share/nginx/html/',
      );
      expect(lastOf(runtime.instructions, 'USER')?.args).toBe('101:101');
      expect(lastOf(runtime.instructions, 'EXPOSE')?.args).toBe('8080 8443');
      const conf = readFileSync(join(DEPLOY_DIR, 'nginx.conf'), 'utf8');
      expect(conf).toContain('listen 8080;');
      expect(conf).toContain('listen 8443 ssl http2;');
      expect(conf).toContain('root /usr/share/nginx/html;');
      expect(lastOf(runtime.instructions, 'HEALTHCHECK')?.args).toContain(
        'http://127.0.0.1:8080/nginx-health',
      );
    });
  });

  describe.each(EXTENSIONS)('%s (extension sample)', (path) => {
    const text = read(path);
    it('builds FROM the server image of this version and ends as its user (root)', () => {
      const args = globalArgs(parseDockerfile(text));
      expect(args.get('RUNBOOKS_IMAGE')).toBe(`ghcr.io/your-org/runbooks:${version}`);
      for (const stage of dockerStages(parseDockerfile(text)))
        expect(stage.image).toBe('${RUNBOOKS_IMAGE}');
      const serverUser = lastOf(finalStage('deploy/Dockerfile').instructions, 'USER')?.args;
      expect(lastOf(finalStage(path).instructions, 'USER')?.args).toBe(serverUser);
      expect(serverUser).toBe('0:0');
      expect(text).toContain(`-f ${path.replace('samples/', '')}`);
    });
  });

  describe.each(['deploy/Dockerfile', ...EXTENSIONS])('%s', (path) => {
    it('gives no writable path of the server to 10001 (root without DAC_OVERRIDE could not write it)', () => {
      for (const ins of parseDockerfile(read(path))) {
        const to10001 =
          (ins.keyword === 'COPY' && /--chown=(10001|runbooks)\b/.test(ins.args)) ||
          (ins.keyword === 'RUN' &&
            /\bchown\s+(-\S+\s+)*(10001|runbooks)\b|\binstall\b[^&;]*-[og]\s*(10001|runbooks)\b/.test(
              ins.args,
            ));
        const touches = WRITABLE_PATHS.some((p) => ins.args.includes(p));
        expect({ line: ins.line, chownsWritablePathTo10001: to10001 && touches }).toEqual({
          line: ins.line,
          chownsWritablePathTo10001: false,
        });
      }
    });
  });

  it('the runbook-packaging sample replaces the samples instead of merging into them', () => {
    const text = read('samples/Dockerfile.with-runbooks');
    expect(text).toContain('rm -rf /opt/runbooks/runbooks');
    expect(text).toContain(
      'runbook --runbooks-dir /tmp/collection validate --env-file /tmp/validate.env',
    );
    expect(text).toContain(
      'COPY --from=verify --chown=0:0 /tmp/collection/ /opt/runbooks/runbooks/',
    );
    // Where the base image keeps runbooks.
    expect(envOf(finalStage('deploy/Dockerfile').instructions).get('RUNBOOKS_DIR')).toBe(
      '/opt/runbooks/runbooks',
    );
  });
});
