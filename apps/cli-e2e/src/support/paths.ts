import { resolve } from 'node:path';

/** The repository root (this file is apps/cli-e2e/src/support/paths.ts). */
export const REPO_ROOT = resolve(__dirname, '../../../..');
/** The built CLI under test. */
export const CLI_MAIN = resolve(REPO_ROOT, 'dist/apps/cli/main.js');
/** The built API the remote tests start. */
export const API_MAIN = resolve(REPO_ROOT, 'dist/apps/api/main.js');
/** Sample runbooks; every test works on a temp copy. */
export const SAMPLES_DIR = resolve(REPO_ROOT, 'samples/runbooks');
