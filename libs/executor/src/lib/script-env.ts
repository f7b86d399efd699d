import { userInfo } from 'node:os';
import { isControlEnvName } from '@runbooks/types';
import { isSystemEnvName } from './system-env';
import { pythonStr } from './python-str';

/** Pattern every variable name a request supplies must match (the reference's rule). */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `name` is a valid environment variable name for a script. */
export function isValidEnvName(name: string): boolean {
  return ENV_NAME_PATTERN.test(name);
}

/** Names of the base variables every script gets (from the server env, with defaults). */
export const BASE_ENV_NAMES: readonly string[] = Object.freeze([
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TZ',
  'USER',
  'SHELL',
  'TMPDIR',
]);

/** `PATH` used when the server env has none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A server environment, shaped like `process.env`. */
export type ServerEnv = Readonly<Record<string, string | undefined>>;

/** Inputs of {@link buildScriptEnv}. */
export interface ScriptEnvInput {
  /** The server's environment: source of the base set and the passthrough variables. */
  serverEnv: ServerEnv;
  /**
   * Names the runbook declares (Environment Requirements): when given, only these request
   * variables reach the script (the others are listed in `ignoredNames`). Never read from the
   * server env: server values reach scripts only through `passthroughEnv`.
   */
  declaredEnv?: readonly string[];
  /** Extra server variables scripts may see (an explicit allow-list). */
  passthroughEnv?: readonly string[];
  /** Server variables never passed, even when `passthroughEnv` lists them (the server's secrets). */
  secretEnvNames?: readonly string[];
  /** Control names (see `isControlEnvName`) a request may set anyway: the operator's choice. */
  allowedControlEnv?: readonly string[];
  /** The request's `env_vars`, in insertion order; values are converted like Python `str()`. */
  envVars?: Readonly<Record<string, unknown>>;
  /** Values that replace the base set's (the sandbox's own `HOME`, `TMPDIR`, `USER`). */
  baseOverrides?: Readonly<Record<string, string>>;
  /** System `RUNBOOK_*` variables (see `buildSystemEnv`); they always win. */
  systemEnv?: Readonly<Record<string, string>>;
  /** Value of `SHELL` when the server env has none (the interpreter's path). */
  shellPath?: string;
}

/** Outcome of {@link buildScriptEnv}: the environment, or the first invalid variable name. */
export type ScriptEnvResult =
  | {
      ok: true;
      env: Record<string, string>;
      /** Request variables left out: not declared by the runbook, or control names. */
      ignoredNames: string[];
    }
  | { ok: false; code: 'INVALID_ENV_NAME'; invalidName: string; message: string };

/**
 * Builds a script's environment from scratch, in this order (later wins): the base set, the
 * passthrough allow-list (never the server's secrets), the request's variables (only declared
 * ones when `declaredEnv` is given, never control or system names, names checked, control
 * characters stripped), then the system `RUNBOOK_*` variables. Nothing else of the server env is
 * visible. Pure apart from reading the current user's passwd entry for the `HOME`/`USER` defaults.
 */
export function buildScriptEnv(input: ScriptEnvInput): ScriptEnvResult {
  const server = input.serverEnv;
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  Object.assign(env, baseEnv(server, input.shellPath ?? '/bin/zsh'), input.baseOverrides ?? {});
  const secrets = new Set(input.secretEnvNames ?? []);
  for (const name of input.passthroughEnv ?? []) {
    const value = Object.prototype.hasOwnProperty.call(server, name) ? server[name] : undefined;
    const passable = isValidEnvName(name) && !isSystemEnvName(name) && !secrets.has(name);
    if (value !== undefined && passable) env[name] = value;
  }
  const declared = input.declaredEnv ? new Set(input.declaredEnv) : null;
  const allowedControl = input.allowedControlEnv ?? [];
  const ignoredNames: string[] = [];
  for (const [name, value] of Object.entries(input.envVars ?? {})) {
    if (isSystemEnvName(name)) continue;
    if (!isValidEnvName(name)) {
      return {
        ok: false,
        code: 'INVALID_ENV_NAME',
        invalidName: name,
        message: `ERROR: Invalid environment variable name: ${name}`,
      };
    }
    if ((declared && !declared.has(name)) || isControlEnvName(name, allowedControl)) {
      ignoredNames.push(name);
      continue;
    }
    env[name] = stripControlChars(pythonStr(value));
  }
  Object.assign(env, input.systemEnv ?? {});
  return { ok: true, env, ignoredNames };
}

/** Removes characters below U+0020 except tab, newline and carriage return (the reference's rule). */
export function stripControlChars(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}

/** The base set: server values where present, sane defaults for the essential ones. */
function baseEnv(server: ServerEnv, shellPath: string): Record<string, string> {
  const user = currentUser();
  const defaults: Record<string, string | undefined> = {
    PATH: DEFAULT_PATH,
    HOME: user.home,
    LANG: 'C.UTF-8',
    LC_ALL: undefined,
    TZ: undefined,
    USER: user.name,
    SHELL: shellPath,
    TMPDIR: '/tmp',
  };
  const env: Record<string, string> = {};
  for (const name of BASE_ENV_NAMES) {
    const value = server[name] ?? defaults[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

let cachedUser: { name: string; home: string } | undefined;

/** The current user's name and home from the passwd database (not from the environment). */
function currentUser(): { name: string; home: string } {
  if (!cachedUser) {
    try {
      const info = userInfo();
      cachedUser = { name: info.username, home: info.homedir };
    } catch {
      cachedUser = { name: 'nobody', home: '/' };
    }
  }
  return cachedUser;
}
