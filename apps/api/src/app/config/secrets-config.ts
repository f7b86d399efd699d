import { statSync } from 'node:fs';

import { ALL_CONFIG } from './config-definitions';

/** Shortest `RUN_REQUEST_KEY` accepted. */
const MIN_REQUEST_KEY_LENGTH = 32;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A comma-separated list of names, trimmed, empty parts dropped. */
export function secretNameList(text: string): string[] {
  return text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/**
 * Checks `SECRETS_DIR`, `SECRET_ENV_ALLOWLIST` and `RUN_REQUEST_KEY`. The allowlist may never
 * name one of the server's own settings (`JWT_SECRET`, `DATABASE_URL`, `REDIS_URL`, …): a
 * runbook could otherwise hand them to its script.
 */
export function checkSecretsConfig(
  value: (name: string) => string,
  options: { distributed: boolean; usesKeyPair: boolean },
): string[] {
  const errors: string[] = [];
  const dir = value('SECRETS_DIR');
  if (dir !== '') {
    let isDirectory = false;
    try {
      isDirectory = statSync(dir).isDirectory();
    } catch {
      isDirectory = false;
    }
    if (!isDirectory) errors.push(`SECRETS_DIR must be an existing directory (got '${dir}')`);
  }
  const serverSettings = new Set(ALL_CONFIG.map((def) => def.name));
  for (const name of secretNameList(value('SECRET_ENV_ALLOWLIST'))) {
    if (!ENV_NAME.test(name)) {
      errors.push(`SECRET_ENV_ALLOWLIST: '${name}' is not a variable name`);
    } else if (serverSettings.has(name) || /^RUNBOOK_/.test(name)) {
      errors.push(
        `SECRET_ENV_ALLOWLIST must not list ${name}: it is one of the server's own settings, which runbooks may never read`,
      );
    }
  }
  const key = value('RUN_REQUEST_KEY');
  if (key !== '' && key.length < MIN_REQUEST_KEY_LENGTH) {
    errors.push(`RUN_REQUEST_KEY must be at least ${MIN_REQUEST_KEY_LENGTH} characters`);
  }
  if (key === '' && options.distributed && options.usesKeyPair) {
    errors.push(
      'RUN_REQUEST_KEY must be set in the distributed mode when tokens are checked with a public key: it encrypts the run requests workers read from Redis',
    );
  }
  return errors;
}
