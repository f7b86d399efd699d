import type { DevLoginRequest } from '@runbooks/types';
import { CliError, isCliError } from '../cli-error';
import type { CommandContext } from '../command-context';
import type { StoredLogin } from '../config-store';
import { ExitCode } from '../exit-codes';
import { decodeJwtPayload, jwtExpiry } from '../jwt-payload';

/** Options of `runbook login`. */
export interface LoginCommandOptions {
  subject?: string;
  roles?: string;
  json?: boolean;
}

/**
 * `runbook login`: gets a token from the server's dev-login (or stores the one given with --token
 * after checking it) and keeps `{ api_url, token, expires_at }` in the user's config (mode 0600).
 */
export async function runLogin(ctx: CommandContext, options: LoginCommandOptions): Promise<number> {
  const client = ctx.api('login');
  const apiUrl = client.baseUrl;
  let login: StoredLogin;
  const given = ctx.options.token?.trim();
  if (given) {
    if (options.subject !== undefined || options.roles !== undefined) {
      throw new CliError(
        'USAGE',
        '--subject and --roles ask dev-login for a token; they do not go with --token',
      );
    }
    // Check the token before keeping it: any signed-in user may list runbooks.
    await client.listRunbooks();
    const payload = decodeJwtPayload(given);
    const roles = payload?.['roles'];
    login = {
      api_url: apiUrl,
      token: given,
      expires_at: jwtExpiry(given)?.toISOString() ?? null,
      ...(typeof payload?.['sub'] === 'string' ? { subject: payload['sub'] } : {}),
      ...(Array.isArray(roles) || typeof roles === 'string'
        ? { roles: roles as string[] | string }
        : {}),
    };
  } else {
    const request: DevLoginRequest = {};
    if (options.subject !== undefined) request.subject = options.subject;
    if (options.roles !== undefined) {
      request.roles = options.roles
        .split(',')
        .map((role) => role.trim())
        .filter((role) => role !== '');
    }
    let answer;
    try {
      answer = await client.devLogin(request);
    } catch (error) {
      if (isCliError(error, 'NOT_FOUND')) {
        throw new CliError(
          'FAILED',
          `${apiUrl} has no dev-login (the server needs ENABLE_LOGIN=true); get a token from your identity provider and run \`runbook login --token <jwt>\``,
        );
      }
      throw error;
    }
    login = {
      api_url: apiUrl,
      token: answer.access_token,
      expires_at: answer.expires_at ?? null,
      subject: answer.subject,
      roles: answer.roles,
    };
  }
  ctx.configStore.write(login);
  if (options.json) {
    ctx.printJson({
      api_url: login.api_url,
      expires_at: login.expires_at,
      subject: login.subject ?? null,
      roles: login.roles ?? null,
      config_file: ctx.configStore.file,
    });
    return ExitCode.OK;
  }
  const roles = Array.isArray(login.roles) ? login.roles.join(', ') : (login.roles ?? 'none');
  ctx.print(
    `Logged in to ${apiUrl} as ${ctx.out.bold(login.subject ?? 'unknown')} (roles: ${roles || 'none'}); ` +
      `token ${login.expires_at ? `expires ${login.expires_at}` : 'has no expiry'}.\n`,
  );
  ctx.note(ctx.err.dim(`Saved to ${ctx.configStore.file}`));
  return ExitCode.OK;
}

/** `runbook logout`: forgets the stored login. */
export function runLogout(ctx: CommandContext): number {
  const removed = ctx.configStore.clear();
  ctx.print(removed ? `Logged out (removed ${ctx.configStore.file}).\n` : 'Not logged in.\n');
  return ExitCode.OK;
}
