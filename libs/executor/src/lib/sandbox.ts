import { lchownSync, mkdirSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { RunnerUidPool } from './runner-uid-pool';
import { UidSweeper } from './uid-sweeper';

/** Per-run resource limits, applied as soft and hard limits; 0 means no limit. */
export interface RunLimits {
  /** RLIMIT_NPROC: processes (and threads) of the run's uid, so a fork bomb hits its own ceiling. */
  maxProcesses: number;
  /** RLIMIT_NOFILE: open files per process. */
  maxOpenFiles: number;
  /** RLIMIT_FSIZE: largest file a process may write, in bytes (rounded down to 512). */
  maxFileBytes: number;
  /** RLIMIT_AS: address space per process, in bytes (rounded down to KiB); 0 = none. */
  maxMemoryBytes: number;
}

/** Defaults of {@link RunLimits} (documented in docs/operations.md). */
export const DEFAULT_RUN_LIMITS: Readonly<RunLimits> = Object.freeze({
  maxProcesses: 256,
  maxOpenFiles: 1024,
  maxFileBytes: 1_073_741_824,
  maxMemoryBytes: 0,
});

/** How scripts are isolated: each run gets its own uid from the pool, with these limits. */
export interface SandboxOptions {
  /** The uids this process may give to runs. */
  uids: RunnerUidPool;
  /** Resource limits of every run. */
  limits: RunLimits;
}

/** Capabilities the server needs to give runs their own uid: CHOWN, KILL, SETGID, SETUID. */
const NEEDED_CAPABILITIES = (1n << 0n) | (1n << 5n) | (1n << 6n) | (1n << 7n);

/**
 * True when this process can run scripts under other uids: it is root, or holds the capabilities
 * CHOWN, KILL, SETGID and SETUID (read from `/proc/self/status`, so a root without them is no).
 */
export function canSwitchUsers(): boolean {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'latin1');
  } catch {
    return false;
  }
  const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  if (!match?.[1]) return false;
  return (BigInt(`0x${match[1]}`) & NEEDED_CAPABILITIES) === NEEDED_CAPABILITIES;
}

/**
 * zsh code run in the script's own shell before the script is sourced: lowers the soft and hard
 * limits (the run's uid cannot raise them again) and refuses to run when that fails.
 */
export function limitsPrelude(limits: RunLimits): string {
  const flags: string[] = [];
  if (limits.maxProcesses > 0) flags.push(`-u ${limits.maxProcesses}`);
  if (limits.maxOpenFiles > 0) flags.push(`-n ${limits.maxOpenFiles}`);
  if (limits.maxFileBytes > 0)
    flags.push(`-f ${Math.max(1, Math.floor(limits.maxFileBytes / 512))}`);
  if (limits.maxMemoryBytes > 0) {
    flags.push(`-v ${Math.max(1, Math.floor(limits.maxMemoryBytes / 1024))}`);
  }
  const apply = flags.map((flag) => `ulimit -H -S ${flag} || __runbook_limits_failed`).join('; ');
  return [
    "__runbook_limits_failed() { print -u2 -r -- 'ERROR: could not apply the run limits'; exit 126 }",
    apply,
    // zsh starts in EXECUTION_DIR (the server may not enter the run's 0700 dir) and moves in here.
    'builtin cd -q -- "${0:h}" || __runbook_limits_failed',
    'unfunction __runbook_limits_failed',
    'builtin . "$0"',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * Gives the run dir to the run's uid: the dir, everything copied into it, and a private `tmp`
 * folder (the script's TMPDIR), all mode 0700 owner-only. Returns the TMPDIR path.
 */
export function handOverRunDir(runDirPath: string, uid: number): string {
  // Everything is made while the server still owns the dir, and given away children first: a
  // server without DAC_OVERRIDE (root with only the sandbox's capabilities) cannot enter a 0700
  // folder it no longer owns.
  const tmp = join(runDirPath, 'tmp');
  mkdirSync(tmp, { mode: 0o700 });
  chownTree(runDirPath, uid);
  return tmp;
}

function chownTree(path: string, uid: number): void {
  let entries: Dirent[] = [];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    // Not a folder we can read: only the entry itself is given away.
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, uid);
    else lchownSync(child, uid, uid);
  }
  lchownSync(path, uid, uid);
}

/**
 * Kills every process of `uid` (also those that left the run's process group with `setsid` or a
 * double fork), then, when `removeDir` is given, empties that folder as the same uid. Done by a
 * long-lived sweeper zsh (see `UidSweeper`) that forks, becomes `uid`, checks that it is, and runs
 * `kill -KILL -1`. Resolves true when it ran.
 */
export function sweepUid(zshPath: string, uid: number, removeDir?: string): Promise<boolean> {
  return UidSweeper.for(zshPath).sweep(uid, removeDir ?? '');
}
