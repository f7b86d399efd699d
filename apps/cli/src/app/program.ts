import { Command } from 'commander';
import packageJson from '../../package.json';
import { collect } from './assignments';
import type { CliIo } from './cli-io';
import { CommandContext, type GlobalOptions } from './command-context';
import { runCancel, type CancelCommandOptions } from './commands/cancel-command';
import { runConfig, type ConfigCommandOptions } from './commands/config-command';
import { runEnv, type EnvCommandOptions } from './commands/env-command';
import { runExecute, type ExecuteCommandOptions } from './commands/execute-command';
import { runInit, type InitCommandOptions } from './commands/init-command';
import { runList, type ListCommandOptions } from './commands/list-command';
import { runLogin, runLogout, type LoginCommandOptions } from './commands/login-command';
import { runLogs, type LogsCommandOptions } from './commands/logs-command';
import { runRuns, type RunsCommandOptions } from './commands/runs-command';
import { runShow, type ShowCommandOptions } from './commands/show-command';
import { runValidate, type ValidateCommandOptions } from './commands/validate-command';
import { describeError } from './describe-error';

/** Version of the CLI (from apps/cli/package.json). */
export const CLI_VERSION: string = packageJson.version;

const MODES = `
Modes:
  local   (default) works on runbook files: <runbook> is a path or a name in
          --runbooks-dir / RUNBOOKS_DIR (default "."), ".md" optional.
  remote  with --api-url / RUNBOOK_API_URL: talks to a Runbooks server. The token
          comes from --token, RUNBOOK_TOKEN or \`runbook login\`.

Exit codes:
  0 ok · 1 invalid runbook or failed run · n the script's own exit code (execute)
  64 usage · 66 not found · 69 API unreachable or failing · 75 rate limited
  77 not authenticated / forbidden · 78 bad config file · 124 timeout · 130 interrupted`;

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}

