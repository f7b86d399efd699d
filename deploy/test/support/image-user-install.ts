import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import { API_MAIN, REPO_ROOT } from './repo-paths';

/** The built API copied where the image user can read it, as the image has it in /opt/runbooks. */
export interface ImageUserInstall {
  /** `<root>/api/main.js`: what the image user runs. */
  main: string;
  /** The folder holding `api/` and `node_modules/`. */
  root: string;
  /** Deletes the copy. */
  remove(): void;
}

/**
 * Copies `dist/apps/api` and the node modules it loads (its dependencies, transitively) into a
 * fresh folder under `parentDir` (the temporary directory) that every user can read, so that the
 * image user can run the server wherever the checkout lives (a checkout in `/root` or in a `mktemp -d` folder is
 * out of its reach). As root, throws an explained error when the image user cannot reach that
 * folder or cannot run Node.js (any other caller cannot switch users, and runs the copy itself).
 */
export function installForImageUser(uid: number, parentDir = tmpdir()): ImageUserInstall {
  if (!existsSync(API_MAIN))
    throw new Error(`${API_MAIN} is missing: build the API first (npx nx build api).`);
  const root = mkdtempSync(join(parentDir, 'runbooks-image-user-'));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    cpSync(dirname(API_MAIN), join(root, 'api'), { recursive: true });
    for (const packageDir of runtimePackageDirs()) {
      const target = join(root, relative(REPO_ROOT, packageDir));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(packageDir, target, { recursive: true, dereference: true });
    }
    makeReadableByAll(root);
    const main = join(root, 'api', 'main.js');
    if (process.getuid?.() === 0) assertImageUserCanRun(uid, main);
    return { main, root, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** The folders of the packages the built API requires, found as Node.js resolves them. */
function runtimePackageDirs(): string[] {
  const generated = join(dirname(API_MAIN), 'package.json');
  const manifest = existsSync(generated) ? generated : join(REPO_ROOT, 'package.json');
  const found = new Set<string>();
  const queue = dependencyNames(manifest).map((name) => ({ name, from: REPO_ROOT }));
  for (let next = queue.shift(); next; next = queue.shift()) {
    const packageDir = resolvePackageDir(next.name, next.from);
    if (!packageDir || found.has(packageDir)) continue;
    found.add(packageDir);
    for (const name of dependencyNames(join(packageDir, 'package.json')))
      queue.push({ name, from: packageDir });
  }
  // A nested package is copied with its parent; copying it again would be wasted work.
  return [...found].filter(
    (dir) => ![...found].some((other) => other !== dir && dir.startsWith(`${other}/`)),
  );
}

/** Runtime dependency names of a package.json (peer dependencies count: they are loaded too). */
function dependencyNames(manifestPath: string): string[] {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  const names = new Set<string>();
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = manifest[field];
    if (deps && typeof deps === 'object') for (const name of Object.keys(deps)) names.add(name);
  }
  return [...names];
}

/** `node_modules/<name>` in `from` or the nearest folder above it (within the repo), if installed. */
function resolvePackageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === REPO_ROOT || dir === dirname(dir)) return undefined;
  }
}

/** o+r on files, o+rx on folders (a checkout made under `umask 077` has neither). */
function makeReadableByAll(path: string): void {
  const stats = statSync(path);
  chmodSync(path, stats.mode | (stats.isDirectory() ? 0o755 : 0o444));
  if (stats.isDirectory())
    for (const entry of readdirSync(path)) makeReadableByAll(join(path, entry));
}

/** Asks the image user itself to run Node.js and find the server: the only reliable check. */
function assertImageUserCanRun(uid: number, main: string): void {
  const asImageUser = (args: string[]) =>
    spawnSync(
      'setpriv',
      [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, ...args],
      { encoding: 'utf8', cwd: '/' },
    );
  const node = asImageUser(['--version']);
  if (node.status !== 0)
    throw new Error(
      `The image user ${uid} cannot run Node.js at ${process.execPath} ` +
        `(${(node.stderr || node.error?.message || '').trim()}). Install Node.js where every ` +
        `user can run it (e.g. /usr/bin/node), or run the deploy tests as a non-root user.`,
    );
  const server = asImageUser(['-e', 'require.resolve(process.argv[1])', main]);
  if (server.status !== 0)
    throw new Error(
      `The image user ${uid} cannot read ${main}: a folder above it is private. ` +
        `Point TMPDIR at a folder every user can reach (e.g. TMPDIR=/tmp), or run the deploy ` +
        `tests as a non-root user.`,
    );
}
