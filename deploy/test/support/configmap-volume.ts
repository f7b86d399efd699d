import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Lays `files` out in `dir` the way the kubelet projects a ConfigMap volume: the files in a
 * timestamped hidden folder, `..data` linking to it, and one symlink per key.
 */
export function projectConfigMapVolume(dir: string, files: Record<string, string>): void {
  const version = '..2026_01_01_00_00_00.000000001';
  mkdirSync(join(dir, version), { recursive: true });
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(dir, version, name), content);
  symlinkSync(version, join(dir, '..data'));
  for (const name of Object.keys(files)) symlinkSync(join('..data', name), join(dir, name));
}
