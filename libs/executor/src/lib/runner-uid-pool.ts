import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Lowest uid a run may get: below it live system accounts and ordinary users. */
export const MIN_RUNNER_UID = 1000;

/** What {@link RunnerUidPool.claim} needs. */
export interface RunnerUidPoolOptions {
  /** First uid of the range (inclusive), at least {@link MIN_RUNNER_UID}. */
  first: number;
  /** Last uid of the range (inclusive). */
  last: number;
  /** How many uids this process takes from the range (its concurrent runs). */
  count: number;
  /**
   * Folder of the lease files shared by the processes of one host (default
   * `<tmpdir>/runbooks-uid-leases-<server uid>`): each uid is used by one process at a time.
   */
  leaseDir?: string;
}

/** Why the pool could not be made (errors as data). */
export type RunnerUidPoolResult =
  | { ok: true; pool: RunnerUidPool }
  | { ok: false; code: 'INVALID_RANGE' | 'RANGE_EXHAUSTED'; message: string };

/**
 * The uids this process gives to its runs, one per run at a time, as Nix gives builds its build
 * users. At start the process claims `count` uids of the range through lease files (exclusive
 * create; a lease whose process is gone is taken over), so several servers on one host never share
 * a uid; each run then leases one of them in memory and gives it back when its processes are gone.
 */
export class RunnerUidPool {
  private readonly free: number[];
  private readonly leased = new Set<number>();

  private constructor(
    /** Every uid this process owns. */
    readonly uids: readonly number[],
    private readonly leaseFiles: readonly string[],
  ) {
    this.free = [...uids];
  }

  /** Claims `count` uids of the range for this process. */
  static claim(options: RunnerUidPoolOptions): RunnerUidPoolResult {
    const { first, last, count } = options;
    const serverUid = process.getuid?.() ?? -1;
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first > last) {
      return invalid(`the uid range ${first}-${last} is not a range`);
    }
    if (first < MIN_RUNNER_UID) {
      return invalid(`run uids must be at least ${MIN_RUNNER_UID} (got ${first})`);
    }
    if (serverUid >= first && serverUid <= last) {
      return invalid(`the range ${first}-${last} contains the server's own uid ${serverUid}`);
    }
    const leaseDir =
      options.leaseDir ?? join(tmpdir(), `runbooks-uid-leases-${serverUid < 0 ? 'x' : serverUid}`);
    mkdirSync(leaseDir, { recursive: true, mode: 0o700 });
    const unsafe = unsafeLeaseDir(leaseDir, serverUid);
    if (unsafe) return invalid(unsafe);
    const uids: number[] = [];
    const files: string[] = [];
    for (let uid = first; uid <= last && uids.length < count; uid += 1) {
      const file = join(leaseDir, String(uid));
      if (takeLease(file)) {
        uids.push(uid);
        files.push(file);
      }
    }
    if (uids.length < count) {
      for (const file of files) unlinkQuietly(file);
      return {
        ok: false,
        code: 'RANGE_EXHAUSTED',
        message: `only ${uids.length} of the ${count} run uids needed are free in ${first}-${last} (other servers on this host hold the rest); widen RUNNER_UID_RANGE or give each server its own range`,
      };
    }
    return { ok: true, pool: new RunnerUidPool(uids, files) };
  }

  /** A free uid for a run, or `null` when every uid is in use. */
  lease(): number | null {
    const uid = this.free.shift();
    if (uid === undefined) return null;
    this.leased.add(uid);
    return uid;
  }

  /** Gives a uid back once none of its processes is left. */
  release(uid: number): void {
    if (this.leased.delete(uid)) this.free.push(uid);
  }

  /** Number of uids in use by runs right now. */
  get inUse(): number {
    return this.leased.size;
  }

  /** Gives the claimed uids back to the host (at shutdown). */
  close(): void {
    for (const file of this.leaseFiles) unlinkQuietly(file);
  }
}

/**
 * Why a lease folder cannot be trusted (a script could have made it, in a shared /tmp, to block
 * or steal uids), or null: it must be a real folder of ours that nobody else may write.
 */
function unsafeLeaseDir(dir: string, serverUid: number): string | null {
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) return `the uid lease folder ${dir} is not a folder`;
  if (serverUid >= 0 && stat.uid !== serverUid) {
    return `the uid lease folder ${dir} belongs to uid ${stat.uid}, not to this server; remove it`;
  }
  if ((stat.mode & 0o022) !== 0) return `the uid lease folder ${dir} is writable by others`;
  return null;
}

function invalid(message: string): RunnerUidPoolResult {
  return { ok: false, code: 'INVALID_RANGE', message };
}

/** Creates the lease file, taking over one whose process is gone. */
function takeLease(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid} ${processStartTime(process.pid) ?? ''}\n`);
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
    if (!isStale(file)) return false;
    unlinkQuietly(file);
  }
  return false;
}

/** A lease is stale when its process is gone (or its pid now belongs to another process). */
function isStale(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const [pidText, startText] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  const start = processStartTime(pid);
  if (start === null) return true;
  return startText !== undefined && startText !== '' && startText !== start;
}

/** Start time of a process in clock ticks since boot (`/proc/<pid>/stat` field 22), or null. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}
