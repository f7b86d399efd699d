import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveProcessesMarked, MARKER_VAR, waitUntil } from '../../test/support/marked-processes';
import { execute } from './execute';
import type { ExecuteRequest, ExecutionResult } from './execution';
import { RunnerUidPool } from './runner-uid-pool';
import { canSwitchUsers, DEFAULT_RUN_LIMITS, type RunLimits } from './sandbox';

// These tests need what the sandbox needs: root or CHOWN/KILL/SETGID/SETUID (CI runs as root).
const FIRST_UID = 29_000;
let root: string;
let leaseDir: string;
let pool: RunnerUidPool;

function claim(count: number, first = FIRST_UID, last = FIRST_UID + 99): RunnerUidPool {
  const result = RunnerUidPool.claim({ first, last, count, leaseDir });
  if (!result.ok) throw new Error(result.message);
  return result.pool;
}

async function runSandboxed(
  request: ExecuteRequest,
  limits: RunLimits = DEFAULT_RUN_LIMITS,
  timeoutMs = 20_000,
): Promise<ExecutionResult> {
  const execution = execute(request, {
    executionDir: root,
    serverEnv: { PATH: '/usr/bin:/bin' },
    sandbox: { uids: pool, limits },
    timeoutMs,
    killGraceMs: 500,
  });
  const result = await execution.result;
  await execution.cleanedUp;
  return result;
}

beforeAll(() => {
  expect(canSwitchUsers()).toBe(true);
  root = mkdtempSync(join(tmpdir(), 'executor-sandbox-'));
  chmodSync(root, 0o711);
  leaseDir = join(root, 'leases');
  pool = claim(4);
});

afterAll(() => {
  pool.close();
  rmSync(root, { recursive: true, force: true });
});

describe('execute() in the sandbox', () => {
  it('runs the script under a uid of the pool that owns its run dir and TMPDIR (0700)', async () => {
    const result = await runSandboxed({
      script: [
        'print -r -- "uid=$(id -u) gid=$(id -g) groups=$(id -G)"',
        'print -r -- "dir=$(stat -c %u:%a .) tmp=$(stat -c %u:%a $TMPDIR) home=$HOME pwd=$PWD"',
        'print -r -- "tmpin=${TMPDIR#$PWD/}"',
      ].join('\n'),
    });
    expect(result.returnCode).toBe(0);
    const uid = Number(/uid=(\d+)/.exec(result.stdout)?.[1]);
    expect(pool.uids).toContain(uid);
    expect(result.stdout).toContain(`gid=${uid} groups=${uid}`);
    expect(result.stdout).toContain(`dir=${uid}:700 tmp=${uid}:700`);
    expect(result.stdout).toMatch(/home=(\S+) pwd=\1/);
    expect(result.stdout).toContain('tmpin=tmp');
  });

  it('cannot read the environment of the process that started it', async () => {
    const result = await runSandboxed({
      script: `cat /proc/${process.pid}/environ >/dev/null && print readable || print refused`,
    });
    expect(result.stdout.trim()).toBe('refused');
  });

  it('applies the limits as soft and hard limits', async () => {
    const result = await runSandboxed(
      {
        script: 'print -r -- $(ulimit -Su) $(ulimit -Hu) $(ulimit -Hn) $(ulimit -Hf) $(ulimit -Hv)',
      },
      { maxProcesses: 77, maxOpenFiles: 99, maxFileBytes: 1024 * 1024, maxMemoryBytes: 2 ** 31 },
    );
    expect(result.stdout.trim()).toBe(`77 77 99 2048 ${2 ** 21}`);
  });

  it('stops a fork bomb at the process limit and kills what it left', async () => {
    const marker = `bomb-${Date.now()}`;
    const result = await runSandboxed(
      {
        script: 'for i in {1..60}; do sleep 30 & done; print all-started',
        envVars: { [MARKER_VAR]: marker },
      },
      { ...DEFAULT_RUN_LIMITS, maxProcesses: 20 },
    );
    expect(result.stdout).not.toContain('all-started');
    expect(result.stderr).toContain('fork failed');
    await waitUntil(() => liveProcessesMarked(marker).length === 0, 5_000);
  });

  it('kills children that left the process group (setsid, double fork) at the end', async () => {
    const marker = `escape-${Date.now()}`;
    const result = await runSandboxed({
      script: '( setsid sleep 300 & ) ; ( ( sleep 300 & ) & ) ; print left',
      envVars: { [MARKER_VAR]: marker },
    });
    expect(result.stdout).toContain('left');
    await waitUntil(() => liveProcessesMarked(marker).length === 0, 5_000);
  });

  it('kills setsid children on timeout', async () => {
    const marker = `timeout-${Date.now()}`;
    const result = await runSandboxed(
      { script: 'setsid sleep 300 & sleep 300', envVars: { [MARKER_VAR]: marker } },
      DEFAULT_RUN_LIMITS,
      300,
    );
    expect(result.timedOut).toBe(true);
    await waitUntil(() => liveProcessesMarked(marker).length === 0, 5_000);
  });

  it('removes the run dir, even files the script made unreadable, and gives the uid back', async () => {
    await runSandboxed({ script: 'mkdir -p a/b && print x > a/b/f && chmod 000 a/b a' });
    expect(readdirSync(root).filter((name) => name.startsWith('runbook-exec-'))).toEqual([]);
    expect(pool.inUse).toBe(0);
  });
});

describe('RunnerUidPool', () => {
  it('refuses ranges that are not ranges, too low, or hold the server uid', () => {
    expect(RunnerUidPool.claim({ first: 10, last: 20, count: 1, leaseDir }).ok).toBe(false);
    expect(RunnerUidPool.claim({ first: 30_000, last: 29_000, count: 1, leaseDir }).ok).toBe(false);
  });

  it('never gives one uid to two pools of the same host, and takes over a dead lease', () => {
    const first = claim(3, 29_500, 29_504);
    const second = claim(2, 29_500, 29_504);
    expect(new Set([...first.uids, ...second.uids]).size).toBe(5);
    const third = RunnerUidPool.claim({ first: 29_500, last: 29_504, count: 1, leaseDir });
    expect(third).toMatchObject({ ok: false, code: 'RANGE_EXHAUSTED' });
    second.close();
    writeFileSync(join(leaseDir, '29503'), '999999999 1\n');
    const fourth = claim(2, 29_500, 29_504);
    expect([...fourth.uids].sort()).toEqual([29_503, 29_504]);
    first.close();
    fourth.close();
  });

  it('refuses a lease folder somebody else could have made or may write', () => {
    const shared = join(root, 'shared-leases');
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    const open = RunnerUidPool.claim({ first: 29_700, last: 29_710, count: 1, leaseDir: shared });
    expect(open.ok ? 'claimed' : open.message).toContain('writable by others');
    const foreign = join(root, 'foreign-leases');
    mkdirSync(foreign, { mode: 0o700 });
    chownSync(foreign, 29_999, 29_999);
    const taken = RunnerUidPool.claim({ first: 29_700, last: 29_710, count: 1, leaseDir: foreign });
    expect(taken.ok ? 'claimed' : taken.message).toContain('belongs to uid 29999');
  });

  it('leases each uid to one run at a time', () => {
    const local = claim(2, 29_600, 29_610);
    const a = local.lease();
    const b = local.lease();
    expect(a).not.toBeNull();
    expect(b).not.toBe(a);
    expect(local.lease()).toBeNull();
    local.release(a as number);
    expect(local.lease()).toBe(a);
    local.close();
  });
});
