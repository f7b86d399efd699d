import { CliError } from './cli-error';

/** A variable a new runbook declares. */
export interface TemplateVariable {
  name: string;
  description: string;
}

/** What `runbook init` puts into a new runbook. */
export interface RunbookTemplateOptions {
  /** Runbook name = file stem = H1, e.g. `RotateLogs`. */
  name: string;
  description?: string;
  /** Declared variables; default one `TARGET`. */
  variables?: readonly TemplateVariable[];
  /** Roles allowed to run it (Required Claims `roles`); empty = no Required Claims section. */
  roles?: readonly string[];
}

/** The variable a new runbook declares when none are given. */
export const DEFAULT_TEMPLATE_VARIABLE: TemplateVariable = {
  name: 'TARGET',
  description: 'What this runbook acts on, e.g. a host, service or environment name',
};

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Checks and normalises a new runbook's name (`Rotate-Logs.md` → `Rotate-Logs`). */
export function runbookNameFrom(input: string): string {
  const name = input.endsWith('.md') ? input.slice(0, -3) : input;
  if (!NAME_PATTERN.test(name)) {
    throw new CliError(
      'USAGE',
      `'${input}' is not a usable runbook name: use letters, digits, - and _ (e.g. RotateLogs)`,
    );
  }
  return name;
}

/** Reads `--var NAME` / `--var NAME=description` values. */
export function parseTemplateVariables(values: readonly string[]): TemplateVariable[] {
  return values.map((value) => {
    const equals = value.indexOf('=');
    const name = equals === -1 ? value : value.slice(0, equals);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new CliError('USAGE', `--var ${value}: '${name}' is not a valid variable name`);
    }
    const description = equals === -1 ? `Describe ${name}` : value.slice(equals + 1);
    return { name, description };
  });
}

/**
 * The markdown of a new runbook: every required section, the given variables (quoted so a colon
 * in a description is safe), no inputs, the roles, and a zsh script that checks and prints its
 * variables. It validates as soon as its variables are set.
 */
export function renderRunbookTemplate(options: RunbookTemplateOptions): string {
  const name = runbookNameFrom(options.name);
  const variables =
    options.variables && options.variables.length > 0
      ? options.variables
      : [DEFAULT_TEMPLATE_VARIABLE];
  const roles = options.roles ?? ['sre'];
  const description =
    options.description?.trim() ||
    'Describe for a person what this runbook is for, when to run it and what it changes.';
  const env = variables.map(
    (variable) => `${variable.name}: ${JSON.stringify(variable.description)}`,
  );
  const prints = variables.map((variable) => `print -r -- "${variable.name}=\${${variable.name}}"`);
  const claims =
    roles.length === 0
      ? ''
      : `# Required Claims\n\`\`\`yaml\nroles: ${roles.join(', ')}\n\`\`\`\n\n`;
  return (
    `# ${name}\n${description}\n\n` +
    `# Environment Requirements\n\`\`\`yaml\n${env.join('\n')}\n\`\`\`\n\n` +
    `# File System Requirements\n\`\`\`yaml\nInput: []\n\`\`\`\n\n` +
    claims +
    '# Script\n```sh\n#!/bin/zsh\nsetopt err_exit no_unset pipe_fail\n\n' +
    `print -r -- "${name}: starting"\n${prints.join('\n')}\n` +
    '# 1. Check the inputs and variables before changing anything.\n' +
    '# 2. Do the work, printing what is happening as you go.\n' +
    '# 3. Exit non-zero when something went wrong so the run is recorded as a failure.\n' +
    `print -r -- "${name}: done"\n\`\`\`\n\n` +
    '# History\n'
  );
}
