// What the benchmark scripts share: command-line options, percentiles and free ports.
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

const args = process.argv.slice(2);

/** The value after `--<name>` on the command line, or `fallback`. */
export function option(name, fallback) {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
}

/** The `p` quantile (0 < p ≤ 1) of `values` by nearest rank; `values` is not changed. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1))];
}

/** The median as `percentile(values, 0.5)` reports it. */
export function median(values) {
  return percentile(values, 0.5);
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Makes `require('@runbooks/<lib>')` inside built libraries resolve to `dist/libs/<lib>`, as an
 * npm install of the packages would (some libs import @runbooks/types at run time).
 */
export function resolveWorkspaceLibsFromDist(root) {
  const Module = createRequire(import.meta.url)('node:module');
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    const match = /^@runbooks\/([a-z-]+)$/.exec(request);
    if (match) return join(root, 'dist', 'libs', match[1], 'index.js');
    return resolveFilename.call(this, request, ...rest);
  };
}
