/** Where a `from` declaration points: the adapter's scheme (`file`, `env`, …) and the name. */
export interface SecretReference {
  scheme: string;
  name: string;
}

/**
 * The port through which server-side secrets (`from:` declarations) are read at run time. An
 * adapter answers `null` when it has no value for the name; it never throws a message that
 * contains a path or a value. Vault, AWS Secrets Manager, GCP Secret Manager or Azure Key Vault
 * plug in as one more adapter (see docs/security.md).
 */
export interface SecretSource {
  /** The scheme this source serves (`from: <scheme>:NAME`). */
  readonly scheme: string;
  /** The value of `name`, or null when the source has none (or may not give it). */
  read(name: string): Promise<string | null>;
}

/** Splits `file:NAME` into its scheme and name (null when it has no scheme). */
export function parseSecretReference(from: string): SecretReference | null {
  const colon = from.indexOf(':');
  if (colon <= 0) return null;
  return { scheme: from.slice(0, colon), name: from.slice(colon + 1) };
}
