import { computeRequiredEnv } from '@runbooks/runbook-format';
import type { EnvVarInfo, RequiredEnvResponse } from '@runbooks/types';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { loadLocalRunbook } from '../local-runbooks';
import { suggestOnNotFound } from '../remote-suggestion';
import { remoteRunbookFilename, resolveLocalRunbook } from '../runbook-resolver';
import { renderTable } from '../text-table';

/** Options of `runbook env`. */
export interface EnvCommandOptions {
  env?: string[];
  envFile?: string[];
  json?: boolean;
}

/**
 * `runbook env <runbook>`: the variables a runbook requires, which are available and which are
 * missing (locally: this environment plus --env/--env-file; remotely: the server's answer).
 */
export async function runEnv(
  ctx: CommandContext,
  argument: string,
  options: EnvCommandOptions,
): Promise<number> {
  const given = ctx.readEnvOptions(options.env, options.envFile);
  let body: RequiredEnvResponse;
  if (ctx.isRemote) {
    const client = ctx.api('env');
    const filename = remoteRunbookFilename(argument);
    body = await suggestOnNotFound(client, filename, () => client.requiredEnv(filename));
  } else {
    const loaded = loadLocalRunbook(resolveLocalRunbook(argument, ctx.runbooksDir, ctx.io.cwd));
    body = {
      success: true,
      filename: loaded.file.filename,
      ...computeRequiredEnv(loaded.runbook, { ...ctx.io.env, ...given }),
    };
  }
  if (options.json) {
    ctx.printJson(body);
    return ExitCode.OK;
  }
  if (body.required.length === 0) {
    ctx.print(`${body.filename} requires no environment variables.\n`);
    return ExitCode.OK;
  }
  const has = (list: EnvVarInfo[], name: string): boolean =>
    list.some((item) => item.name === name);
  const rows = body.required.map((item) => {
    let status: string;
    if (ctx.isRemote && !has(body.available, item.name) && item.name in given) {
      status = ctx.out.green('given (--env)');
    } else if (has(body.available, item.name)) {
      status = ctx.out.green(ctx.isRemote ? 'set on server' : 'set');
    } else {
      status = ctx.out.red('missing');
    }
    return [item.name, status, item.description];
  });
  ctx.print(renderTable(['NAME', 'STATUS', 'DESCRIPTION'], rows, ctx.out));
  const missing = body.missing.filter((item) => !(ctx.isRemote && item.name in given));
  ctx.print(
    missing.length === 0
      ? `${ctx.out.green('✓')} all ${body.required.length} required variables are available\n`
      : `${ctx.out.red('✗')} missing: ${missing.map((item) => item.name).join(', ')} (pass with --env NAME=value)\n`,
  );
  return ExitCode.OK;
}
