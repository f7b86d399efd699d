// CPU time of a process tree, from /proc (Linux). CPU time is far less sensitive to the load of
// a noisy machine than wall time, so it shows what a request costs even when latencies swing.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** Fields of /proc/<pid>/stat after the command name, or null when the process is gone. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Pids whose parent is `pid`. */
function childrenOf(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[1]) === pid) children.push(Number(entry));
  }
  return children;
}

/**
 * Milliseconds of CPU used so far by `pid` (all its threads) and by the children it has reaped,
 * plus the same for each of its live descendants (helper processes such as a spawn host).
 */
export function cpuMsOfTree(pid) {
  const fields = statFields(pid);
  if (!fields) return 0;
  // utime, stime, cutime, cstime are fields 14–17 of the stat line; here indexes 11–14.
  const own = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0) * TICK_MS;
  return own + childrenOf(pid).reduce((sum, child) => sum + cpuMsOfTree(child), 0);
}
