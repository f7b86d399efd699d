import { Command, type Option } from 'commander';
import packageJson from '../../package.json';
import type { CliIo } from './cli-io';
import { CommandContext, type GlobalOptions } from './command-context';
import {
  addCommand,
  helpAfterOptions,
  repeatableOption,
  singleOption,
  type CommandSpec,
} from './command-spec';
import { runApprovals, runApprove, runReject } from './commands/approvals-command';
import { runCancel } from './commands/cancel-command';
import { runConfig } from './commands/config-command';
import { runEnv } from './commands/env-command';
import { runExecute } from './commands/execute-command';
import { runInit } from './commands/init-command';
import { lintCommandSpec } from './commands/lint-command';
import { runList } from './commands/list-command';
import { runLogin, runLogout } from './commands/login-command';
import { runLogs } from './commands/logs-command';
import { runMcp } from './commands/mcp-command';
import { runRuns } from './commands/runs-command';
import { runSchedules } from './commands/schedules-command';
import { runShow } from './commands/show-command';
import { runValidate } from './commands/validate-command';
import { describeError } from './describe-error';

/** Version of the CLI (from apps/cli/package.json). */
export const CLI_VERSION: string = packageJson.version;

const MODES = `Modes:
  local   (default, or --local) works on runbook files: <runbook> is a path or a
          name in --runbooks-dir / RUNBOOKS_DIR (default "."), ".md" optional.
  remote  with --api-url / RUNBOOK_API_URL: talks to a Runbooks server. The token
          comes from --token, RUNBOOK_TOKEN or \`runbook login\`.

Exit codes:
  0 ok · 1 invalid runbook or failed run · n the script's own exit code (execute)
  64 usage · 66 not found · 69 API unreachable or failing · 75 rate limited
  77 not authenticated / forbidden · 78 bad config file · 124 timeout · 130 interrupted`;

const RUNBOOK_ARGUMENT = { name: '<runbook>', description: 'runbook file or name' };

/** `--json`: each command says what it prints. */
function jsonOption(description: string): Option {
  return singleOption('--json', description);
}

/** The variables of a run: `-e/--env` and `--env-file` (validate and execute). */
function runVariableOptions(): Option[] {
  return [
    repeatableOption(
      '-e, --env <NAME=value>',
      'set a variable (NAME alone passes it from this shell); repeatable',
    ),
    repeatableOption('--env-file <file>', 'read variables from a dotenv file; repeatable'),
  ];
}

