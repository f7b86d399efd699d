import { readdirSync, readFileSync } from 'node:fs';

/**
 * The process group of a detached child (pgid = the child's pid): signals go to every member,
 * so grandchildren and background jobs are reached too.
 */
export class ProcessGroup {
  /** @param pgid the group id (the pid of the detached leader). */
  constructor(readonly pgid: number) {}

  /** Sends `signal` to every member; false when the group no longer exists (ESRCH). */
  signal(signal: NodeJS.Signals | 0): boolean {
    try {
      process.kill(-this.pgid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * True while a member that is not a zombie exists. Reads `/proc` where available, because
   * orphaned zombies stay group members under a non-reaping init and `kill(-pgid, 0)` still
   * succeeds for them; elsewhere falls back to that check.
   */
  hasLiveMembers(): boolean {
    let pids: string[];
    try {
      pids = readdirSync('/proc');
    } catch {
      return this.signal(0);
    }
    for (const pid of pids) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      } catch {
        continue;
      }
      // Fields after the parenthesised command: state, ppid, pgrp, ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === this.pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    }
    return false;
  }
}
