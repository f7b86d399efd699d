import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * The watchdog's zsh program: it records `+<pgid>` / `-<pgid>` lines from its stdin and, when
 * stdin reaches EOF (our process exited or died, even by SIGKILL), SIGKILLs every group still
 * registered, then exits.
 */
const WATCHDOG_SCRIPT = [
  'typeset -A live',
  'while IFS= read -r line; do',
  '  case $line in',
  '    (+<->) live[${line#+}]=1 ;;',
  '    (-<->) unset "live[${line#-}]" ;;',
  '  esac',
  'done',
  'for pg in ${(k)live}; do kill -s KILL -- -$pg 2>/dev/null; done',
].join('\n');

type WatchdogProcess = ChildProcessByStdio<Writable, null, null>;

/**
 * Kills the process groups of running scripts when this process goes away, however it goes away.
 * One small zsh process per interpreter path, started on first use, holds the read end of a pipe
 * from us; the kernel closes our end when we die, and the watchdog then SIGKILLs every registered
 * group. Per run this costs two short pipe writes instead of an extra exec (`setpriv`), and it
 * reaches the whole group, not just zsh. Never keeps the event loop alive.
 */
export class OrphanWatchdog {
  private static readonly instances = new Map<string, OrphanWatchdog>();
  private child: WatchdogProcess | null = null;
  private readonly live = new Set<number>();

  private constructor(private readonly zshPath: string) {}

  /** The shared watchdog for `zshPath`. */
  static for(zshPath: string): OrphanWatchdog {
    let watchdog = OrphanWatchdog.instances.get(zshPath);
    if (!watchdog) {
      watchdog = new OrphanWatchdog(zshPath);
      OrphanWatchdog.instances.set(zshPath, watchdog);
    }
    return watchdog;
  }

  /** Pid of the watchdog process, `null` when it is not running. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Protects a process group until {@link unregister}. */
  register(pgid: number): void {
    this.live.add(pgid);
    this.send(`+${pgid}\n`);
  }

  /** Stops protecting a process group (it has ended). */
  unregister(pgid: number): void {
    if (this.live.delete(pgid)) this.send(`-${pgid}\n`);
  }

  private send(line: string): void {
    const child = this.child ?? this.start();
    if (child) child.stdin.write(line);
  }

  /** Starts the watchdog and re-registers the live groups (after a restart). */
  private start(): WatchdogProcess | null {
    let child: WatchdogProcess;
    try {
      child = spawn(this.zshPath, ['-f', '-c', WATCHDOG_SCRIPT], {
        cwd: '/',
        env: {},
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
    } catch {
      return null;
    }
    child.on('error', () => undefined);
    child.stdin.on('error', () => undefined);
    child.on('exit', () => {
      if (this.child === child) this.child = null;
    });
    child.unref();
    (child.stdin as Writable & { unref?: () => void }).unref?.();
    if (child.pid === undefined) return null;
    this.child = child;
    for (const pgid of this.live) child.stdin.write(`+${pgid}\n`);
    return child;
  }
}
