import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_MAIN, SAMPLES_DIR } from './paths';
import { waitUntil } from './wait-until';

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** A real API server process (dist/apps/api/main.js) over a temp copy of the samples. */
export class ApiProcess {
  private output = '';
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly root: string,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.exit = new Promise((resolve) =>
      child.once('exit', () => {
        this.exited = true;
        resolve();
      }),
    );
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The server's runbooks folder. */
  get runbooks(): string {
    return join(this.root, 'runbooks');
  }

  /** What the server printed. */
  get logs(): string {
    return this.output;
  }

  /** Starts a server configured only by environment variables, and waits until it is live. */
  static async start(extraEnv: Record<string, string> = {}): Promise<ApiProcess> {
    if (!existsSync(API_MAIN))
      throw new Error(`${API_MAIN} is missing: run "npx nx build api" first`);
    const root = mkdtempSync(join(tmpdir(), 'runbook-cli-e2e-api-'));
    // As root every run gets its own uid (the sandbox), which must traverse to the execution dir.
    chmodSync(root, 0o711);
    for (const folder of ['execution', 'data']) mkdirSync(join(root, folder), { mode: 0o711 });
    cpSync(SAMPLES_DIR, join(root, 'runbooks'), { recursive: true });
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: root,
      LANG: 'C.UTF-8',
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      RUNBOOKS_DIR: join(root, 'runbooks'),
      EXECUTION_DIR: join(root, 'execution'),
      RUNBOOK_DATA_DIR: join(root, 'data'),
      JWT_SECRET: `cli-e2e-${randomBytes(16).toString('hex')}`,
      ENABLE_LOGIN: 'true',
      RATE_LIMIT_ENABLED: 'false',
      KILL_GRACE_SECONDS: '1',
      ...extraEnv,
    };
    const child = spawn(process.execPath, [API_MAIN], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ApiProcess(child, port, root);
    try {
      await waitUntil(
        async () => {
          if (server.exited) throw new Error(`the API exited early:\n${server.logs}`);
          const response = await fetch(`${server.url}/health/live`).catch(() => null);
          return response?.status === 200;
        },
        'the API to answer /health/live',
        60_000,
        100,
      );
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Stops the server and removes its folders. */
  async stop(): Promise<void> {
    if (!this.exited) this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exit;
    clearTimeout(killer);
    rmSync(this.root, { recursive: true, force: true });
  }
}
