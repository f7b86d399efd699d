import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseDockerfile } from './support/dockerfile-lint';
import { freePort } from './support/free-port';
import { httpCall } from './support/http-client';
import { devLogin } from './support/api-server';
import { API_MAIN, DEPLOY_DIR, REPO_ROOT } from './support/repo-paths';
import { waitFor } from './support/wait-for';
import { asArray, dig, readYaml } from './support/yaml-files';

/**
 * Runs the built server the way the shipped deploy files run the image: root holding only the
 * capabilities compose.single.yaml adds, no_new_privs, NODE_ENV=production, on folders with the
 * owner and modes the Dockerfile gives them. Root without DAC_OVERRIDE must still sandbox scripts,
 * keep them out of the data dir and append History to the root-owned collection.
 */
const composeCaps = asArray(
  dig(readYaml(join(DEPLOY_DIR, 'compose.single.yaml')), 'services', 'runbooks', 'cap_add'),
  'cap_add',
).map((cap) => String(cap).toLowerCase());
/** `install -d -o root -g root -m MODE PATH` lines of the server image. */
const imageModes = new Map(
  parseDockerfile(readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8'))
    .filter((i) => i.keyword === 'RUN')
    .flatMap((i) => [...i.args.matchAll(/install -d -o root -g root -m (0\d{3}) (\S+)/g)])
    .map((m) => [m[2] ?? '', parseInt(m[1] ?? '', 8)]),
);

const PROBE = `# ProbeRunbook
Shows which uid runs the script and whether it can read the server's data folder.

# Environment Requirements
\`\`\`yaml
DATA_DIR: The server's RUNBOOK_DATA_DIR
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
print -r -- "uid=$(id -u)"
if ls "$DATA_DIR" >/dev/null 2>&1; then print -r -- "data=readable"; else print -r -- "data=closed"; fi
\`\`\`

# History
`;

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts dist/apps/api/main.js as root whose capabilities are only `caps`, with no_new_privs. */
async function startAsRoot(caps: string[], env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const bounding = ['-all', ...caps.map((c) => `+${c}`)].join(',');
  const child = spawn(
    'setpriv',
    ['--no-new-privs', '--inh-caps=-all', `--bounding-set=${bounding}`, process.execPath, API_MAIN],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'], LANG: 'C.UTF-8', ...env, API_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

async function stop(server: Started | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
  await server.exited;
  clearTimeout(timer);
}

describe('the server as the deploy files run it (root with four capabilities)', () => {
  let root: string;
  let dirs: { runbooks: string; execution: string; data: string; home: string };
  let env: Record<string, string>;

  beforeAll(() => {
    expect(process.getuid?.()).toBe(0); // switching users takes root; the deploy tests run as root
    root = mkdtempSync(join(tmpdir(), 'deploy-sandbox-'));
    chmodSync(root, 0o755);
    dirs = {
      runbooks: join(root, 'runbooks'),
      execution: join(root, 'execution'),
      data: join(root, 'data'),
      home: join(root, 'home'),
    };
    const modeOf = (path: string) => {
      const mode = imageModes.get(path);
      if (mode === undefined) throw new Error(`deploy/Dockerfile does not create ${path}`);
      return mode;
    };
    for (const [dir, imagePath] of [
      [dirs.execution, '/var/lib/runbooks/execution'],
      [dirs.data, '/var/lib/runbooks/data'],
    ] as const) {
      mkdirSync(dir);
      chmodSync(dir, modeOf(imagePath));
    }
    mkdirSync(dirs.runbooks);
    mkdirSync(dirs.home);
    writeFileSync(join(dirs.runbooks, 'ProbeRunbook.md'), PROBE);
    env = {
      NODE_ENV: 'production',
      RUNBOOKS_DIR: dirs.runbooks,
      EXECUTION_DIR: dirs.execution,
      RUNBOOK_DATA_DIR: dirs.data,
      HOME: dirs.home,
      JWT_SECRET: 'sandboxed-deploy-test-secret-0123456789abcdef',
      ENABLE_LOGIN: 'true',
      // The test signs in through /dev-login, which production refuses unless allowed.
      ALLOW_DEV_LOGIN_IN_PRODUCTION: 'true',
    };
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('adds exactly CHOWN, KILL, SETGID and SETUID in compose (what the server checks for)', () => {
    expect(composeCaps).toEqual(['chown', 'kill', 'setgid', 'setuid']);
  });

  it('sandboxes scripts, closes the data dir and appends History to the root-owned collection', async () => {
    let server: Started | undefined;
    try {
      server = await startAsRoot(composeCaps, env);
      const started = server;
      await waitFor(
        async () =>
          started.child.exitCode !== null ||
          (await httpCall(`${started.url}/health/live`, { timeoutMs: 2000 }).catch(() => null))
            ?.status === 200,
        'the server to answer /health/live',
      );
      expect({
        exit: started.child.exitCode,
        log: started.child.exitCode === null ? '' : started.output(),
      }).toEqual({ exit: null, log: '' });
      const info = JSON.parse((await httpCall(`${started.url}/api/info`)).body) as {
        sandbox?: string;
      };
      expect(info.sandbox).toBe('per-run-uid');
      expect(statSync(dirs.data).mode & 0o777).toBe(0o700);

      const token = await devLogin(started.url, 'sre-1', ['sre']);
      const answer = await httpCall(`${started.url}/api/runbooks/ProbeRunbook.md/execute`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ env_vars: { DATA_DIR: dirs.data } }),
        timeoutMs: 30_000,
      });
      const result = JSON.parse(answer.body) as { success?: boolean; stderr?: string };
      // Fails with the executor's message when root without DAC_OVERRIDE cannot start the run.
      expect({ status: answer.status, success: result.success, stderr: result.stderr }).toEqual({
        status: 200,
        success: true,
        stderr: '',
      });
      const uid = Number(/uid=(\d+)/.exec(answer.body)?.[1]);
      // RUNNER_UID_RANGE's default: compose.single.yaml does not set it.
      expect(uid).toBeGreaterThanOrEqual(20000);
      expect(uid).toBeLessThanOrEqual(20999);
      expect(answer.body).toContain('data=closed');
      const history = readFileSync(join(dirs.runbooks, 'ProbeRunbook.md'), 'utf8');
      expect(history.slice(PROBE.length)).toContain(`uid=${uid}`);
    } finally {
      await stop(server);
    }
  });

  it('refuses to start in production without those capabilities (root alone is not enough)', async () => {
    const server = await startAsRoot([], env);
    try {
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        server.exited,
        new Promise<'running'>((resolveLater) => {
          timer = setTimeout(() => resolveLater('running'), 30_000);
        }),
      ]);
      clearTimeout(timer);
      expect(code).not.toBe('running');
      expect(code).not.toBe(0);
      expect(server.output()).toContain('Refusing to run scripts unsandboxed in production');
    } finally {
      await stop(server);
    }
  });
});
