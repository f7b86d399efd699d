import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An empty file every run may append to, whatever its uid (the sandbox gives each run its own):
 * mode 0666 in a fresh folder that is not sticky, so the kernel's protection of files in /tmp
 * (`fs.protected_regular`) does not refuse other uids' appends.
 */
export function sharedFile(prefix: string, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o777);
  const path = join(dir, name);
  writeFileSync(path, '');
  chmodSync(path, 0o666);
  return path;
}
