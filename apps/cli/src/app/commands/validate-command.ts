import { parseRunbook, validateRunbook } from '@runbooks/runbook-format';
import type { CommandContext } from '../command-context';
import {
  diagnosticJson,
  formatDiagnostic,
  locateMessages,
  plural,
  type DiagnosticJson,
} from '../diagnostic-output';
import { ExitCode } from '../exit-codes';
import { allDiagnostics, loadLocalRunbook, validateLocalRunbook } from '../local-runbooks';
import { suggestOnNotFound } from '../remote-suggestion';
import { remoteRunbookFilename, resolveLocalRunbook } from '../runbook-resolver';

/** Options of `runbook validate`. */
export interface ValidateCommandOptions {
  env?: string[];
  envFile?: string[];
  json?: boolean;
}

/** What `validate --json` prints: the API's validate body plus positioned diagnostics. */
export interface ValidateJson {
  success: boolean;
  runbook: string;
  errors: string[];
  warnings: string[];
  diagnostics: DiagnosticJson[];
}

/** `runbook validate <runbook>`: 0 when valid, 1 when not. */
export async function runValidate(
  ctx: CommandContext,
  argument: string,
  options: ValidateCommandOptions,
): Promise<number> {
  const envVars = ctx.readEnvOptions(options.env, options.envFile);
  const report = ctx.isRemote
    ? await validateRemote(ctx, argument, envVars)
    : validateLocal(ctx, argument, envVars);
  if (options.json) {
    ctx.printJson(report);
  } else {
    for (const diagnostic of report.diagnostics)
      ctx.print(`${formatDiagnostic(diagnostic, ctx.out)}\n`);
    // The summary counts the lines printed above (the parser's findings included).
    const count = (severity: DiagnosticJson['severity']): number =>
      report.diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
    const warningCount = count('warning');
    const warnings = warningCount > 0 ? ` (${plural(warningCount, 'warning')})` : '';
    ctx.print(
      report.success
        ? `${ctx.out.green('✓')} ${report.runbook} is valid${warnings}\n`
        : `${ctx.out.red('✗')} ${report.runbook} is invalid: ${plural(Math.max(count('error'), 1), 'error')}${warnings}\n`,
    );
  }
  return report.success ? ExitCode.OK : ExitCode.FAILURE;
}

function validateLocal(
  ctx: CommandContext,
  argument: string,
  envVars: Record<string, string>,
): ValidateJson {
  const file = resolveLocalRunbook(argument, ctx.runbooksDir, ctx.io.cwd);
  const loaded = loadLocalRunbook(file);
  const validation = validateLocalRunbook(loaded, { ...ctx.io.env, ...envVars });
  return {
    success: validation.valid,
    runbook: file.filename,
    errors: validation.errors,
    warnings: validation.warnings,
    diagnostics: allDiagnostics(loaded, validation).map((d) => diagnosticJson(file.display, d)),
  };
}

async function validateRemote(
  ctx: CommandContext,
  argument: string,
  envVars: Record<string, string>,
): Promise<ValidateJson> {
  const client = ctx.api('validate');
  const filename = remoteRunbookFilename(argument);
  const answer = await suggestOnNotFound(client, filename, () =>
    client.validate(filename, envVars),
  );
  let located: ReturnType<typeof validateRunbook>['diagnostics'] = [];
  if (answer.errors.length + answer.warnings.length > 0) {
    // Positions: re-check the server's copy with the same library (nothing set, no inputs found,
    // so every message the server can give has a located twin).
    try {
      const { content } = await client.getRunbook(filename);
      const parsed = parseRunbook(content, { filename });
      located = [
        ...validateRunbook(parsed.runbook, {
          env: {},
          fileExists: () => false,
          parseDiagnostics: parsed.diagnostics,
        }).diagnostics,
        ...parsed.diagnostics,
      ];
    } catch {
      // Positions are a convenience; the server's verdict stands without them.
    }
  }
  return {
    success: answer.success,
    runbook: answer.runbook,
    errors: answer.errors,
    warnings: answer.warnings,
    diagnostics: locateMessages(filename, answer, located),
  };
}
