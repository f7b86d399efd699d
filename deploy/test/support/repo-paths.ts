import { join, resolve } from 'node:path';

/** The repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** deploy/ (the files under test). */
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
/** The built API server (`npx nx build api`). */
export const API_MAIN = join(REPO_ROOT, 'dist', 'apps', 'api', 'main.js');
/** The sample runbooks. */
export const SAMPLE_RUNBOOKS = join(REPO_ROOT, 'samples', 'runbooks');
