import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * The sweeper's zsh program. For each `<seq> <uid> <dir>` line it forks a subshell that becomes
 * `uid` (GID, then UID: zsh switches ids on assignment), checks that it really is that uid and
 * nothing else, kills every process of the uid with `kill -KILL -1` (which reaches exactly the
 * processes that uid may signal, and none of its own subshell), empties `dir` as that uid, and
 * answers `<seq> ok` or `<seq> fail`. A fork of a small zsh, no exec: cheap enough for every run.
 */
const SWEEPER_SCRIPT = [
  'zmodload -F zsh/files b:zf_rm b:zf_chmod || exit 1',
  'while IFS= read -r line; do',
  '  seq=${line%% *}; rest=${line#* }; uid=${rest%% *}; dir=${rest#* }',
  '  if [[ $seq != <-> || $uid != <-> ]] || (( uid < 1000 )); then print -r -- "$seq fail"; continue; fi',
  '  if (',
  '    GID=$uid; UID=$uid',
  '    [[ $UID == $uid && $EUID == $uid && $GID == $uid && $EGID == $uid ]] || exit 70',
  '    kill -s KILL -- -1 2>/dev/null',
  '    if [[ -n $dir && -d $dir ]]; then',
  '      zf_chmod -R u+rwx -- $dir/*(DN) 2>/dev/null',
  '      zf_rm -rf -- $dir/*(DN) 2>/dev/null',
  '    fi',
  '    exit 0',
  '  ); then print -r -- "$seq ok"; else print -r -- "$seq fail"; fi',
  'done',
].join('\n');

type SweeperProcess = ChildProcessByStdio<Writable, Readable, null>;

/**
 * Kills every process of a run's uid after the run, through one long-lived zsh per interpreter
 * path that runs as the server's user (root or the needed capabilities). Scripts cannot signal,
 * trace or read it (another uid). If it dies it is started again on the next sweep.
 */
export class UidSweeper {
  private static readonly instances = new Map<string, UidSweeper>();
  private child: SweeperProcess | null = null;
  private buffered = '';
  private seq = 0;
  private readonly waiting = new Map<number, (ok: boolean) => void>();

  private constructor(private readonly zshPath: string) {}

  /** The shared sweeper for `zshPath`. */
  static for(zshPath: string): UidSweeper {
    let sweeper = UidSweeper.instances.get(zshPath);
    if (!sweeper) {
      sweeper = new UidSweeper(zshPath);
      UidSweeper.instances.set(zshPath, sweeper);
    }
    return sweeper;
  }

  /** Kills every process of `uid`, then empties `dir` as that uid; true when both were done. */
  sweep(uid: number, dir = ''): Promise<boolean> {
    if (!Number.isSafeInteger(uid) || uid < 1000 || /[\n\r]/.test(dir)) {
      return Promise.resolve(false);
    }
    const child = this.child ?? this.start();
    if (!child) return Promise.resolve(false);
    this.seq += 1;
    const seq = this.seq;
    return new Promise<boolean>((resolve) => {
      this.waiting.set(seq, resolve);
      // Keep the process alive while an answer is due (and only then).
      (child.stdout as Readable & { ref?: () => void }).ref?.();
      child.stdin.write(`${seq} ${uid} ${dir}\n`);
    });
  }

  private start(): SweeperProcess | null {
    let child: SweeperProcess;
    try {
      child = spawn(this.zshPath, ['-f', '-c', SWEEPER_SCRIPT], {
        cwd: '/',
        env: {},
        stdio: ['pipe', 'pipe', 'ignore'],
      });
    } catch {
      return null;
    }
    child.on('error', () => undefined);
    child.stdin.on('error', () => undefined);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => this.onAnswer(chunk));
    child.on('exit', () => {
      if (this.child !== child) return;
      this.child = null;
      this.buffered = '';
      for (const resolve of this.waiting.values()) resolve(false);
      this.waiting.clear();
    });
    child.unref();
    (child.stdin as Writable & { unref?: () => void }).unref?.();
    unrefStream(child.stdout);
    if (child.pid === undefined) return null;
    this.child = child;
    return child;
  }

  private onAnswer(chunk: string): void {
    this.buffered += chunk;
    let newline = this.buffered.indexOf('\n');
    while (newline >= 0) {
      const [seqText, verdict] = this.buffered.slice(0, newline).split(' ');
      this.buffered = this.buffered.slice(newline + 1);
      const resolve = this.waiting.get(Number(seqText));
      if (resolve) {
        this.waiting.delete(Number(seqText));
        resolve(verdict === 'ok');
      }
      if (this.waiting.size === 0 && this.child) unrefStream(this.child.stdout);
      newline = this.buffered.indexOf('\n');
    }
  }
}

/** Lets the process exit while nothing is awaited from this stream (a pipe is a socket). */
function unrefStream(stream: Readable): void {
  (stream as Readable & { unref?: () => void }).unref?.();
}
