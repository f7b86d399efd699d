import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../cli-error';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { displayPath } from '../runbook-resolver';
import {
  DEFAULT_TEMPLATE_VARIABLE,
  parseTemplateVariables,
  renderRunbookTemplate,
  runbookNameFrom,
} from '../runbook-template';

/** Options of `runbook init`. */
export interface InitCommandOptions {
  description?: string;
  var?: string[];
  roles?: string;
  claims?: boolean;
  force?: boolean;
}

/** `runbook init <Name>`: writes `<runbooks-dir>/<Name>.md` from the template. */
export function runInit(
  ctx: CommandContext,
  nameArgument: string,
  options: InitCommandOptions,
): number {
  const name = runbookNameFrom(nameArgument);
  const variables = parseTemplateVariables(options.var ?? []);
  const roles =
    options.claims === false
      ? []
      : (options.roles ?? 'sre')
          .split(',')
          .map((role) => role.trim())
          .filter((role) => role !== '');
  const dir = resolve(ctx.io.cwd, ctx.runbooksDir);
  const path = join(dir, `${name}.md`);
  if (existsSync(path) && !options.force) {
    throw new CliError(
      'USAGE',
      `${displayPath(path, ctx.io.cwd)} already exists (use --force to overwrite)`,
    );
  }
  const text = renderRunbookTemplate({
    name,
    ...(options.description !== undefined ? { description: options.description } : {}),
    variables,
    roles,
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, text, { flag: options.force ? 'w' : 'wx' });
  const shown = displayPath(path, ctx.io.cwd);
  const names = (variables.length > 0 ? variables : [DEFAULT_TEMPLATE_VARIABLE]).map(
    (variable) => variable.name,
  );
  ctx.print(`Created ${shown}\n`);
  ctx.note(
    ctx.err.dim(
      `Next: describe it and write its script, then try it:\n` +
        `  runbook validate ${shown} ${names.map((n) => `--env ${n}=…`).join(' ')}\n` +
        `  runbook execute ${shown} ${names.map((n) => `--env ${n}=…`).join(' ')}`,
    ),
  );
  return ExitCode.OK;
}
