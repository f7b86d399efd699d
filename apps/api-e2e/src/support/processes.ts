import { readdirSync, readFileSync } from 'node:fs';

/**
 * Pids of live processes whose command line or environment contains `marker` (read from /proc):
 * a script and everything it started inherit the environment, so this finds the whole tree.
 */
export function processesWithMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Zombies (state Z) are dead already; only their parent has not reaped them.
      if (/^\d+ \(.*\) Z/.test(status)) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (cmdline.includes(marker) || environ.includes(marker)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids.filter((pid) => pid !== process.pid);
}

/** Kills leftovers of a test (safety net, never part of an assertion). */
export function killMarked(marker: string): void {
  for (const pid of processesWithMarker(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Parent pid of a process (from /proc), or null when it is gone. */
export function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return null;
  }
}

/** Whether a process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** The first of `candidates` (pid → value) that is an ancestor of `pid`, if any. */
export function ancestorAmong<T>(
  pid: number,
  candidates: Map<number | undefined, T>,
): T | undefined {
  for (let current: number | null = pid; current && current > 1; current = parentOf(current)) {
    const found = candidates.get(current);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `pid 12 (zsh) state S, parent 1 (init)`: what a failed wait for a death reports. */
export function describeProcess(pid: number): string {
  const describe = (id: number) => {
    try {
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { text: `${id} (${comm}) state ${state}`, parent: Number(parent) };
    } catch {
      return { text: `${id} gone`, parent: null };
    }
  };
  const self = describe(pid);
  return self.parent === null
    ? `pid ${self.text}`
    : `pid ${self.text}, parent ${describe(self.parent).text}`;
}

/** Waits until a process is gone (or a zombie); a timeout says what the process looks like. */
export async function waitForDeath(pid: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}: ${describeProcess(pid)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Live (non-zombie) processes whose process group is `pgid`: a script and what it started. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && Number(group) === pgid) members.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return members;
}

/** Waits until no process of the group `pgid` is left; a timeout describes the survivors. */
export async function waitForGroupDeath(
  pgid: number,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let members = groupMembers(pgid); members.length > 0; members = groupMembers(pgid)) {
    if (Date.now() > deadline)
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}: ${members.map(describeProcess).join('; ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILLs whatever is left of the given process groups (test cleanup, never an assertion). */
export function killGroups(pgids: readonly number[]): void {
  for (const pgid of pgids) {
    for (const pid of groupMembers(pgid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
