/**
 * The spawn host's program, run with `node -e` (plain CommonJS, Node built-ins only, so it needs
 * no file of its own in a bundle). It spawns what the server asks for over its IPC channel and
 * hands the child's stdout and stderr pipes back as handles, so output flows from the script to
 * the server directly; the host only reports pids, spawn errors and exits.
 *
 * Why a host at all: `spawn` forks the calling process, and a fork costs in proportion to the
 * caller's memory (page tables), blocking its event loop meanwhile. The server has a large heap;
 * this process has a tiny one. Its reads are stopped before the pipes are handed over, so no
 * output byte is ever consumed here. It exits when the server goes away (IPC disconnect) and takes
 * the process groups of the scripts it started with it: a script whose pid the server had not yet
 * registered with its orphan watchdog (the server died mid-launch) must not outlive it either.
 *
 * Protocol, server → host: `{t: 'spawn', id, command, args, cwd, env, uid, gid}`.
 * Host → server: `{t: 'ready'}` once; per spawn `{t: 'spawned', id, pid}`, then `{t: 'stdout',
 * id}` and `{t: 'stderr', id}` each carrying its pipe, then `{t: 'exit', id, code, signal}`; or
 * `{t: 'error', id, message}` when the spawn failed.
 */
export const SPAWN_HOST_PROGRAM = String.raw`'use strict';
const { spawn } = require('node:child_process');
const live = new Set();
// The server went away: kill every group still running, then leave.
const shutdown = () => {
  for (const pid of live) {
    try { process.kill(-pid, 'SIGKILL'); } catch {}
  }
  process.exit(0);
};
const send = (message, handle) => {
  try {
    process.send(message, handle, (error) => { if (error) shutdown(); });
  } catch {
    shutdown();
  }
};
process.on('disconnect', shutdown);
process.on('message', (m) => {
  if (!m || m.t !== 'spawn') return;
  let child;
  try {
    child = spawn(m.command, m.args, Object.assign(
      { cwd: m.cwd, env: m.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      m.uid === null ? {} : { uid: m.uid, gid: m.gid },
    ));
  } catch (error) {
    send({ t: 'error', id: m.id, message: String((error && error.message) || error) });
    return;
  }
  if (child.pid === undefined) {
    child.once('error', (error) => send({ t: 'error', id: m.id, message: error.message }));
    return;
  }
  child.on('error', () => undefined);
  live.add(child.pid);
  child.stdout._handle.readStop();
  child.stderr._handle.readStop();
  send({ t: 'spawned', id: m.id, pid: child.pid });
  send({ t: 'stdout', id: m.id }, child.stdout);
  send({ t: 'stderr', id: m.id }, child.stderr);
  child.on('exit', (code, signal) => {
    live.delete(child.pid);
    send({ t: 'exit', id: m.id, code, signal });
  });
});
send({ t: 'ready' });
`;
