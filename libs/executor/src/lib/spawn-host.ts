import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { SPAWN_HOST_PROGRAM } from './spawn-host-program';

/** What to start: the arguments of `spawn`, detached with piped stdout and stderr. */
export interface LaunchRequest {
  command: string;
  args: readonly string[];
  cwd: string | undefined;
  env: Record<string, string>;
  /** Run as this uid and gid; null: as the server's user. */
  uid: number | null;
}

/**
 * A started process, as much of `ChildProcess` as a script run needs: its pid, its pipes, and
 * `exit` (code, signal) then `close` once it exited and both pipes closed.
 */
export interface LaunchedProcess extends EventEmitter {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
}

/** How long the host may take to start before a launch spawns directly instead. */
const HOST_START_TIMEOUT_MS = 10_000;

/** A process the host started: pipes arrive as handles, the exit as a message. */
class HostedProcess extends EventEmitter implements LaunchedProcess {
  stdout!: Socket;
  stderr!: Socket;
  private openPipes = 2;
  private exited = false;

  constructor(readonly pid: number) {
    super();
  }

  /** Adopts a pipe handed over by the host. */
  attach(stream: 'stdout' | 'stderr', socket: Socket): void {
    this[stream] = socket;
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.openPipes -= 1;
      this.closeIfDone();
    });
  }

  /** The process ended (code, signal); both null when the host died before telling. */
  markExited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code, signal);
    this.closeIfDone();
  }

  private closeIfDone(): void {
    if (this.exited && this.openPipes === 0) this.emit('close');
  }
}

interface PendingLaunch {
  resolve(process: LaunchedProcess): void;
  reject(error: Error): void;
  process: HostedProcess | null;
}

interface HostMessage {
  t: 'ready' | 'spawned' | 'stdout' | 'stderr' | 'exit' | 'error';
  id?: number;
  pid?: number;
  code?: number | null;
  signal?: NodeJS.Signals | null;
  message?: string;
}

/**
 * Starts scripts from a small long-lived Node process instead of the server itself, so a spawn
 * does not fork the server's large heap (see `SPAWN_HOST_PROGRAM`). One host per server process,
 * started on first use and again after it died. When the host cannot be started, launches fall
 * back to spawning directly. A launch in flight when the host dies fails (it may or may not have
 * started, so it is never tried twice); processes it had started report an unknown exit.
 */
export class SpawnHost {
  private static shared: SpawnHost | null = null;
  private host: ChildProcess | null = null;
  private ready: Promise<boolean> | null = null;
  private nextId = 0;
  private readonly launches = new Map<number, PendingLaunch>();
  private readonly running = new Map<number, HostedProcess>();

  /** The host of this server process. */
  static get(): SpawnHost {
    SpawnHost.shared ??= new SpawnHost();
    return SpawnHost.shared;
  }

  /** Starts the host ahead of the first launch (optional: launches start it when needed). */
  async prepare(): Promise<boolean> {
    return this.start();
  }

  /** Starts a process; rejects with the spawn error (e.g. ENOENT, EPERM) when it cannot start. */
  async launch(request: LaunchRequest): Promise<LaunchedProcess> {
    const host = (await this.start()) ? this.host : null;
    if (!host?.connected) return launchDirectly(request);
    this.nextId += 1;
    const id = this.nextId;
    return new Promise<LaunchedProcess>((resolve, reject) => {
      this.launches.set(id, { resolve, reject, process: null });
      this.holdOpen(true);
      host.send({ t: 'spawn', id, ...request, gid: request.uid }, (error) => {
        if (error)
          this.failLaunch(id, new Error(`the spawn host is unavailable: ${error.message}`));
      });
    });
  }

  /** Starts the host once; true when it is ready. */
  private start(): Promise<boolean> {
    if (this.host?.connected && this.ready) return this.ready;
    this.ready = new Promise<boolean>((resolve) => {
      let host: ChildProcess;
      try {
        host = spawn(process.execPath, ['-e', SPAWN_HOST_PROGRAM], {
          cwd: '/',
          env: {},
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
          serialization: 'json',
        });
      } catch {
        resolve(false);
        return;
      }
      this.host = host;
      // A host that does not answer is replaced: this launch spawns directly, the next tries anew.
      const timer = setTimeout(() => {
        resolve(false);
        host.kill('SIGKILL');
      }, HOST_START_TIMEOUT_MS);
      timer.unref();
      host.on('error', () => resolve(false));
      host.on('message', (message: HostMessage, handle?: Socket) => {
        if (message.t === 'ready') {
          clearTimeout(timer);
          resolve(true);
          this.holdOpen(this.launches.size + this.running.size > 0);
        } else this.onMessage(message, handle);
      });
      host.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
        this.onHostGone(host);
      });
      // The process may exit while the host idles, but not while it starts (a CLI whose only
      // work is the launch waiting for it would exit first).
      host.unref();
    });
    return this.ready;
  }

  private onMessage(message: HostMessage, handle?: Socket): void {
    const id = message.id ?? -1;
    const launch = this.launches.get(id);
    if (message.t === 'spawned' && launch && message.pid !== undefined) {
      launch.process = new HostedProcess(message.pid);
      this.running.set(id, launch.process);
    } else if ((message.t === 'stdout' || message.t === 'stderr') && launch?.process && handle) {
      launch.process.attach(message.t, handle);
      if (message.t === 'stderr') {
        this.launches.delete(id);
        launch.resolve(launch.process);
      }
    } else if (message.t === 'exit') {
      const process = this.running.get(id);
      this.running.delete(id);
      process?.markExited(message.code ?? null, message.signal ?? null);
      this.holdOpen(this.launches.size + this.running.size > 0);
    } else if (message.t === 'error') {
      this.failLaunch(id, new Error(message.message ?? 'spawn failed'));
    }
  }

  private failLaunch(id: number, error: Error): void {
    const launch = this.launches.get(id);
    if (!launch) return;
    this.launches.delete(id);
    if (launch.process) this.running.delete(id);
    launch.reject(error);
    this.holdOpen(this.launches.size + this.running.size > 0);
  }

  /** The host died: launches in flight fail, started processes report an unknown exit. */
  private onHostGone(host: ChildProcess): void {
    if (this.host !== host) return;
    this.host = null;
    this.ready = null;
    for (const id of [...this.launches.keys()]) {
      this.failLaunch(id, new Error('the spawn host stopped while starting the script'));
    }
    const orphans = [...this.running.values()];
    this.running.clear();
    for (const process of orphans) process.markExited(null, null);
  }

  /** Keeps the server alive while a launch or an exit report is due, and only then. */
  private holdOpen(needed: boolean): void {
    const channel = this.host?.channel as { ref?: () => void; unref?: () => void } | undefined;
    if (needed) channel?.ref?.();
    else channel?.unref?.();
  }
}

/** Spawns in this process (the host could not be started). */
function launchDirectly(request: LaunchRequest): Promise<LaunchedProcess> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(request.command, [...request.args], {
        cwd: request.cwd,
        env: request.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(request.uid === null ? {} : { uid: request.uid, gid: request.uid }),
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (child.pid === undefined) {
      child.once('error', reject);
      return;
    }
    child.on('error', () => undefined);
    resolve(child as ChildProcess & LaunchedProcess);
  });
}

/**
 * Starts this process's spawn host now rather than on the first run, so the first script does not
 * wait for it; resolves true when the host is ready (false: runs will spawn directly).
 */
export function prepareSpawnHost(): Promise<boolean> {
  return SpawnHost.get().prepare();
}
