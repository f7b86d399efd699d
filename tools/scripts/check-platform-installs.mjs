#!/usr/bin/env node
// Proves that package-lock.json installs on the platforms contributors use, not only on the Linux
// x64 machine running this: in a scratch copy of package.json and package-lock.json, `npm ci
// --ignore-scripts --os=<os> --cpu=<cpu>` must install every native binding package that the lock
// file lists for that platform as the real package from the registry (its own name and version,
// its binary), never a stand-in. Run by tools/scripts/test-all.sh; `node
// tools/scripts/check-platform-installs.mjs darwin-arm64` checks one platform.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** Per platform, the bindings the build and the tests load, with a file only the real one has. */
const platforms = {
  'darwin-arm64': {
    '@rollup/rollup-darwin-arm64': 'rollup.darwin-arm64.node',
    '@unrs/resolver-binding-darwin-arm64': 'resolver.darwin-arm64.node',
    '@esbuild/darwin-arm64': 'bin/esbuild',
    'sass-embedded-darwin-arm64': 'dart-sass/sass',
    '@nx/nx-darwin-arm64': 'nx.darwin-arm64.node',
  },
  'win32-x64': {
    '@rollup/rollup-win32-x64-msvc': 'rollup.win32-x64-msvc.node',
    '@unrs/resolver-binding-win32-x64-msvc': 'resolver.win32-x64-msvc.node',
    '@esbuild/win32-x64': 'esbuild.exe',
    'sass-embedded-win32-x64': 'dart-sass/sass.bat',
    '@nx/nx-win32-x64-msvc': 'nx.win32-x64-msvc.node',
  },
  'linux-arm64': {
    '@rollup/rollup-linux-arm64-gnu': 'rollup.linux-arm64-gnu.node',
    '@unrs/resolver-binding-linux-arm64-gnu': 'resolver.linux-arm64-gnu.node',
    '@esbuild/linux-arm64': 'bin/esbuild',
    'sass-embedded-linux-arm64': 'dart-sass/sass',
    '@nx/nx-linux-arm64-gnu': 'nx.linux-arm64-gnu.node',
  },
};

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in platforms));
if (unknown.length > 0) {
  console.error(
    `unknown platform ${unknown.join(', ')}; known: ${Object.keys(platforms).join(', ')}`,
  );
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), 'runbooks-platform-install-'));
const failures = [];
try {
  copyFileSync(join(root, 'package.json'), join(scratch, 'package.json'));
  copyFileSync(join(root, 'package-lock.json'), join(scratch, 'package-lock.json'));
  for (const platform of wanted.length > 0 ? wanted : Object.keys(platforms)) {
    const started = Date.now();
    const [os, cpu] = platform.split('-');
    rmSync(join(scratch, 'node_modules'), { recursive: true, force: true });
    try {
      execFileSync(
        'npm',
        [
          'ci',
          '--ignore-scripts',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          `--os=${os}`,
          `--cpu=${cpu}`,
        ],
        { cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
      );
    } catch (error) {
      failures.push(`${platform}: npm ci failed:\n${error.stderr ?? error}`);
      continue;
    }
    const problems = [
      ...checkBindings(scratch, platforms[platform]),
      ...checkLockedPlatformPackages(scratch, os, cpu),
    ];
    failures.push(...problems.map((problem) => `${platform}: ${problem}`));
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(
      `${platform}: ${problems.length === 0 ? 'ok' : `${problems.length} problems`} (${seconds} s)`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}

/** Each binding is installed under its own name, with the file that only the real package has. */
function checkBindings(dir, bindings) {
  const problems = [];
  for (const [name, file] of Object.entries(bindings)) {
    const manifest = readManifest(join(dir, 'node_modules', name));
    if (!manifest) problems.push(`${name} is not installed`);
    else if (manifest.name !== name) problems.push(`${name} is a stand-in (${manifest.name})`);
    else if (!existsSync(join(dir, 'node_modules', name, file)))
      problems.push(`${name} lacks its binary ${file}`);
  }
  return problems;
}

/** Every lock entry for this os and cpu is the registry's package at the locked version. */
function checkLockedPlatformPackages(dir, os, cpu) {
  const problems = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (
      !path ||
      !/-(?:android|darwin|freebsd|linux|openbsd|openharmony|win32)-|^fsevents$/.test(name)
    )
      continue;
    if (entry.link) {
      problems.push(`the lock file links ${name} to ${entry.resolved}`);
      continue;
    }
    if (!entry.os?.includes(os) || !(entry.cpu ?? [cpu]).includes(cpu)) continue;
    const manifest = readManifest(join(dir, path));
    if (manifest && (manifest.name !== name || manifest.version !== entry.version))
      problems.push(`${path} is ${manifest.name}@${manifest.version}, locked ${entry.version}`);
  }
  return problems;
}

function readManifest(dir) {
  const file = join(dir, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}
