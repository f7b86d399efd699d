import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root. */
export const root = join(__dirname, '..', '..', '..', '..');

/** Every publishable lib (a folder of libs/ with a package.json). */
export const libs = readdirSync(join(root, 'libs')).filter((lib) =>
  existsSync(join(root, 'libs', lib, 'package.json')),
);

/** The libs that run in browsers and Node alike, shipped as ES modules and CommonJS. */
export const isomorphicLibs = ['types', 'runbook-format', 'rbac', 'event-stream'];

/** Every lib shipped as ES modules and CommonJS: the isomorphic ones and the MCP tools. */
export const dualFormatLibs = [...isomorphicLibs, 'mcp'];

const npmEnv = {
  ...process.env,
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

/** Runs npm in `cwd` and returns its standard output (throws with its stderr on failure). */
export function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('npm', args, {
    cwd,
    env: { ...npmEnv, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** What `npm pack --json` says about one package. */
export interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** Packs the built package in `dist` into `destination`. */
export function pack(dist: string, destination: string): PackResult {
  const [result] = JSON.parse(
    npm(['pack', '--json', '--pack-destination', destination], dist),
  ) as PackResult[];
  if (!result) throw new Error(`npm pack gave nothing for ${dist}`);
  return result;
}

/**
 * A new npm project in `dir` with the given tarballs installed, as a user outside the monorepo
 * would. Install scripts are not run: this checks packaging, not compilers (better-sqlite3).
 */
export function consumerProject(dir: string, tarballs: string[], type = 'commonjs'): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type }),
  );
  npm(['install', '--ignore-scripts', '--prefer-offline', ...tarballs], dir);
  return dir;
}

/** Runs `node` with `args` in `cwd` and returns its standard output. */
export function node(args: string[], cwd: string): string {
  return execFileSync('node', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
