import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { httpCall } from './http-client';
import { DEPLOY_DIR } from './repo-paths';
import { runCommand, type CommandResult } from './run-command';
import { waitFor } from './wait-for';

/** Where a test copy of deploy/nginx.conf points instead of the container's paths and hosts. */
export interface NginxTestSetup {
  /** Folder for pid, temp paths (replaces `/tmp/`). */
  prefix: string;
  /** Folder holding tls.crt and tls.key (replaces `/etc/nginx/tls/`). */
  tlsDir: string;
  /** Folder of the console files (replaces `/usr/share/nginx/html`). */
  webRoot: string;
  /** `host:port` of each API instance (replace the api-N upstream servers). */
  upstreams: string[];
  httpPort: number;
  httpsPort: number;
  /** Overrides the API location's `proxy_read_timeout`, in seconds. */
  apiReadTimeoutSeconds?: number;
}

function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  if (!pattern.test(text))
    throw new Error(`deploy/nginx.conf no longer contains ${what} (${pattern})`);
  return text.replace(pattern, replacement);
}

/**
 * deploy/nginx.conf with only the environment swapped: writable paths, certificate folder, web
 * root, upstream servers, listen ports and (optionally) the API read timeout. Every swapped
 * piece must be present, so the test breaks loudly if the shipped config changes shape.
 */
export function renderNginxConfig(setup: NginxTestSetup): string {
  let text = readFileSync(join(DEPLOY_DIR, 'nginx.conf'), 'utf8');
  text = replaceOnce(text, /\/tmp\//g, `${setup.prefix}/`, 'writable paths under /tmp/');
  text = replaceOnce(text, /\/etc\/nginx\/tls\//g, `${setup.tlsDir}/`, 'the certificate folder');
  text = replaceOnce(
    text,
    /root \/usr\/share\/nginx\/html;/,
    `root ${setup.webRoot};`,
    'the console root',
  );
  const servers = setup.upstreams
    .map((u) => `server ${u} max_fails=3 fail_timeout=10s;`)
    .join('\n        ');
  text = replaceOnce(
    text,
    /server api-1:8083 [^;]*;\s*server api-2:8083 [^;]*;\s*server api-3:8083 [^;]*;/,
    servers,
    'the three api-N upstream servers',
  );
  text = replaceOnce(text, /listen 8080;/, `listen 127.0.0.1:${setup.httpPort};`, 'listen 8080');
  text = replaceOnce(text, /listen \[::\]:8080;\n/, '', 'listen [::]:8080');
  text = replaceOnce(
    text,
    /listen 8443 ssl http2;/,
    `listen 127.0.0.1:${setup.httpsPort} ssl http2;`,
    'listen 8443',
  );
  text = replaceOnce(text, /listen \[::\]:8443 ssl http2;\n/, '', 'listen [::]:8443');
  if (setup.apiReadTimeoutSeconds !== undefined)
    text = replaceOnce(
      text,
      /(location \/api\/ \{[^}]*?)proxy_read_timeout \d+s;/,
      `$1proxy_read_timeout ${setup.apiReadTimeoutSeconds}s;`,
      "the API location's proxy_read_timeout",
    );
  return text;
}

/** Writes the rendered config into `setup.prefix` and returns its path. */
export function writeNginxConfig(setup: NginxTestSetup, name = 'nginx.conf'): string {
  mkdirSync(setup.prefix, { recursive: true });
  const file = join(setup.prefix, name);
  writeFileSync(file, renderNginxConfig(setup));
  return file;
}

/** `nginx -t` on a config file (output through a file: see {@link startNginx}). */
export function testNginxConfig(prefix: string, file: string): CommandResult {
  const logFile = join(prefix, 'nginx-t.log');
  const fd = openSync(logFile, 'w');
  try {
    const result = spawnSync('nginx', ['-t', '-p', prefix, '-e', 'stderr', '-c', file], {
      stdio: ['ignore', fd, fd],
      timeout: 30_000,
    });
    if (result.error) throw result.error;
    return { status: result.status, stdout: '', stderr: readFileSync(logFile, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/** A running nginx master process. */
export interface NginxProcess {
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground and waits until its plain-HTTP probe answers. Its output goes to
 * a file, as a container runtime's would: nginx cannot open /dev/stdout when it is a socket.
 */
export async function startNginx(setup: NginxTestSetup, file: string): Promise<NginxProcess> {
  const logFile = join(setup.prefix, 'nginx.log');
  const fd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    'nginx',
    ['-p', setup.prefix, '-e', 'stderr', '-c', file, '-g', 'daemon off;'],
    {
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  const output = () => readFileSync(logFile, 'utf8');
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const nginx: NginxProcess = {
    log: output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM'); // fast shutdown: the master stops its workers
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitFor(
      async () =>
        child.exitCode !== null ||
        (await httpCall(`http://127.0.0.1:${setup.httpPort}/nginx-health`, { timeoutMs: 2000 }))
          .status === 200,
      'nginx to answer /nginx-health',
      20_000,
    );
    if (child.exitCode !== null)
      throw new Error(`nginx exited with ${child.exitCode}:\n${output()}`);
  } catch (error) {
    await nginx.stop();
    throw error;
  }
  return nginx;
}

/** A self-signed certificate for localhost and 127.0.0.1 (openssl), as tls.crt and tls.key in `dir`. */
export function makeTestCertificate(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const result = runCommand('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    join(dir, 'tls.key'),
    '-out',
    join(dir, 'tls.crt'),
  ]);
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  return readFileSync(join(dir, 'tls.crt'), 'utf8');
}
