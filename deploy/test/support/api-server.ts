import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { freePort } from './free-port';
import { httpCall } from './http-client';
import { installForImageUser, type ImageUserInstall } from './image-user-install';
import { API_MAIN, REPO_ROOT } from './repo-paths';
import { waitFor } from './wait-for';

/** The user the image runs as; the tests run the server as this user when they can (root). */
export const IMAGE_UID = 10001;

/** A built API server running on loopback. */
export interface ApiServer {
  port: number;
  url: string;
  pid: number;
  /** Everything the server printed so far. */
  log(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** Environment on top of a minimal base (PATH, LANG); API_PORT is chosen when absent. */
  env: Record<string, string>;
  /**
   * Run as the image's unprivileged user (only possible as root; otherwise as the caller), from a
   * copy of the built server it can read (see {@link installForImageUser}).
   */
  asImageUser?: boolean;
}

/** Creates the directories a server needs under `root`: runbooks (copied from `from`), execution, data. */
export function makeServerDirs(root: string, from?: string) {
  const dirs = {
    runbooks: join(root, 'runbooks'),
    execution: join(root, 'execution'),
    data: join(root, 'data'),
    home: join(root, 'home'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  if (from) cpSync(from, dirs.runbooks, { recursive: true });
  return dirs;
}

/** Gives `paths` (recursively) to the image user, when running as root. */
export function chownToImageUser(...paths: string[]): void {
  if (process.getuid?.() !== 0) return;
  const walk = (path: string) => {
    chownSync(path, IMAGE_UID, IMAGE_UID);
    if (statSync(path).isDirectory())
      for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  for (const path of paths) walk(path);
}

let shared: { install: ImageUserInstall; users: number } | undefined;

/** One copy for the image user's servers of a test file, removed when the last one stops. */
function sharedImageUserInstall(): ImageUserInstall {
  shared ??= { install: installForImageUser(IMAGE_UID), users: 0 };
  const current = shared;
  current.users += 1;
  let released = false;
  return {
    ...current.install,
    remove() {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users > 0) return;
      current.install.remove();
      if (shared === current) shared = undefined;
    },
  };
}

/** Starts `node dist/apps/api/main.js` and waits until `/health/live` answers. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const port = Number(options.env['API_PORT'] ?? (await freePort()));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: options.env['HOME'] ?? '/tmp',
    ...options.env,
    API_PORT: String(port),
  };
  // As root, the image user runs its own copy of the server: it may not reach the checkout.
  const install =
    options.asImageUser && process.getuid?.() === 0 ? sharedImageUserInstall() : undefined;
  const [command, args] = install
    ? [
        'setpriv',
        [
          `--reuid=${IMAGE_UID}`,
          `--regid=${IMAGE_UID}`,
          '--clear-groups',
          process.execPath,
          install.main,
        ],
      ]
    : [process.execPath, [API_MAIN]];
  const child: ChildProcess = spawn(command, args, {
    cwd: install?.root ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const url = `http://127.0.0.1:${port}`;
  const server: ApiServer = {
    port,
    url,
    pid: child.pid ?? -1,
    log: () => output,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      install?.remove();
    },
  };
  try {
    await waitFor(
      async () =>
        child.exitCode !== null ||
        (await httpCall(`${url}/health/live`, { timeoutMs: 2000 })).status === 200,
      `API on port ${port} to answer /health/live`,
    );
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}`);
  } catch (error) {
    await server.stop(2000);
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n--- server log ---\n${output}`,
    );
  }
  return server;
}

/** Mints a token through `/dev-login` (the server must run with ENABLE_LOGIN=true). */
export async function devLogin(
  baseUrl: string,
  subject: string,
  roles: string[],
  ca?: string,
): Promise<string> {
  const answer = await httpCall(`${baseUrl}/dev-login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ subject, roles }),
    ca,
  });
  if (answer.status !== 200) throw new Error(`dev-login answered ${answer.status}: ${answer.body}`);
  const token = (JSON.parse(answer.body) as { access_token?: unknown }).access_token;
  if (typeof token !== 'string') throw new Error(`dev-login gave no token: ${answer.body}`);
  return token;
}
