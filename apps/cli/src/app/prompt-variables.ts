import { valueProblem } from '@runbooks/runbook-format';
import type { EnvVarInfo } from '@runbooks/types';

import { CliError } from './cli-error';
import type { CommandContext } from './command-context';
import { PromptAborted } from './terminal-prompt';

/** How often a rejected answer is asked for again before the CLI gives up. */
const MAX_ATTEMPTS = 3;

/** What a prompt says about a variable: its description, type, choices, bounds. */
function questionFor(variable: EnvVarInfo): string {
  const hints: string[] = [];
  if (variable.enum !== null) hints.push(`one of ${variable.enum.map(String).join(', ')}`);
  else if (variable.type !== 'string') hints.push(variable.type);
  if (variable.minimum !== null) hints.push(`min ${variable.minimum}`);
  if (variable.maximum !== null) hints.push(`max ${variable.maximum}`);
  if (variable.secret) hints.push('secret, not shown');
  const description = variable.description ? ` (${variable.description})` : '';
  const hint = hints.length > 0 ? ` [${hints.join('; ')}]` : '';
  return `${variable.name}${description}${hint}: `;
}

/**
 * On a terminal, asks for every required variable that has no value yet (`isProvided` false),
 * no default and is not provided by the server (`from`); secrets are typed without echo. Each
 * answer is checked by the runbook's rules and asked again when wrong. Without a terminal it asks
 * nothing (validation then names what is missing).
 */
export async function promptForMissing(
  ctx: CommandContext,
  environment: readonly EnvVarInfo[],
  isProvided: (name: string) => boolean,
): Promise<Record<string, string>> {
  const prompt = ctx.io.prompt;
  const answers: Record<string, string> = {};
  if (!prompt) return answers;
  const needed = environment.filter(
    (v) => v.required && v.default === null && v.from === null && !isProvided(v.name),
  );
  for (const variable of needed) {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      let answer: string;
      try {
        answer = await prompt(questionFor(variable), variable.secret);
      } catch (error) {
        if (error instanceof PromptAborted)
          throw new CliError('INTERRUPTED', 'Canceled at the prompt');
        throw error;
      }
      const value = variable.secret ? answer : answer.trim();
      const problem = value === '' ? `${variable.name} is required` : valueProblem(variable, value);
      if (problem === null) {
        answers[variable.name] = value;
        break;
      }
      ctx.warn(problem);
      if (attempt === MAX_ATTEMPTS) return answers;
    }
  }
  return answers;
}
