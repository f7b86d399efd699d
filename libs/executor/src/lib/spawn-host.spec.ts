import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { canSwitchUsers } from './sandbox';
import { SpawnHost, type LaunchedProcess } from './spawn-host';

const ZSH = '/usr/bin/zsh';

/** The parent pid of a live process, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Everything a launched process printed, and how it ended. */
async function collect(process: LaunchedProcess) {
  let stdout = '';
  let stderr = '';
  process.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  process.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(process, 'exit');
  const closed = once(process, 'close');
  const [code, signal] = (await exited) as [number | null, string | null];
  await closed;
  return { stdout, stderr, code, signal };
}

function launch(script: string, uid: number | null = null): Promise<LaunchedProcess> {
  return SpawnHost.get().launch({
    command: ZSH,
    args: ['-f', '-c', script],
    cwd: '/',
    env: { PATH: '/usr/bin:/bin' },
    uid,
  });
}

describe('SpawnHost', () => {
  it('starts the script from its own small process and hands over both pipes and the exit', async () => {
    const started = await launch('print -r -- out; print -u2 -r -- err; sleep 0.3; exit 3');
    // The script's parent is the host, not this (large) process.
    expect(parentOf(started.pid)).not.toBe(process.pid);
    await expect(collect(started)).resolves.toEqual({
      stdout: 'out\n',
      stderr: 'err\n',
      code: 3,
      signal: null,
    });
  });

  it('loses no byte of a large output written before the pipes were handed over', async () => {
    const started = await launch('for i in {1..50000}; do print -r -- "line $i"; done');
    const { stdout, code } = await collect(started);
    const lines = stdout.split('\n');
    expect(code).toBe(0);
    expect(lines).toHaveLength(50_001);
    expect(lines[0]).toBe('line 1');
    expect(lines[49_999]).toBe('line 50000');
  }, 30_000);

  it('reports a signal, and a spawn error as a rejection', async () => {
    const started = await launch('kill -TERM $$; sleep 5');
    await expect(collect(started)).resolves.toMatchObject({ code: null, signal: 'SIGTERM' });
    await expect(
      SpawnHost.get().launch({
        command: '/nonexistent/zsh',
        args: [],
        cwd: '/',
        env: {},
        uid: null,
      }),
    ).rejects.toThrow(/ENOENT/);
  });

  it('reports an unknown exit for its scripts when the host dies, and starts a new host', async () => {
    const started = await launch('sleep 30');
    const host = parentOf(started.pid);
    const exited = once(started, 'exit');
    process.kill(host, 'SIGKILL');
    await expect(exited).resolves.toEqual([null, null]);
    process.kill(-started.pid, 'SIGKILL');
    const next = await launch('sleep 2; print -r -- again');
    expect(parentOf(next.pid)).not.toBe(host);
    await expect(collect(next)).resolves.toMatchObject({ stdout: 'again\n', code: 0 });
  });

  it('runs the script as the uid and gid asked for', async () => {
    // The test command runs as root (like sandbox.spec.ts): the host must switch ids.
    expect(canSwitchUsers()).toBe(true);
    const started = await launch('print -r -- "$UID $GID $EUID $EGID"', 61_234);
    await expect(collect(started)).resolves.toMatchObject({
      stdout: '61234 61234 61234 61234\n',
      code: 0,
    });
  });
});
