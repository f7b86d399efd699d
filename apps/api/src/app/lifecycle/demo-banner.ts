import { relative } from 'node:path';

import type { AppConfig } from '../config/app-config';

/** A path as the person who ran `npm start` typed it: relative to where they are, when inside. */
function shown(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith('..') ? inside : path;
}

/**
 * What `npm start` prints once the server listens: where to go, where the demo keeps its files,
 * and copy-paste curl examples.
 */
export function demoBanner(config: AppConfig, hasConsole: boolean): string {
  const base = `http://localhost:${config.apiPort}`;
  return `
  Runbooks demo — ${base}/${hasConsole ? '' : ' (API only: the web console is not built)'}
  runbooks: ${shown(config.runbooksDir)}   runs: ${shown(config.dataDir)}
  dev-login is enabled; the JWT secret is random for each start (tokens from an earlier start stop working).
  Another port: API_PORT=8084 npm start. Another data folder: RUNBOOK_DATA_DIR=/some/dir npm start.

  Try it:
    TOKEN=$(curl -s -X POST ${base}/dev-login -H 'Content-Type: application/json' \\
      -d '{"subject":"me","roles":["sre","api","admin"]}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
    curl -s ${base}/api/runbooks -H "Authorization: Bearer $TOKEN"
    curl -N -X POST ${base}/api/runbooks/SimpleRunbook.md/execute -H "Authorization: Bearer $TOKEN" \\
      -H 'Accept: text/event-stream' -H 'Content-Type: application/json' -d '{"env_vars":{"TEST_VAR":"hello"}}'

  API docs: ${base}/docs/explorer.html    Stop with Ctrl-C.

`;
}
