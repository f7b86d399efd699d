import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from './cli-error';

/** What `runbook login` stores: the server, its token and when the token expires. */
export interface StoredLogin {
  api_url: string;
  token: string;
  /** ISO-8601 expiry, or null when unknown. */
  expires_at: string | null;
  subject?: string;
  roles?: string[] | string;
}

/** `$XDG_CONFIG_HOME/runbook/config.json`, else `~/.config/runbook/config.json`. */
export function configFilePath(
  env: Readonly<Record<string, string | undefined>>,
  homeDir: string,
): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg && xdg.startsWith('/') ? xdg : join(homeDir, '.config');
  return join(base, 'runbook', 'config.json');
}

/** The user's login file: written atomically, readable only by the user (file 0600, folder 0700). */
export class ConfigStore {
  constructor(readonly file: string) {}

  /** The stored login, or null when there is none. */
  read(): StoredLogin | null {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new CliError(
        'CONFIG',
        `${this.file} is not valid JSON; delete it or run \`runbook login\` again`,
      );
    }
    if (!isStoredLogin(value)) {
      throw new CliError(
        'CONFIG',
        `${this.file} does not hold a login (api_url, token); delete it or run \`runbook login\` again`,
      );
    }
    return value;
  }

  /** Replaces the stored login. */
  write(login: StoredLogin): void {
    const folder = dirname(this.file);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    chmodSync(folder, 0o700);
    const temp = join(folder, `.config.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      writeFileSync(temp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(temp, 0o600);
      renameSync(temp, this.file);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }

  /** Deletes the stored login; false when there was none. */
  clear(): boolean {
    try {
      rmSync(this.file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }
}

function isStoredLogin(value: unknown): value is StoredLogin {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record['api_url'] === 'string' &&
    typeof record['token'] === 'string' &&
    (record['expires_at'] === undefined ||
      record['expires_at'] === null ||
      typeof record['expires_at'] === 'string')
  );
}

/** Compares API URLs ignoring a trailing slash and the case of scheme and host. */
export function sameApiUrl(a: string, b: string): boolean {
  return normalizeApiUrl(a) === normalizeApiUrl(b);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether two different URLs name the same local server (`localhost` vs `127.0.0.1` vs `[::1]`,
 * same scheme, port and path): a stored login for one is not sent to the other, but worth a hint.
 */
export function isSameServerByAnotherName(a: string, b: string): boolean {
  if (sameApiUrl(a, b)) return false;
  try {
    const [x, y] = [new URL(a), new URL(b)];
    const path = (url: URL): string => url.pathname.replace(/\/+$/, '');
    return (
      LOOPBACK_HOSTS.has(x.hostname) &&
      LOOPBACK_HOSTS.has(y.hostname) &&
      x.protocol === y.protocol &&
      x.port === y.port &&
      path(x) === path(y)
    );
  } catch {
    return false;
  }
}

/** `HTTP://Host:8083/` → `http://host:8083` (unparseable input is only trimmed of slashes). */
export function normalizeApiUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`.replace(/\/+$/, '');
  } catch {
    return url.replace(/\/+$/, '');
  }
}
