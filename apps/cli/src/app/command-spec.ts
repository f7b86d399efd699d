import { Option, type Command } from 'commander';
import { collect } from './assignments';

/**
 * Runs a command and returns its exit code. It gets what commander's action gets, without the
 * trailing Command: the declared argument (if any), then the parsed options. `never[]` lets each
 * runner declare its own parameter types; commander does not type them either.
 */
export type CommandRunner<Context> = (
  context: Context,
  ...actionArgs: never[]
) => number | Promise<number>;

/** One subcommand of `runbook`: its grammar, its help and what runs it. */
export interface CommandSpec<Context> {
  name: string;
  alias?: string;
  description: string;
  /** The one positional argument, e.g. `<runbook>`. */
  argument?: { name: string; description: string };
  options?: readonly Option[];
  /** Printed after the options, before the examples. */
  notes?: string;
  examples: readonly string[];
  run: CommandRunner<Context>;
}

/** Help text that follows the options: optional notes, then an "Examples:" block. */
export function helpAfterOptions(examples: readonly string[], notes?: string): string {
  const lines = examples.map((line) => `  ${line}`).join('\n');
  return `${notes === undefined ? '' : `\n${notes}\n`}\nExamples:\n${lines}\n`;
}

/** An option given once: a flag, or a flag with a `<value>`. */
export function singleOption(flags: string, description: string): Option {
  return new Option(flags, description);
}

/** An option that may be given many times; its values are collected into a list, `[]` if none. */
export function repeatableOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser(collect).default([]);
}

/**
 * Adds the subcommand `spec` describes to `parent`. Its action builds the runner's context with
 * `contextFor` and hands the exit code to `setExitCode`.
 */
export function addCommand<Context>(
  parent: Command,
  spec: CommandSpec<Context>,
  contextFor: (command: Command) => Context,
  setExitCode: (code: number) => void,
): Command {
  const command = parent.command(spec.name);
  if (spec.alias !== undefined) command.alias(spec.alias);
  command.description(spec.description);
  if (spec.argument) command.argument(spec.argument.name, spec.argument.description);
  for (const option of spec.options ?? []) command.addOption(option);
  command.addHelpText('after', helpAfterOptions(spec.examples, spec.notes));
  command.action(async (...actionArgs: unknown[]) => {
    const runnerArgs = actionArgs.slice(0, -1) as never[];
    setExitCode(await spec.run(contextFor(command), ...runnerArgs));
  });
  return command;
}
