import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { sign, type SignOptions } from 'jsonwebtoken';

import { waitFor } from './wait-for';

/** The repository root (this file is apps/api-e2e/src/support/api-server.ts). */
export const REPO_ROOT = resolve(__dirname, '../../../..');
/** The built server under test. */
export const API_MAIN = join(REPO_ROOT, 'dist/apps/api/main.js');
/** The sample runbooks every server gets a copy of (unless asked not to). */
export const SAMPLES_DIR = join(REPO_ROOT, 'samples/runbooks');

/** The folders one server works in. */
export interface ServerDirs {
  root: string;
  runbooks: string;
  execution: string;
  data: string;
}

/** How to start a server. */
export interface StartOptions {
  /** Extra environment (wins over the defaults below). */
  env?: Record<string, string>;
  /** Copy samples/runbooks into the runbooks folder (default true). */
  samples?: boolean;
  /** Extra runbooks: file name → content. */
  runbooks?: Record<string, string>;
  /** A command that starts node for us, e.g. `['setpriv', '--bounding-set=-all', '--']`. */
  wrapper?: string[];
  /** Reuse the folders of an earlier server (restart tests); they are not removed by stop(). */
  dirs?: ServerDirs;
  /** Wait for /health/live (default true). */
  waitLive?: boolean;
  /** The server script to run (default API_MAIN), e.g. a copy of it in another layout. */
  main?: string;
}

/** Claims of a test token; iss/aud/exp default to the server's expectations. */
export type TokenClaims = Record<string, unknown>;

const started = new Set<ApiServer>();

/** Finds a port nobody listens on right now. */
export async function freePort(): Promise<number> {
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

/** Makes fresh temp folders for a server (runbooks, execution, data). */
export function makeDirs(samples = true): ServerDirs {
  const root = mkdtempSync(join(tmpdir(), 'runbooks-api-e2e-'));
  // Run uids (the sandbox, as root) must traverse to the execution dir; the rest stays closed.
  chmodSync(root, 0o711);
  const dirs: ServerDirs = {
    root,
    runbooks: join(root, 'runbooks'),
    execution: join(root, 'execution'),
    data: join(root, 'data'),
  };
  mkdirSync(dirs.runbooks);
  mkdirSync(dirs.execution, { mode: 0o711 });
  mkdirSync(dirs.data);
  if (samples) cpSync(SAMPLES_DIR, dirs.runbooks, { recursive: true });
  return dirs;
}

/** A running API process with its folders, output and token helper. */
export class ApiServer {
  private output = '';
  private exit: Promise<number | null>;
  private exited = false;

  constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly dirs: ServerDirs,
    readonly env: Record<string, string>,
    private readonly ownsDirs: boolean,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exit = new Promise((resolveExit) =>
      child.once('exit', (code) => {
        this.exited = true;
        resolveExit(code);
      }),
    );
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Everything the server printed so far (stdout and stderr). */
  get logs(): string {
    return this.output;
  }

  /** Whether the process has exited. */
  get hasExited(): boolean {
    return this.exited;
  }

  /** The JWT secret the server was started with. */
  get secret(): string {
    return this.env['JWT_SECRET'] ?? '';
  }

  /** Resolves with the exit code once the process ends. */
  waitForExit(): Promise<number | null> {
    return this.exit;
  }

  /** An HS256 token the server accepts (iss, aud and a 1 h exp unless overridden). */
  token(claims: TokenClaims = {}, options: SignOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    return sign(
      {
        iss: this.env['JWT_ISSUER'] ?? 'dev-idp',
        aud: this.env['JWT_AUDIENCE'] ?? 'dev-api',
        sub: 'e2e-user',
        roles: ['sre', 'api'],
        iat: now,
        exp: now + 3600,
        ...claims,
      },
      this.secret,
      { algorithm: 'HS256', ...options },
    );
  }

  /** Writes (or replaces) a runbook in the server's folder. */
  writeRunbook(filename: string, content: string): string {
    const path = join(this.dirs.runbooks, filename);
    writeFileSync(path, content);
    return path;
  }

  /** Stops the server with a signal and waits for it; removes its folders unless reused. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.exited) this.child.kill(signal);
    const code = await this.exit;
    started.delete(this);
    if (this.ownsDirs) rmSync(this.dirs.root, { recursive: true, force: true });
    return code;
  }

  /** Kills the server without cleanup of folders (crash simulation); resolves on exit. */
  async crash(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.exit;
    started.delete(this);
  }
}

/** The environment every test server starts with (a scratch env: nothing inherited but PATH). */
export function baseEnv(dirs: ServerDirs, port: number): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/root',
    LANG: 'C.UTF-8',
    API_PORT: String(port),
    API_HOST: '127.0.0.1',
    RUNBOOKS_DIR: dirs.runbooks,
    EXECUTION_DIR: dirs.execution,
    RUNBOOK_DATA_DIR: dirs.data,
    JWT_SECRET: `e2e-${randomBytes(16).toString('hex')}`,
    ENABLE_LOGIN: 'true',
    RATE_LIMIT_ENABLED: 'false',
    KILL_GRACE_SECONDS: '1',
    SHUTDOWN_GRACE_SECONDS: '5',
    LOGGING_LEVEL: 'INFO',
  };
}

/** Starts the built API as a child process on a free port and waits until it is live. */
export async function startApi(options: StartOptions = {}): Promise<ApiServer> {
  const main = options.main ?? API_MAIN;
  if (!existsSync(main)) {
    throw new Error(`${main} is missing: run "npx nx build api" first`);
  }
  const ownsDirs = options.dirs === undefined;
  const dirs = options.dirs ?? makeDirs(options.samples ?? true);
  for (const [name, content] of Object.entries(options.runbooks ?? {}))
    writeFileSync(join(dirs.runbooks, name), content);
  const port = await freePort();
  const env = { ...baseEnv(dirs, port), ...options.env };
  const [command, ...args] = [...(options.wrapper ?? []), process.execPath, main];
  const child = spawn(command ?? process.execPath, args, {
    cwd: dirs.root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new ApiServer(child, Number(env['API_PORT']), dirs, env, ownsDirs);
  started.add(server);
  if (options.waitLive ?? true) {
    try {
      await waitFor(
        async () => {
          if (server.hasExited) throw new Error(`the server exited early:\n${server.logs}`);
          const response = await fetch(`${server.url}/health/live`).catch(() => null);
          return response?.status === 200;
        },
        { timeoutMs: 45_000, intervalMs: 100, what: 'the API to answer /health/live' },
      );
    } catch (error) {
      await server.stop('SIGKILL');
      // What the server printed is what explains a start that never finished.
      if (error instanceof Error && !error.message.includes('exited early'))
        error.message += `\n--- server output ---\n${server.logs}`;
      throw error;
    }
  }
  return server;
}

/** Stops every server still running (afterAll safety net). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...started].map((server) => server.stop('SIGKILL')));
}
