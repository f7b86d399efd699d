import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { sign } from 'jsonwebtoken';

/** The repository root (this file is apps/web-e2e/src/support/console-server.ts). */
export const REPO_ROOT = resolve(__dirname, '../../../..');
/** The built API server. */
export const API_MAIN = join(REPO_ROOT, 'dist/apps/api/main.js');
/** The built console the API serves. */
export const WEB_DIR = join(REPO_ROOT, 'dist/apps/web/browser');
/** Where screenshots go (test artefacts). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'dist/apps/web-e2e/screenshots');

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/** A running API process serving the console, with its own temp folders. */
export class ConsoleServer {
  private output = '';
  private readonly exited: Promise<void>;
  private hasExited = false;

  constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly root: string,
    private readonly jwtSecret: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolveExit) =>
      child.once('exit', () => {
        this.hasExited = true;
        resolveExit();
      }),
    );
  }

  /** Base URL of the console and API. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The server's runbooks folder (a copy of samples/runbooks). */
  get runbooksDir(): string {
    return join(this.root, 'runbooks');
  }

  /** A bearer token this server accepts (the dev issuer and audience), for API and MCP calls. */
  token(claims: { sub: string; roles: string[] }): string {
    return sign(claims, this.jwtSecret, {
      algorithm: 'HS256',
      issuer: 'dev-idp',
      audience: 'dev-api',
      expiresIn: 3600,
    });
  }

  /** What the server printed (for failure messages). */
  get logs(): string {
    return this.output;
  }

  /** Whether the process is gone. */
  get isDown(): boolean {
    return this.hasExited;
  }

  /** Sends SIGTERM (a graceful shutdown) and resolves once the process has exited. */
  async terminate(): Promise<void> {
    if (!this.hasExited) this.child.kill('SIGTERM');
    await this.exited;
  }

  /** Starts a new process on the same port, folders and signing key (tokens stay valid). */
  restart(): Promise<ConsoleServer> {
    if (!this.hasExited) throw new Error('restart() needs the old process to have exited');
    return launch(this.root, this.port, this.jwtSecret);
  }

  /** Stops the server (SIGTERM, then SIGKILL after a grace period) and removes its folders. */
  async stop(): Promise<void> {
    if (!this.hasExited) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Starts `node dist/apps/api/main.js` on a free port over a temp copy of samples/runbooks, with
 * dev-login on, rate limiting off and `WEB_DIR` pointing at the built console.
 */
export async function startConsoleServer(): Promise<ConsoleServer> {
  for (const path of [API_MAIN, join(WEB_DIR, 'index.html')]) {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing: run "npx nx run-many -t build -p api web" first`);
    }
  }
  const root = mkdtempSync(join(tmpdir(), 'runbooks-web-e2e-'));
  const dirs = {
    runbooks: join(root, 'runbooks'),
    execution: join(root, 'execution'),
    data: join(root, 'data'),
  };
  // As root every run gets its own uid (the sandbox), which must traverse to the execution dir.
  chmodSync(root, 0o711);
  for (const dir of Object.values(dirs)) mkdirSync(dir, { mode: 0o711 });
  cpSync(join(REPO_ROOT, 'samples/runbooks'), dirs.runbooks, { recursive: true });
  return launch(root, await freePort(), `web-e2e-${randomBytes(16).toString('hex')}`);
}

/** Starts the API over the folders under `root` and waits until it is live. */
async function launch(root: string, port: number, jwtSecret: string): Promise<ConsoleServer> {
  const dirs = {
    runbooks: join(root, 'runbooks'),
    execution: join(root, 'execution'),
    data: join(root, 'data'),
  };
  const child = spawn(process.execPath, [API_MAIN], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env['HOME'] ?? '/root',
      LANG: 'C.UTF-8',
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      RUNBOOKS_DIR: dirs.runbooks,
      EXECUTION_DIR: dirs.execution,
      RUNBOOK_DATA_DIR: dirs.data,
      JWT_SECRET: jwtSecret,
      ENABLE_LOGIN: 'true',
      RATE_LIMIT_ENABLED: 'false',
      WEB_DIR,
      KILL_GRACE_SECONDS: '1',
      SHUTDOWN_GRACE_SECONDS: '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new ConsoleServer(child, port, root, jwtSecret);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.isDown) throw new Error(`the API exited during start-up:\n${server.logs}`);
    try {
      const response = await fetch(`${server.url}/health/live`);
      if (response.ok) return server;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the API did not become live within 60 s:\n${server.logs}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
