import type { EnvRequirement } from '@runbooks/runbook-format';

import { parseSecretReference, type SecretSource } from './secret-source';

/**
 * Reads the values of a runbook's `from` declarations through the configured sources. Names
 * without a value (or with an unknown scheme) are left out: validation names them.
 */
export class SecretResolver {
  private readonly sources: ReadonlyMap<string, SecretSource>;

  constructor(sources: readonly SecretSource[]) {
    this.sources = new Map(sources.map((source) => [source.scheme, source]));
  }

  /** Variable name → value for every `from` declaration a source could answer. */
  async resolve(environment: readonly EnvRequirement[]): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const requirement of environment) {
      if (requirement.from === null) continue;
      const reference = parseSecretReference(requirement.from);
      const source = reference ? this.sources.get(reference.scheme) : undefined;
      if (!reference || !source) continue;
      const value = await source.read(reference.name).catch(() => null);
      if (value !== null) values[requirement.name] = value;
    }
    return values;
  }
}
