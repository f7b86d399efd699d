import { normalizeTokenClaims } from '@runbooks/rbac';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { decodeJwtPayload } from '../jwt-payload';
import { renderTable } from '../text-table';

/** Options of `runbook config`. */
export interface ConfigCommandOptions {
  json?: boolean;
}

/** What `runbook config --json` prints in local mode. */
export interface LocalConfigJson {
  mode: 'local' | 'remote';
  api_url: string | null;
  runbooks_dir: string;
  config_file: string;
  token_source: 'flag' | 'env' | 'login' | null;
  login: {
    api_url: string;
    expires_at: string | null;
    subject: string | null;
    roles: string[];
  } | null;
}

/**
 * `runbook config`: remotely the server's `GET /api/config` (settings and who you are to it);
 * locally the CLI's own settings and login.
 */
export async function runConfig(
  ctx: CommandContext,
  options: ConfigCommandOptions,
): Promise<number> {
  if (ctx.isRemote) {
    const body = await ctx.api('config').getConfig();
    if (options.json) {
      ctx.printJson(body);
      return ExitCode.OK;
    }
    const rows = body.config_items.map((item) => [item.name, item.value, ctx.out.dim(item.from)]);
    ctx.print(renderTable(['NAME', 'VALUE', 'FROM'], rows, ctx.out));
    const roles = body.token.roles.length > 0 ? body.token.roles.join(', ') : 'none';
    ctx.print(
      `\nSigned in to ${ctx.apiUrl} as ${ctx.out.bold(body.token.user_id || 'unknown')} (roles: ${roles})\n`,
    );
    return ExitCode.OK;
  }
  const token = ctx.resolveToken();
  const login = ctx.configStore.read();
  const loginClaims = login ? normalizeTokenClaims(decodeJwtPayload(login.token) ?? {}) : null;
  const info: LocalConfigJson = {
    mode: 'local',
    api_url: null,
    runbooks_dir: ctx.runbooksDir,
    config_file: ctx.configStore.file,
    token_source: token?.source ?? null,
    login:
      login && loginClaims
        ? {
            api_url: login.api_url,
            expires_at: login.expires_at,
            subject: loginClaims.userId || null,
            roles: loginClaims.roles,
          }
        : null,
  };
  if (options.json) {
    ctx.printJson(info);
    return ExitCode.OK;
  }
  const rows = [
    ['mode', 'local (no --api-url / RUNBOOK_API_URL)'],
    ['runbooks dir', info.runbooks_dir],
    ['config file', info.config_file],
    [
      'login',
      info.login
        ? `${info.login.api_url} as ${info.login.subject ?? 'unknown'} (roles: ${info.login.roles.join(', ') || 'none'}; expires ${info.login.expires_at ?? 'never'})`
        : 'none',
    ],
    ['token', info.token_source ?? 'none'],
  ];
  ctx.print(renderTable(['SETTING', 'VALUE'], rows, ctx.out));
  return ExitCode.OK;
}