/** Builds the `runbook` command line; each action reports its exit code through `setExitCode`. */
export function createProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const context = (command: Command): CommandContext =>
    new CommandContext(io, command.optsWithGlobals<GlobalOptions>());
  const program = new Command('runbook');
  program
    .description('Validate, run and inspect markdown runbooks, locally or on a Runbooks server.')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--api-url <url>', 'use the Runbooks API at <url> (remote mode; env RUNBOOK_API_URL)')
    .option('--token <jwt>', 'bearer token for the API (env RUNBOOK_TOKEN; default: stored login)')
    .option(
      '-d, --runbooks-dir <dir>',
      'folder of runbooks in local mode (env RUNBOOKS_DIR; default ".")',
    )
    .option('--no-color', 'plain output without colours (also NO_COLOR=1)')
    .option('--debug', 'show stack traces of errors')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `${MODES}\n${examples(
        'runbook list',
        'runbook validate SimpleRunbook --env TEST_VAR=hello',
        'runbook execute SimpleRunbook --env TEST_VAR=hello',
        'runbook --api-url http://localhost:8083 login --roles sre,api',
        'RUNBOOK_API_URL=http://localhost:8083 runbook runs --status running',
      )}`,
    );

  program
    .command('validate')
    .description('check a runbook: sections, variables, inputs, script (exit 0 valid, 1 invalid)')
    .argument('<runbook>', 'runbook file or name')
    .option(
      '-e, --env <NAME=value>',
      'set a variable (NAME alone passes it from this shell); repeatable',
      collect,
      [],
    )
    .option('--env-file <file>', 'read variables from a dotenv file; repeatable', collect, [])
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples(
        'runbook validate SimpleRunbook --env TEST_VAR=hello',
        'runbook validate ./ops/Deploy.md --env-file .env',
        'runbook validate Deploy --json | jq .diagnostics',
        'runbook --api-url http://localhost:8083 validate SimpleRunbook -e TEST_VAR=x',
      ),
    )
    .action(async (runbook: string, options: ValidateCommandOptions, command: Command) => {
      setExitCode(await runValidate(context(command), runbook, options));
    });

  program
    .command('execute')
    .alias('run')
    .description("run a runbook's script with live output; exits with the script's exit code")
    .argument('<runbook>', 'runbook file or name')
    .option(
      '-e, --env <NAME=value>',
      'set a variable (NAME alone passes it from this shell); repeatable',
      collect,
      [],
    )
    .option('--env-file <file>', 'read variables from a dotenv file; repeatable', collect, [])
    .option('-l, --label <key=value>', 'label the run (remote); repeatable', collect, [])
    .option('--detach', 'start the run on the server and print its id without waiting (remote)')
    .option('--no-history', 'do not append the run to the History section (local)')
    .option(
      '--execution-dir <dir>',
      'create the run directory under <dir> (local; default: temp dir)',
    )
    .option(
      '--timeout <seconds>',
      'stop the run after <seconds> (local; default SCRIPT_TIMEOUT_SECONDS or 600; 0 = none)',
    )
    .option(
      '--pass-env <NAME>',
      'also give the script this variable from your shell (local); repeatable',
      collect,
      [],
    )
    .option('--json', 'print the result as JSON at the end instead of streaming the output')
    .addHelpText(
      'after',
      `\nCtrl-C cancels the run (the whole process tree) and still records it; exit code 130.\n${examples(
        'runbook execute SimpleRunbook --env TEST_VAR=hello',
        'runbook execute LongRunningRunbook -e CYCLES=3 --no-history',
        'runbook --api-url http://localhost:8083 execute LongRunningRunbook -e CYCLES=30 --label ticket=OPS-1',
        'id=$(runbook --api-url http://localhost:8083 execute LongRunningRunbook -e CYCLES=30 --detach)',
      )}`,
    )
    .action(async (runbook: string, options: ExecuteCommandOptions, command: Command) => {
      setExitCode(await runExecute(context(command), runbook, options));
    });

  program
    .command('list')
    .alias('ls')
    .description('list runbooks (name, last run, description)')
    .option('--json', 'print the list as JSON (the API shape)')
    .addHelpText(
      'after',
      examples(
        'runbook list',
        'runbook --runbooks-dir samples/runbooks list',
        'runbook --api-url http://localhost:8083 list --json | jq -r ".runbooks[].filename"',
      ),
    )
    .action(async (options: ListCommandOptions, command: Command) => {
      setExitCode(await runList(context(command), options));
    });

  program
    .command('show')
    .description('show a runbook rendered for the terminal (History summarised)')
    .argument('<runbook>', 'runbook file or name')
    .option('--history', 'render the whole History section')
    .option('--raw', 'print the markdown as it is')
    .option('--json', 'print {filename, name, content} as JSON')
    .addHelpText(
      'after',
      examples(
        'runbook show SimpleRunbook',
        'runbook show SimpleRunbook --history | less -R',
        'runbook show Deploy --raw > Deploy.copy.md',
      ),
    )
    .action(async (runbook: string, options: ShowCommandOptions, command: Command) => {
      setExitCode(await runShow(context(command), runbook, options));
    });

  program
    .command('env')
    .description('list the variables a runbook requires: available and missing')
    .argument('<runbook>', 'runbook file or name')
    .option('-e, --env <NAME=value>', 'count a variable as given; repeatable', collect, [])
    .option(
      '--env-file <file>',
      'count the variables of a dotenv file as given; repeatable',
      collect,
      [],
    )
    .option('--json', 'print {required, available, missing} as JSON')
    .addHelpText(
      'after',
      examples('runbook env SimpleRunbook', 'runbook env SimpleRunbook -e TEST_VAR=x --json'),
    )
    .action(async (runbook: string, options: EnvCommandOptions, command: Command) => {
      setExitCode(await runEnv(context(command), runbook, options));
    });

  program
    .command('runs')
    .description('list runs, newest first (server run records; locally the History entries)')
    .option(
      '--status <status>',
      'only runs with this status (queued, running, success, failure, timeout, canceled, lost, denied)',
    )
    .option('--runbook <runbook>', 'only runs of this runbook')
    .option('--requested-by <user>', 'only runs requested by this user (remote)')
    .option(
      '-l, --label <key=value>',
      'only runs with this label (remote); repeatable',
      collect,
      [],
    )
    .option('--limit <n>', 'at most <n> runs (1-500, default 20)')
    .option('--cursor <cursor>', 'continue after a previous page (remote)')
    .option('--all', 'fetch every page')
    .option('--json', 'print {data, links} as JSON')
    .addHelpText(
      'after',
      examples(
        'runbook runs --runbook SimpleRunbook',
        'runbook --api-url http://localhost:8083 runs --status running',
        'runbook --api-url http://localhost:8083 runs --label ticket=OPS-1 --json',
      ),
    )
    .action(async (options: RunsCommandOptions, command: Command) => {
      setExitCode(await runRuns(context(command), options));
    });

  program
    .command('logs')
    .description(
      "print a run's output; --follow waits for the end and resumes after dropped connections",
    )
    .argument('<run-id>', 'run id (locally <file>#<n> as `runbook runs` shows)')
    .option('-f, --follow', 'stream until the run ends, then exit with its exit code (remote)')
    .option('--after <event-id>', 'resume after this event id (remote)')
    .option('--json', 'print events as JSON lines')
    .addHelpText(
      'after',
      `\nCtrl-C stops following (the run goes on) and prints how to resume.\n${examples(
        'runbook --api-url http://localhost:8083 logs 1b4e28ba-2fa1-11d2-883f-0016d3cca427 --follow',
        'runbook logs SimpleRunbook.md#3',
      )}`,
    )
    .action(async (runId: string, options: LogsCommandOptions, command: Command) => {
      setExitCode(await runLogs(context(command), runId, options));
    });

  program
    .command('cancel')
    .description('cancel a run on the server (its whole process tree is stopped)')
    .argument('<run-id>', 'run id')
    .option('--reason <text>', 'why (stored on the run)')
    .option('--json', 'print the run record as JSON')
    .addHelpText(
      'after',
      examples(
        'runbook --api-url http://localhost:8083 cancel 1b4e28ba-2fa1-11d2-883f-0016d3cca427 --reason "wrong target"',
      ),
    )
    .action(async (runId: string, options: CancelCommandOptions, command: Command) => {
      setExitCode(await runCancel(context(command), runId, options));
    });

  program
    .command('config')
    .description("show configuration: the server's (remote) or the CLI's own (local)")
    .option('--json', 'print it as JSON')
    .addHelpText(
      'after',
      examples('runbook config', 'runbook --api-url http://localhost:8083 config --json'),
    )
    .action(async (options: ConfigCommandOptions, command: Command) => {
      setExitCode(await runConfig(context(command), options));
    });

  program
    .command('login')
    .description(
      "get a token from the server's dev-login (or keep --token) and store it (mode 0600)",
    )
    .option('--subject <name>', 'user name to sign in as (dev-login; server default dev-user-1)')
    .option('--roles <a,b>', 'roles to request (dev-login), comma-separated')
    .option('--json', 'print the stored login (without the token) as JSON')
    .addHelpText(
      'after',
      `\nThe login is kept in $XDG_CONFIG_HOME/runbook/config.json (or ~/.config/runbook/config.json)\nand used for that API URL until it expires.\n${examples(
        'runbook --api-url http://localhost:8083 login --subject alice --roles sre,api',
        'runbook --api-url https://runbooks.example.com --token "$JWT" login',
      )}`,
    )
    .action(async (options: LoginCommandOptions, command: Command) => {
      setExitCode(await runLogin(context(command), options));
    });

  program
    .command('logout')
    .description('forget the stored login')
    .addHelpText('after', examples('runbook logout'))
    .action((_options: unknown, command: Command) => {
      setExitCode(runLogout(context(command)));
    });

  program
    .command('init')
    .description('write a new runbook from a template (it validates once its variables are set)')
    .argument('<name>', 'runbook name, e.g. RotateLogs (becomes RotateLogs.md in --runbooks-dir)')
    .option('--description <text>', 'what the runbook is for')
    .option(
      '--var <NAME[=description]>',
      'a variable it requires (default TARGET); repeatable',
      collect,
      [],
    )
    .option('--roles <a,b>', 'roles allowed to run it (default sre)')
    .option('--no-claims', 'no Required Claims section (anyone signed in may run it)')
    .option('--force', 'overwrite an existing file')
    .addHelpText(
      'after',
      examples(
        'runbook init RotateLogs --var SERVICE="Service whose logs to rotate" --roles sre,ops',
        'runbook --runbooks-dir samples/runbooks init CheckDns',
      ),
    )
    .action((name: string, options: InitCommandOptions, command: Command) => {
      setExitCode(runInit(context(command), name, options));
    });

  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 64;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    const report = describeError(error, argv.includes('--debug'));
    if (report.message) io.stderr.write(`${report.message}\n`);
    if (report.detail) io.stderr.write(`${report.detail}\n`);
    return report.exitCode;
  }
}
