import type { EnvVarInfo } from '@runbooks/types';

import { diagnostic, type Diagnostic } from './diagnostic';
import { normalizeEnvValue, valueProblem } from './env-declaration';
import { isVariableSet, type EnvironmentValues } from './required-env';
import type { EnvRequirement } from './runbook';

/** What {@link checkEnvValues} checks values against. */
export interface EnvValueCheckOptions {
  /**
   * Names the caller supplied (request `env_vars`, CLI `--env`): a `from` variable among them is
   * refused, whatever its value.
   */
  callerNames?: readonly string[];
}

/**
 * Checks values against their declarations and reports every problem at once, in declaration
 * order: a missing required variable (the reference's message), a caller-supplied `from`
 * variable, a wrong type, enum member, range or pattern, a secret too short to mask. Messages
 * never contain a secret's value. `env` holds every value a run would get (server values,
 * resolved `from` secrets and the caller's).
 */
export function checkEnvValues(
  environment: readonly EnvRequirement[],
  env: EnvironmentValues,
  options: EnvValueCheckOptions = {},
): Diagnostic[] {
  const callerNames = new Set(options.callerNames ?? []);
  const found: Diagnostic[] = [];
  for (const requirement of environment) {
    const { name, line } = requirement;
    if (requirement.from !== null && callerNames.has(name)) {
      found.push(
        diagnostic(
          'ENV_VALUE_INVALID',
          'error',
          `${name} is provided by the server (from: ${requirement.from}) and cannot be set by the caller`,
          line,
        ),
      );
      continue;
    }
    if (!isVariableSet(env, name)) {
      if (!requirement.required || requirement.default !== null) continue;
      found.push(
        requirement.from !== null
          ? diagnostic(
              'ENV_VAR_NOT_SET',
              'error',
              `${name} is provided by the server (from: ${requirement.from}), but the server has no value for it`,
              line,
            )
          : diagnostic(
              'ENV_VAR_NOT_SET',
              'error',
              `Required environment variable not set: ${name}`,
              line,
            ),
      );
      continue;
    }
    const problem = valueProblem(requirement, env[name] ?? '');
    if (problem !== null) found.push(diagnostic('ENV_VALUE_INVALID', 'error', problem, line));
  }
  return found;
}

/**
 * The values a script gets for its declared variables: each set value (booleans as
 * `true`/`false`), else its default; absent optional variables stay absent.
 */
export function resolveEnvValues(
  environment: readonly EnvRequirement[],
  env: EnvironmentValues,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const requirement of environment) {
    const value = env[requirement.name];
    if (isVariableSet(env, requirement.name) && value !== undefined) {
      values[requirement.name] = normalizeEnvValue(requirement, value);
    } else if (requirement.default !== null) {
      values[requirement.name] = String(requirement.default);
    }
  }
  return values;
}

/** The values of the secret variables among `values` (what output masking must hide). */
export function secretValuesOf(
  environment: readonly EnvRequirement[],
  values: EnvironmentValues,
): string[] {
  return environment
    .filter((requirement) => requirement.secret)
    .map((requirement) => values[requirement.name])
    .filter((value): value is string => typeof value === 'string' && value !== '');
}

/** The wire form of a declaration (`GET .../required-env`): never a value. */
export function envVarInfo(requirement: EnvRequirement): EnvVarInfo {
  return {
    name: requirement.name,
    description: requirement.description,
    type: requirement.type,
    enum: requirement.enum,
    pattern: requirement.pattern,
    minimum: requirement.minimum,
    maximum: requirement.maximum,
    default: requirement.default,
    required: requirement.required,
    secret: requirement.secret,
    from: requirement.from,
  };
}
