import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { dump } from 'js-yaml';

import { freePort } from './free-port';
import { httpCall } from './http-client';
import { waitFor } from './wait-for';
import { asRecord, type YamlNode } from './yaml-files';

/** The answer of Prometheus's `/api/v1/query`. */
export interface QueryAnswer {
  status: string;
  error?: string;
  data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/** A real prometheus process on loopback, with its own data folder. */
export interface PrometheusServer {
  url: string;
  /** An instant query. */
  query(expr: string): Promise<QueryAnswer>;
  /** Everything prometheus printed so far. */
  log(): string;
  /** Stops prometheus and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts prometheus with `config` (a parsed prometheus.yml, already pointed at the test targets),
 * scraping and evaluating every second, with `ruleFiles` copied next to it under their own names.
 * Resolves once prometheus answers `/-/ready`.
 */
export async function startPrometheus(
  config: YamlNode,
  ruleFiles: string[] = [],
): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-prometheus-'));
  const global = asRecord(config['global'] ?? {}, 'global');
  writeFileSync(
    join(dir, 'prometheus.yml'),
    dump({ ...config, global: { ...global, scrape_interval: '1s', evaluation_interval: '1s' } }),
  );
  for (const file of ruleFiles) copyFileSync(file, join(dir, basename(file)));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const server: PrometheusServer = {
    url,
    async query(expr) {
      const answer = await httpCall(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      return JSON.parse(answer.body) as QueryAnswer;
    },
    log: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      async () => child.exitCode !== null || (await httpCall(`${url}/-/ready`)).status === 200,
      'prometheus to be ready',
    );
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
  } catch (error) {
    await server.stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output}`);
  }
  return server;
}
