import { Command } from 'commander';
import {
  addCommand,
  helpAfterOptions,
  repeatableOption,
  singleOption,
  type CommandSpec,
} from './command-spec';

interface GreetOptions {
  name: string[];
  loud?: boolean;
}

interface Invocation {
  context: string;
  target: string;
  options: GreetOptions;
}

function greetSpec(invocations: Invocation[]): CommandSpec<string> {
  return {
    name: 'greet',
    alias: 'hi',
    description: 'say hello',
    argument: { name: '<target>', description: 'who to greet' },
    options: [
      repeatableOption('-n, --name <name>', 'a name; repeatable'),
      singleOption('--loud', 'shout'),
    ],
    notes: 'Greets politely.',
    examples: ['tool greet world -n a -n b'],
    run: (context: string, target: string, options: GreetOptions) => {
      invocations.push({ context, target, options });
      return options.loud ? 3 : 0;
    },
  };
}

function programWith(spec: CommandSpec<string>, exitCodes: number[]): Command {
  const program = new Command('tool').exitOverride();
  addCommand(
    program,
    spec,
    (command) => `context of ${command.name()}`,
    (code) => {
      exitCodes.push(code);
    },
  );
  return program;
}

describe('addCommand', () => {
  it('passes the argument and parsed options to the runner and reports its exit code', async () => {
    const invocations: Invocation[] = [];
    const exitCodes: number[] = [];
    const program = programWith(greetSpec(invocations), exitCodes);

    await program.parseAsync(['hi', 'world', '-n', 'a', '--name', 'b', '--loud'], {
      from: 'user',
    });
    await program.parseAsync(['greet', 'you'], { from: 'user' });

    expect(invocations).toEqual([
      { context: 'context of greet', target: 'world', options: { name: ['a', 'b'], loud: true } },
      { context: 'context of greet', target: 'you', options: { name: [] } },
    ]);
    expect(exitCodes).toEqual([3, 0]);
  });

  it('writes help with the alias, argument, options, notes and examples', () => {
    const program = programWith(greetSpec([]), []);
    const greet = program.commands[0];
    expect(greet?.helpInformation()).toContain('Usage: tool greet|hi [options] <target>');
    expect(greet?.helpInformation()).toContain('a name; repeatable (default: [])');
    let help = '';
    greet?.configureOutput({ writeOut: (text) => (help += text) }).outputHelp();
    expect(help).toContain('\nGreets politely.\n\nExamples:\n  tool greet world -n a -n b\n');
  });
});

describe('helpAfterOptions', () => {
  it('puts the notes, if any, before the examples', () => {
    expect(helpAfterOptions(['a', 'b'])).toBe('\nExamples:\n  a\n  b\n');
    expect(helpAfterOptions(['a'], 'Note.')).toBe('\nNote.\n\nExamples:\n  a\n');
  });
});
