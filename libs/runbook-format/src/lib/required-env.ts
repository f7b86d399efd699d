import type { EnvVarInfo } from '@runbooks/types';

import { envVarInfo } from './env-values';
import type { Runbook } from './runbook';

/** Variables as a process environment holds them. */
export type EnvironmentValues = Readonly<Record<string, string | undefined>>;

/** Required, available and missing variables of a runbook (the required-env response lists). */
export interface RequiredEnv {
  required: EnvVarInfo[];
  available: EnvVarInfo[];
  missing: EnvVarInfo[];
}

/** A variable counts as set when it has a value, even an empty one (as `${VAR+set}` in zsh). */
export function isVariableSet(env: EnvironmentValues, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(env, name) && typeof env[name] === 'string';
}

/**
 * Splits a runbook's declared variables (every one, optional ones too, with their typed
 * declarations) into those the server provides (`env`, or a `from` secret) and the others.
 */
export function computeRequiredEnv(runbook: Runbook, env: EnvironmentValues): RequiredEnv {
  const required = (runbook.environment ?? []).map(envVarInfo);
  const isProvided = (item: EnvVarInfo) => item.from !== null || isVariableSet(env, item.name);
  return {
    required,
    available: required.filter(isProvided),
    missing: required.filter((item) => !isProvided(item)),
  };
}
