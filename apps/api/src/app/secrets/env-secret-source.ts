import type { SecretSource } from './secret-source';

/**
 * `from: env:NAME`: the server's variable NAME, only when `SECRET_ENV_ALLOWLIST` lists it (the
 * configuration refuses to list the server's own secrets, such as JWT_SECRET or DATABASE_URL).
 */
export class EnvSecretSource implements SecretSource {
  readonly scheme = 'env';
  private readonly allowed: ReadonlySet<string>;

  constructor(
    private readonly serverEnv: Readonly<Record<string, string | undefined>>,
    allowlist: readonly string[],
  ) {
    this.allowed = new Set(allowlist);
  }

  read(name: string): Promise<string | null> {
    if (!this.allowed.has(name)) return Promise.resolve(null);
    const value = Object.prototype.hasOwnProperty.call(this.serverEnv, name)
      ? this.serverEnv[name]
      : undefined;
    return Promise.resolve(value ?? null);
  }
}
