import { resolveEnvValues, secretValuesOf } from '@runbooks/runbook-format';

import type { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { EnvSecretSource } from '../secrets/env-secret-source';
import { FileSecretSource } from '../secrets/file-secret-source';
import { SecretResolver } from '../secrets/secret-resolver';
import type { CatalogEntry } from '../catalog/runbook-catalog.service';

/** What a script receives for its declared variables, and what its output must hide. */
export interface RunInputs {
  /** Declared variables: the caller's (normalised), defaults, and `from` secrets. */
  envVars: Record<string, string>;
  /** Values of the run's secret variables, for the executor's output masking. */
  secretValues: string[];
}

/**
 * Typed inputs on the server side: resolves `from` secrets (file and env adapters of the
 * `SecretSource` port) and turns a request's declared variables into the values a run gets.
 */
export class DeclaredInputs {
  private readonly resolver: SecretResolver;

  constructor(config: AppConfig) {
    this.resolver = new SecretResolver([
      new FileSecretSource(config.secretsDir),
      new EnvSecretSource(config.serverEnv, config.secretEnvAllowlist),
    ]);
  }

  /** The runbook's `from` secrets the server could read (name → value). */
  serverSecrets(entry: CatalogEntry): Promise<Record<string, string>> {
    return this.resolver.resolve(entry.parsed.runbook.environment ?? []);
  }

  /**
   * The values of a validated run, resolved where it executes (the worker in the distributed
   * mode, so `from` values never travel). A `from` secret that has disappeared since validation
   * fails the run with a message naming the variable only.
   */
  async forRun(
    entry: CatalogEntry,
    passed: Record<string, string>,
    serverEnv: Record<string, string>,
  ): Promise<RunInputs> {
    const environment = entry.parsed.runbook.environment ?? [];
    const secrets = await this.serverSecrets(entry);
    const absent = environment.find(
      (variable) =>
        variable.from !== null && variable.required && secrets[variable.name] === undefined,
    );
    if (absent) {
      throw new AppError(
        'INTERNAL',
        `${absent.name} is provided by the server (from: ${absent.from}), but the server has no value for it`,
      );
    }
    const fromNames = new Set(environment.filter((v) => v.from !== null).map((v) => v.name));
    const callerValues = Object.fromEntries(
      Object.entries(passed).filter(([name]) => !fromNames.has(name)),
    );
    const declared = resolveEnvValues(environment, { ...serverEnv, ...callerValues, ...secrets });
    // What the caller gave (names the executor refuses included, so the run fails with the
    // reference's message), normalised, plus defaults and `from` secrets: server passthrough
    // values keep reaching the script the usual way.
    const envVars: Record<string, string> = { ...callerValues };
    for (const [name, value] of Object.entries(declared)) {
      if (name in callerValues || name in secrets || !(name in serverEnv)) envVars[name] = value;
    }
    return { envVars, secretValues: secretValuesOf(environment, { ...serverEnv, ...declared }) };
  }
}
