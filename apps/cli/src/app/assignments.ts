import { isValidEnvName } from '@runbooks/executor';
import { CliError } from './cli-error';

/** Commander option parser that collects repeated values (`--env A=1 --env B=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Reads `--env` values: `NAME=value`, or just `NAME` to pass that variable from the current
 * environment (as `docker run -e NAME` does). Later values win. Names must be valid variable names.
 */
export function parseEnvAssignments(
  values: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of values) {
    const equals = item.indexOf('=');
    const name = equals === -1 ? item : item.slice(0, equals);
    if (!isValidEnvName(name)) {
      throw new CliError(
        'USAGE',
        `--env ${item}: '${name}' is not a valid variable name (letters, digits and _, not starting with a digit)`,
      );
    }
    if (equals === -1) {
      const value = env[name];
      if (value === undefined) {
        throw new CliError('USAGE', `--env ${name}: ${name} is not set in this environment`);
      }
      result[name] = value;
    } else {
      result[name] = item.slice(equals + 1);
    }
  }
  return result;
}

/** Reads `--label key=value` values into a record (later values win). */
export function parseLabels(values: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of values) {
    const equals = item.indexOf('=');
    if (equals <= 0) {
      throw new CliError('USAGE', `--label ${item}: expected key=value`);
    }
    result[item.slice(0, equals).trim()] = item.slice(equals + 1);
  }
  return result;
}