/** The subcommands, in the order `runbook --help` lists them. */
function commandSpecs(): CommandSpec<CommandContext>[] {
  return [
    {
      name: 'validate',
      description: 'check a runbook: sections, variables, inputs, script (exit 0 valid, 1 invalid)',
      argument: RUNBOOK_ARGUMENT,
      options: [...runVariableOptions(), jsonOption('print the result as JSON')],
      examples: [
        'runbook validate SimpleRunbook --env TEST_VAR=hello',
        'runbook validate ./ops/Deploy.md --env-file .env',
        'runbook validate Deploy --json | jq .diagnostics',
        'runbook --api-url http://localhost:8083 validate SimpleRunbook -e TEST_VAR=x',
      ],
      run: runValidate,
    },
    lintCommandSpec(),
    {
      name: 'execute',
      alias: 'run',
      description: "run a runbook's script with live output; exits with the script's exit code",
      argument: RUNBOOK_ARGUMENT,
      options: [
        ...runVariableOptions(),
        repeatableOption('-l, --label <key=value>', 'label the run (remote); repeatable'),
        singleOption(
          '--detach',
          'start the run on the server and print its id without waiting (remote)',
        ),
        singleOption('--no-history', 'do not append the run to the History section (local)'),
        singleOption(
          '--execution-dir <dir>',
          'create the run directory under <dir> (local; default: temp dir)',
        ),
        singleOption(
          '--timeout <seconds>',
          'stop the run after <seconds> (local; default SCRIPT_TIMEOUT_SECONDS or 600; 0 = none)',
        ),
        repeatableOption(
          '--pass-env <NAME>',
          'also give the script this variable from your shell (local); repeatable',
        ),
        jsonOption('print the result as JSON at the end instead of streaming the output'),
      ],
      notes: 'Ctrl-C cancels the run (the whole process tree) and still records it; exit code 130.',
      examples: [
        'runbook execute SimpleRunbook --env TEST_VAR=hello',
        'runbook execute LongRunningRunbook -e CYCLES=3 --no-history',
        'runbook --api-url http://localhost:8083 execute LongRunningRunbook -e CYCLES=30 --label ticket=OPS-1',
        'id=$(runbook --api-url http://localhost:8083 execute LongRunningRunbook -e CYCLES=30 --detach)',
      ],
      run: runExecute,
    },
    {
      name: 'list',
      alias: 'ls',
      description: 'list runbooks (name, last run, description)',
      options: [jsonOption('print the list as JSON (the API shape)')],
      examples: [
        'runbook list',
        'runbook --runbooks-dir samples/runbooks list',
        'runbook --api-url http://localhost:8083 list --json | jq -r ".runbooks[].filename"',
      ],
      run: runList,
    },
    {
      name: 'show',
      description: 'show a runbook rendered for the terminal (History summarised)',
      argument: RUNBOOK_ARGUMENT,
      options: [
        singleOption('--history', 'render the whole History section'),
        singleOption('--raw', 'print the markdown as it is'),
        jsonOption('print {filename, name, content} as JSON'),
      ],
      examples: [
        'runbook show SimpleRunbook',
        'runbook show SimpleRunbook --history | less -R',
        'runbook show Deploy --raw > Deploy.copy.md',
      ],
      run: runShow,
    },
    {
      name: 'env',
      description: 'list the variables a runbook requires: available and missing',
      argument: RUNBOOK_ARGUMENT,
      options: [
        repeatableOption('-e, --env <NAME=value>', 'count a variable as given; repeatable'),
        repeatableOption(
          '--env-file <file>',
          'count the variables of a dotenv file as given; repeatable',
        ),
        jsonOption('print {required, available, missing} as JSON'),
      ],
      examples: ['runbook env SimpleRunbook', 'runbook env SimpleRunbook -e TEST_VAR=x --json'],
      run: runEnv,
    },
    {
      name: 'runs',
      description: 'list runs, newest first (server run records; locally the History entries)',
      options: [
        singleOption(
          '--status <status>',
          'only runs with this status (queued, running, success, failure, timeout, canceled, lost, denied, pending_approval, rejected, expired, skipped)',
        ),
        singleOption('--runbook <runbook>', 'only runs of this runbook'),
        singleOption('--requested-by <user>', 'only runs requested by this user (remote)'),
        repeatableOption(
          '-l, --label <key=value>',
          'only runs with this label (remote); repeatable',
        ),
        singleOption('--limit <n>', 'at most <n> runs (1-500, default 20)'),
        singleOption('--cursor <cursor>', 'continue after a previous page (remote)'),
        singleOption('--all', 'fetch every page'),
        jsonOption('print {data, links} as JSON'),
      ],
      examples: [
        'runbook runs --runbook SimpleRunbook',
        'runbook --api-url http://localhost:8083 runs --status running',
        'runbook --api-url http://localhost:8083 runs --label ticket=OPS-1 --json',
      ],
      run: runRuns,
    },
    {
      name: 'schedules',
      description:
        "list the runbooks' schedules: cron, next fire; from a server also the last fire, its status and whether the scheduler may run it",
      options: [jsonOption('print {data: [...]} as JSON')],
      notes: 'Exits 1 when a schedule is in error (it never fires); the reason is printed.',
      examples: [
        'runbook schedules',
        'runbook --api-url http://localhost:8083 schedules',
        'runbook --api-url http://localhost:8083 schedules --json | jq ".data[] | select(.error)"',
      ],
      run: runSchedules,
    },
    {
      name: 'logs',
      description:
        "print a run's output; --follow waits for the end and resumes after dropped connections",
      argument: {
        name: '<run-id>',
        description: 'run id (locally <file>#<n> as `runbook runs` shows)',
      },
      options: [
        singleOption(
          '-f, --follow',
          'stream until the run ends, then exit with its exit code (remote)',
        ),
        singleOption('--after <event-id>', 'resume after this event id (remote)'),
        jsonOption('print events as JSON lines'),
      ],
      notes: 'Ctrl-C stops following (the run goes on) and prints how to resume.',
      examples: [
        'runbook --api-url http://localhost:8083 logs 1b4e28ba-2fa1-11d2-883f-0016d3cca427 --follow',
        'runbook logs SimpleRunbook.md#3',
      ],
      run: runLogs,
    },
    {
      name: 'cancel',
      description: 'cancel a run on the server (its whole process tree is stopped)',
      argument: { name: '<run-id>', description: 'run id' },
      options: [
        singleOption('--reason <text>', 'why (stored on the run)'),
        jsonOption('print the run record as JSON'),
      ],
      examples: [
        'runbook --api-url http://localhost:8083 cancel 1b4e28ba-2fa1-11d2-883f-0016d3cca427 --reason "wrong target"',
      ],
      run: runCancel,
    },
    {
      name: 'approvals',
      description: 'list the runs waiting for an approval you could give now',
      options: [
        singleOption('--limit <n>', 'at most this many (1-500, default 20)'),
        jsonOption('print the page as JSON'),
      ],
      examples: ['runbook --api-url http://localhost:8083 approvals'],
      run: runApprovals,
    },
    {
      name: 'approve',
      description: 'approve a run waiting for approval (the last approval starts it)',
      argument: { name: '<run-id>', description: 'run id' },
      options: [
        singleOption('--comment <text>', 'a comment stored with your approval'),
        jsonOption('print the run record as JSON'),
      ],
      examples: [
        'runbook approve 1b4e28ba-2fa1-11d2-883f-0016d3cca427 --comment "checked the plan"',
      ],
      run: runApprove,
    },
    {
      name: 'reject',
      description: 'reject a run waiting for approval (it ends rejected)',
      argument: { name: '<run-id>', description: 'run id' },
      options: [
        singleOption('--reason <text>', 'why (required)'),
        jsonOption('print the run record as JSON'),
      ],
      examples: [
        'runbook reject 1b4e28ba-2fa1-11d2-883f-0016d3cca427 --reason "not during the freeze"',
      ],
      run: runReject,
    },
    {
      name: 'mcp',
      description:
        'serve runbooks to AI agents as MCP tools over stdio (local folder, or --api-url)',
      options: [],
      notes:
        'stdout carries MCP messages only; notes go to stderr. Ends when stdin closes. Client setup: see the README.',
      examples: [
        'runbook --runbooks-dir ./runbooks mcp',
        'RUNBOOK_TOKEN=... runbook --api-url https://runbooks.example.com mcp',
      ],
      run: runMcp,
    },
    {
      name: 'config',
      description: "show configuration: the server's (remote) or the CLI's own (local)",
      options: [jsonOption('print it as JSON')],
      examples: ['runbook config', 'runbook --api-url http://localhost:8083 config --json'],
      run: runConfig,
    },
    {
      name: 'login',
      description:
        "get a token from the server's dev-login (or keep --token) and store it (mode 0600)",
      options: [
        singleOption(
          '--subject <name>',
          'user name to sign in as (dev-login; server default dev-user-1)',
        ),
        singleOption('--roles <a,b>', 'roles to request (dev-login), comma-separated'),
        jsonOption('print the stored login (without the token) as JSON'),
      ],
      notes:
        'The login is kept in $XDG_CONFIG_HOME/runbook/config.json (or ~/.config/runbook/config.json)\nand used for that API URL until it expires.',
      examples: [
        'runbook --api-url http://localhost:8083 login --subject alice --roles sre,api',
        'runbook --api-url https://runbooks.example.com --token "$JWT" login',
      ],
      run: runLogin,
    },
    {
      name: 'logout',
      description: 'forget the stored login',
      examples: ['runbook logout'],
      run: runLogout,
    },
    {
      name: 'init',
      description: 'write a new runbook from a template (it validates once its variables are set)',
      argument: {
        name: '<name>',
        description: 'runbook name, e.g. RotateLogs (becomes RotateLogs.md in --runbooks-dir)',
      },
      options: [
        singleOption('--description <text>', 'what the runbook is for'),
        repeatableOption(
          '--var <NAME[=description]>',
          'a variable it requires (default TARGET); repeatable',
        ),
        singleOption('--roles <a,b>', 'roles allowed to run it (default sre)'),
        singleOption('--no-claims', 'no Required Claims section (anyone signed in may run it)'),
        singleOption('--force', 'overwrite an existing file'),
      ],
      examples: [
        'runbook init RotateLogs --var SERVICE="Service whose logs to rotate" --roles sre,ops',
        'runbook --runbooks-dir samples/runbooks init CheckDns',
      ],
      run: runInit,
    },
  ];
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
    .option('--local', 'work on local files even when RUNBOOK_API_URL is set (local mode)')
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
      helpAfterOptions(
        [
          'runbook list',
          'runbook validate SimpleRunbook --env TEST_VAR=hello',
          'runbook execute SimpleRunbook --env TEST_VAR=hello',
          'runbook --api-url http://localhost:8083 login --roles sre,api',
          'RUNBOOK_API_URL=http://localhost:8083 runbook runs --status running',
        ],
        MODES,
      ),
    );
  for (const spec of commandSpecs()) addCommand(program, spec, context, setExitCode);
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
