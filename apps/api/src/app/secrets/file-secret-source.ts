import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { SecretSource } from './secret-source';

/** Names of the secrets folder: one path component, no hidden or parent entries. */
const FILE_NAME = /^(?!\.)[A-Za-z0-9._-]+$/;
/** Larger files are not secrets a script needs in its environment. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * `from: file:NAME`: the file NAME of the secrets folder (`SECRETS_DIR`), laid out as a
 * Kubernetes secret volume or an External Secrets Operator sync; one trailing newline is
 * trimmed. No folder configured, a missing or unreadable file, or a name with a path: null.
 */
export class FileSecretSource implements SecretSource {
  readonly scheme = 'file';

  constructor(private readonly secretsDir: string) {}

  async read(name: string): Promise<string | null> {
    if (this.secretsDir === '' || !FILE_NAME.test(name)) return null;
    try {
      const data = await readFile(join(this.secretsDir, name));
      if (data.length > MAX_SECRET_FILE_BYTES) return null;
      return data.toString('utf8').replace(/\r?\n$/, '');
    } catch {
      return null;
    }
  }
}
