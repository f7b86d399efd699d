import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiClient } from './api-client';
import { parseEnvAssignments } from './assignments';
import { CliError } from './cli-error';
import type { CliIo } from './cli-io';
import {
  ConfigStore,
  configFilePath,
  isSameServerByAnotherName,
  sameApiUrl,
  type StoredLogin,
} from './config-store';
import { parseEnvFile } from './env-file';
import { createStyle, shouldColor, type TerminalStyle } from './terminal-style';

/** Options every command accepts (commander's merged globals). */
export interface GlobalOptions {
  apiUrl?: string;
  /** Local mode even when RUNBOOK_API_URL is set. */
  local?: boolean;
  token?: string;
  runbooksDir?: string;
  debug?: boolean;
  color?: boolean;
}

/** Where a token came from. */
export type TokenSource = 'flag' | 'env' | 'login';

/** The token a remote command sends, and its origin. */
export interface ResolvedToken {
  value: string;
  source: TokenSource;
  /** The stored login it came from (source `login`). */
  login: StoredLogin | null;
}

/** Everything a command needs: I/O, styling, mode and the API client. */
export class CommandContext {
  readonly out: TerminalStyle;
  readonly err: TerminalStyle;
  readonly debug: boolean;
  readonly runbooksDir: string;
  /** The API URL in use, or null in local mode. */
  readonly apiUrl: string | null;
  readonly configStore: ConfigStore;
  private client: ApiClient | null = null;

  constructor(
    readonly io: CliIo,
    readonly options: GlobalOptions,
    readonly now: () => Date = () => new Date(),
  ) {
    const color = options.color !== false;
    this.out = createStyle(shouldColor(io.stdout, io.env, color));
    this.err = createStyle(shouldColor(io.stderr, io.env, color));
    this.debug = options.debug === true;
    this.runbooksDir = options.runbooksDir ?? nonEmpty(io.env['RUNBOOKS_DIR']) ?? '.';
    if (options.local === true && nonEmpty(options.apiUrl)) {
      throw new CliError('USAGE', '--local and --api-url contradict each other: give one');
    }
    this.apiUrl =
      options.local === true
        ? null
        : (nonEmpty(options.apiUrl) ?? nonEmpty(io.env['RUNBOOK_API_URL']) ?? null);
    this.configStore = new ConfigStore(configFilePath(io.env, io.homeDir));
  }

  /** True when commands talk to a server (`--api-url` or `RUNBOOK_API_URL`). */
  get isRemote(): boolean {
    return this.apiUrl !== null;
  }

  /** Writes to stdout. */
  print(text: string): void {
    this.io.stdout.write(text);
  }

  /** Writes a line to stderr (notes, progress, warnings). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** Writes a warning line to stderr. */
  warn(text: string): void {
    this.io.stderr.write(`${this.err.yellow('warning:')} ${text}\n`);
  }

  /** Prints a value as indented JSON on stdout. */
  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Terminal width for rendering (80 when not a terminal, at most 120). */
  get width(): number {
    return Math.min(this.io.stdout.columns || 80, 120);
  }

  /** The token to send: `--token`, then `RUNBOOK_TOKEN`, then the stored login for this API URL. */
  resolveToken(): ResolvedToken | null {
    const flag = nonEmpty(this.options.token);
    if (flag) return { value: flag, source: 'flag', login: null };
    const env = nonEmpty(this.io.env['RUNBOOK_TOKEN']);
    if (env) return { value: env, source: 'env', login: null };
    const login = this.configStore.read();
    if (login && this.apiUrl && sameApiUrl(login.api_url, this.apiUrl)) {
      return { value: login.token, source: 'login', login };
    }
    return null;
  }

  /** The API client; throws a usage error in local mode and an auth error for an expired login. */
  api(command: string): ApiClient {
    if (this.client) return this.client;
    if (!this.apiUrl) {
      throw new CliError(
        'USAGE',
        `${command} needs a server: pass --api-url <url> or set RUNBOOK_API_URL`,
      );
    }
    const token = this.resolveToken();
    if (token?.source === 'login' && token.login?.expires_at) {
      const expires = Date.parse(token.login.expires_at);
      if (!Number.isNaN(expires) && expires <= this.now().getTime()) {
        throw new CliError(
          'UNAUTHENTICATED',
          `your login to ${token.login.api_url} expired at ${token.login.expires_at}; run \`runbook login\` again`,
        );
      }
    }
    if (token === null) {
      const login = this.configStore.read();
      if (login && isSameServerByAnotherName(login.api_url, this.apiUrl)) {
        this.warn(
          `no token for ${this.apiUrl}, but you are logged in to ${login.api_url}, the same server by another name: use --api-url ${login.api_url} (or run \`runbook login\` for this URL)`,
        );
      }
    }
    this.client = new ApiClient({ baseUrl: this.apiUrl, token: token?.value ?? null });
    return this.client;
  }

  /** Rejects an option that only means something in local mode. */
  requireLocal(flag: string, given: boolean): void {
    if (given && this.isRemote) {
      throw new CliError('USAGE', `${flag} applies to local runs only (no --api-url)`);
    }
  }

  /** Variables from `--env-file` files (in order) then `--env` values; later ones win. */
  readEnvOptions(
    envValues: readonly string[] = [],
    envFiles: readonly string[] = [],
  ): Record<string, string> {
    const result: Record<string, string> = {};
    for (const file of envFiles) {
      let text: string;
      try {
        text = readFileSync(resolve(this.io.cwd, file), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new CliError('NOT_FOUND', `env file not found: ${file}`);
        }
        throw error;
      }
      Object.assign(result, parseEnvFile(text, file));
    }
    Object.assign(result, parseEnvAssignments(envValues, this.io.env));
    return result;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
