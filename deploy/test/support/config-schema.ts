import { join } from 'node:path';

import { REPO_ROOT } from './repo-paths';
import { runCommand } from './run-command';

/** One variable of the server's config schema. */
export interface ConfigVariable {
  name: string;
  kind: 'string' | 'int' | 'bool';
  defaultValue: string;
  secret?: boolean;
  min?: number;
  oneOf?: string[];
  reference: boolean;
}

/** The server's config schema, read from its source by deploy/scripts/config-reference.mjs. */
export function loadConfigSchema(): ConfigVariable[] {
  const result = runCommand(process.execPath, [
    join(REPO_ROOT, 'deploy/scripts/config-reference.mjs'),
    '--json',
  ]);
  if (result.status !== 0) throw new Error(`config-reference --json failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as ConfigVariable[];
}
