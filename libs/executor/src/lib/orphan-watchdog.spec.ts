import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killMarked, liveProcessesMarked, waitUntil } from '../../test/support/marked-processes';
import { execute } from './execute';
import { OrphanWatchdog } from './orphan-watchdog';
import { resolveInterpreter } from './resolve-interpreter';

const fixture = join(__dirname, '..', '..', 'test', 'fixtures', 'run-orphanable-script.cjs');

/** Starts a Node process that runs the tree script through `execute`, waits until it is ready. */
async function startOwner(
  marker: string,
  options: Record<string, unknown>,
): Promise<{ owner: ReturnType<typeof spawn>; pid: number }> {
  const owner = spawn(process.execPath, [fixture, marker, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  const info = await new Promise<{ pid: number }>((resolve, reject) => {
    owner.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes('\n'))
        resolve(JSON.parse(buffered.split('\n')[0] ?? '') as { pid: number });
    });
    owner.on('exit', (code) => reject(new Error(`owner exited early (${code})`)));
  });
  await waitUntil(() => liveProcessesMarked(marker).length >= 5, 5_000, 'the process tree');
  return { owner, pid: info.pid };
}

describe('when the owning process dies', () => {
  let executionDir: string;
  const markers: string[] = [];
  beforeAll(() => {
    executionDir = mkdtempSync(join(tmpdir(), 'executor-orphans-'));
  });
  afterEach(() => {
    for (const marker of markers.splice(0)) killMarked(marker);
  });
  afterAll(() => rmSync(executionDir, { recursive: true, force: true }));

  it('the watchdog (default) SIGKILLs the whole process tree, even when the owner is SIGKILLed', async () => {
    const marker = randomUUID();
    markers.push(marker);
    const { owner } = await startOwner(marker, { executionDir });
    const gone = once(owner, 'exit');
    owner.kill('SIGKILL');
    await gone;
    await waitUntil(
      () => liveProcessesMarked(marker).length === 0,
      10_000,
      'the orphaned tree to be killed',
    );
  }, 30_000);

  it('the spawn host alone SIGKILLs the tree when the owner dies, even with no watchdog', async () => {
    // Covers a script the owner never got to register: it died while the launch was in flight.
    const marker = randomUUID();
    markers.push(marker);
    const { owner } = await startOwner(marker, { executionDir, orphanWatchdog: false });
    const gone = once(owner, 'exit');
    owner.kill('SIGKILL');
    await gone;
    await waitUntil(
      () => liveProcessesMarked(marker).length === 0,
      10_000,
      'the spawn host to kill the orphaned tree',
    );
  }, 30_000);

  it('setpriv --pdeathsig KILL (parentDeathSignal) kills zsh itself', async () => {
    const interpreter = await resolveInterpreter(undefined, '/usr/bin:/bin', true);
    if (!interpreter?.setprivPath)
      throw new Error('setpriv with --pdeathsig is required for this test');
    const marker = randomUUID();
    markers.push(marker);
    const { owner, pid } = await startOwner(marker, {
      executionDir,
      orphanWatchdog: false,
      parentDeathSignal: true,
    });
    const gone = once(owner, 'exit');
    owner.kill('SIGKILL');
    await gone;
    await waitUntil(
      () => !liveProcessesMarked(marker).includes(pid),
      10_000,
      'zsh to receive its death signal',
    );
    // Its children are not covered by pdeathsig (that is what the watchdog is for); afterEach kills them.
  }, 30_000);
});

describe('OrphanWatchdog', () => {
  it('is shared per interpreter, restarts after being killed and re-registers live groups', async () => {
    const interpreter = await resolveInterpreter(undefined, '/usr/bin:/bin', false);
    if (!interpreter) throw new Error('zsh not found');
    const root = mkdtempSync(join(tmpdir(), 'executor-watchdog-'));
    try {
      await execute({ script: ':' }, { executionDir: root }).result;
      const watchdog = OrphanWatchdog.for(interpreter.zshPath);
      expect(OrphanWatchdog.for(interpreter.zshPath)).toBe(watchdog);
      const firstPid = watchdog.pid;
      expect(firstPid).not.toBeNull();
      process.kill(firstPid ?? -1, 'SIGKILL');
      await waitUntil(() => watchdog.pid === null, 5_000, 'the watchdog exit to be noticed');
      const result = await execute({ script: 'echo again' }, { executionDir: root }).result;
      expect(result.stdout).toBe('again\n');
      expect(watchdog.pid).not.toBeNull();
      expect(watchdog.pid).not.toBe(firstPid);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
