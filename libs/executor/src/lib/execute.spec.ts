import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  killMarked,
  liveProcessesMarked,
  MARKER_VAR,
  waitUntil,
} from '../../test/support/marked-processes';
import { execute } from './execute';
import type {
  ExecuteOptions,
  ExecuteRequest,
  ExecutionEvent,
  ExecutionResult,
  SpawnInfo,
} from './execution';
import { ExecutorError } from './executor-error';

/** Runs a script and collects its events and result. */
async function run(
  request: ExecuteRequest,
  options: ExecuteOptions = {},
): Promise<{ events: ExecutionEvent[]; result: ExecutionResult }> {
  const execution = execute(request, {
    executionDir: root,
    serverEnv: { PATH: '/usr/bin:/bin' },
    ...options,
  });
  const events: ExecutionEvent[] = [];
  for await (const event of execution.events) events.push(event);
  return { events, result: await execution.result };
}

function outputOf(events: ExecutionEvent[], stream: 'stdout' | 'stderr'): string {
  return events.map((event) => (event.type === stream ? event.data : '')).join('');
}

let root: string;
const markers: string[] = [];

function newMarker(): string {
  const marker = randomUUID();
  markers.push(marker);
  return marker;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'executor-spec-'));
});

afterEach(() => {
  for (const marker of markers.splice(0)) killMarked(marker);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('execute: run directory and script', () => {
  it('writes temp.zsh byte-exact (mode 0700) in a fresh 0700 dir, runs with cwd there, then removes it', async () => {
    const script = 'cat temp.zsh; print; stat -c %a temp.zsh .; pwd; print -n "$PWD"';
    const { result } = await run({ script, id: '31ac1533-aaaa-bbbb-cccc-000000000000' });
    expect(result.runDir).toMatch(/^runbook-exec-31ac1533-[A-Za-z0-9]{6}$/);
    expect(result.runDirPath).toBe(join(root, result.runDir ?? ''));
    expect(result.stdout).toBe(`${script}\n700\n700\n${result.runDirPath}\n${result.runDirPath}`);
    expect(result).toMatchObject({
      exitCode: 0,
      returnCode: 0,
      signal: null,
      failure: null,
      timedOut: false,
    });
    expect(existsSync(result.runDirPath ?? '')).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it('generates an id when none is given and uses random hex for ids that are not hex', async () => {
    const generated = await run({ script: ':' });
    expect(generated.result.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.result.runDir?.slice(13, 21)).toBe(generated.result.id.slice(0, 8));
    const named = await run({ script: ':', id: 'nightly-backup' });
    expect(named.result.id).toBe('nightly-backup');
    expect(named.result.runDir).toMatch(/^runbook-exec-[0-9a-f]{8}-/);
  });

  it('removes the run dir with everything the script left in it', async () => {
    const { result } = await run({ script: 'mkdir -p a/b; echo x > a/b/c; chmod 500 a' });
    expect(result.returnCode).toBe(0);
    expect(existsSync(result.runDirPath ?? '')).toBe(false);
  });

  it('accepts an execution dir relative to the working directory', async () => {
    const relativeRoot = relative(process.cwd(), root);
    expect(relativeRoot.startsWith('/')).toBe(false);
    const { result } = await run({ script: 'echo ran' }, { executionDir: relativeRoot });
    expect(result).toMatchObject({ returnCode: 0, stdout: 'ran\n', stderr: '' });
    expect(result.runDirPath).toBe(join(root, result.runDir ?? ''));
  });

  it('falls back to the system temp dir when the execution dir does not exist', async () => {
    const { result } = await run({ script: 'pwd' }, { executionDir: join(root, 'missing') });
    expect(result.stdout).toBe(`${join(tmpdir(), result.runDir ?? '')}\n`);
  });

  it('reports exit codes and signals like the reference return_code', async () => {
    expect((await run({ script: 'exit 3' })).result).toMatchObject({
      exitCode: 3,
      returnCode: 3,
      signal: null,
    });
    const killed = await run({ script: 'kill -USR1 $$' });
    expect(killed.result).toMatchObject({ exitCode: null, signal: 'SIGUSR1', returnCode: -10 });
  });

  it('passes the pid and run dir to onSpawn and survives a throwing hook', async () => {
    let info: SpawnInfo | undefined;
    const { result } = await run(
      { script: 'print $$; pwd' },
      { onSpawn: (spawned) => (info = spawned) },
    );
    expect(info?.pid).toBe(result.pid);
    expect(result.stdout).toBe(`${result.pid}\n${info?.runDirPath}\n`);
    const throwing = await run(
      { script: 'echo ok' },
      {
        onSpawn: () => {
          throw new Error('hook failed');
        },
      },
    );
    expect(throwing.result.stdout).toBe('ok\n');
  });

  it('starts zsh as the leader of its own session and process group', async () => {
    const { result } = await run({ script: 'ps -o pgid= -o sid= -p $$' });
    expect(result.stdout.trim().split(/\s+/).map(Number)).toEqual([result.pid, result.pid]);
  });

  it('can wrap zsh in setpriv --pdeathsig KILL', async () => {
    const { result } = await run(
      { script: 'print -r -- $0; echo ok' },
      { parentDeathSignal: true },
    );
    expect(result.stdout).toBe(`${result.runDirPath}/temp.zsh\nok\n`);
  });

  it('ignores stdin (reads /dev/null)', async () => {
    expect((await run({ script: 'cat; echo done' })).result.stdout).toBe('done\n');
  });
});

describe('execute: environment', () => {
  const serverEnv = {
    PATH: '/usr/bin:/bin',
    HOME: '/home/api',
    JWT_SECRET: 'research-secret',
    DATABASE_URL: 'postgres://user:pw@db/runs',
    DECLARED_VAR: 'from-server',
    SHARED_CACHE: '/cache',
  };

  it('builds the environment from scratch: server secrets are not visible', async () => {
    const { result } = await run(
      {
        script: 'env | sort',
        declaredEnv: ['DECLARED_VAR', 'OWN', 'CTRL', 'NUM', 'FLAG'],
        envVars: { OWN: 'mine', CTRL: 'a\u0001b\tc', NUM: 5, FLAG: true, UNDECLARED: 'x' },
        system: {
          token: 'tok',
          correlationId: 'c-1',
          runbookUrl: 'http://localhost:8083/api/runbooks',
          recursionStack: ['Env.md'],
        },
      },
      { serverEnv, passthroughEnv: ['SHARED_CACHE'] },
    );
    const env = Object.fromEntries(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env).not.toHaveProperty('JWT_SECRET');
    expect(env).not.toHaveProperty('DATABASE_URL');
    // Declaring a name never pulls the server's value; undeclared request names never pass.
    expect(env).not.toHaveProperty('DECLARED_VAR');
    expect(env).not.toHaveProperty('UNDECLARED');
    expect(env).toMatchObject({
      PATH: '/usr/bin:/bin',
      HOME: '/home/api',
      LANG: 'C.UTF-8',
      SHARED_CACHE: '/cache',
      OWN: 'mine',
      CTRL: 'ab\tc',
      NUM: '5',
      FLAG: 'True',
      PWD: result.runDirPath,
      RUNBOOK_API_TOKEN: 'tok',
      RUNBOOK_CORRELATION_ID: 'c-1',
      RUNBOOK_RECURSION_STACK: '["Env.md"]',
      RUNBOOK_EXEC_DIR_HOST: result.runDirPath,
    });
  });

  it('never lets the request override system variables', async () => {
    const { result } = await run({
      script: 'print -r -- "$RUNBOOK_URL|$RUNBOOK_API_TOKEN|${RUNBOOK_EXEC_DIR_HOST-unset}"',
      envVars: {
        RUNBOOK_URL: 'http://evil',
        RUNBOOK_API_TOKEN: 'forged',
        RUNBOOK_EXEC_DIR_HOST: '/evil',
      },
      system: {
        runbookUrl: 'http://api:8083/api/runbooks',
        recursionStack: ['A.md'],
        token: 'real',
      },
    });
    expect(result.stdout).toBe(`http://api:8083/api/runbooks|real|${result.runDirPath}\n`);
  });

  it('maps RUNBOOK_EXEC_DIR_HOST to MOUNT_DIR for run dirs in the execution dir', async () => {
    const { result } = await run({
      script: 'print -r -- $RUNBOOK_EXEC_DIR_HOST',
      system: { runbookUrl: 'u', recursionStack: ['A.md'], mountDir: '/srv/exec/' },
    });
    expect(result.stdout).toBe(`/srv/exec/${result.runDir}\n`);
  });

  it('rejects an invalid variable name with the reference result and runs nothing', async () => {
    const witness = join(root, `witness-${randomUUID()}`);
    const { events, result } = await run({
      script: `touch ${witness}`,
      envVars: { GOOD: '1', 'BAD-NAME': 'x' },
    });
    expect(result).toMatchObject({
      returnCode: 1,
      exitCode: null,
      pid: null,
      runDir: null,
      stdout: '',
      stderr: 'ERROR: Invalid environment variable name: BAD-NAME',
      failure: {
        code: 'INVALID_ENV_NAME',
        message: 'ERROR: Invalid environment variable name: BAD-NAME',
      },
    });
    expect(events.map((event) => event.type)).toEqual(['stderr', 'exit']);
    expect(outputOf(events, 'stderr')).toBe('ERROR: Invalid environment variable name: BAD-NAME\n');
    expect(existsSync(witness)).toBe(false);
  });

  it('keeps concurrent runs apart: neither sees the other one’s variables', async () => {
    const meeting = mkdtempSync(join(root, 'meet-'));
    const script = (me: string, other: string): string =>
      [
        `touch ${meeting}/${me}`,
        `while [[ ! -e ${meeting}/${other} ]]; do sleep 0.02; done`,
        'print -r -- "secret=$SECRET other=${OTHER_SECRET-unset} alice=${ALICE_ONLY-unset} bob=${BOB_ONLY-unset}"',
      ].join('\n');
    const [alice, bob] = await Promise.all([
      run({ script: script('alice', 'bob'), envVars: { SECRET: 'alice-secret', ALICE_ONLY: 'a' } }),
      run({ script: script('bob', 'alice'), envVars: { SECRET: 'bob-secret', BOB_ONLY: 'b' } }),
    ]);
    expect(alice.result.stdout).toBe('secret=alice-secret other=unset alice=a bob=unset\n');
    expect(bob.result.stdout).toBe('secret=bob-secret other=unset alice=unset bob=b\n');
    expect(process.env['SECRET']).toBeUndefined();
    rmSync(meeting, { recursive: true, force: true });
  });

  it('reads declared variables from process.env by default, without changing it', async () => {
    const before = { ...process.env };
    const execution = execute(
      { script: 'print -r -- "${HOME-unset}"', declaredEnv: ['HOME'], envVars: { EXTRA: '1' } },
      { executionDir: root },
    );
    const result = await execution.result;
    expect(result.stdout).toBe(`${process.env['HOME'] ?? ''}\n`);
    expect(process.env).toEqual(before);
  });
});

describe('execute: inputs', () => {
  let runbookDir: string;
  beforeAll(() => {
    runbookDir = mkdtempSync(join(root, 'runbooks-'));
    mkdirSync(join(runbookDir, 'CreatePackage'));
    writeFileSync(join(runbookDir, 'CreatePackage', 'input.txt'), 'payload');
    writeFileSync(join(runbookDir, 'temp.zsh'), 'echo "not the script"');
  });

  it('copies declared inputs into the run dir before the script runs', async () => {
    const { result } = await run({
      script: 'cat input.txt; print; cat CreatePackage/input.txt; print; stat -c %a temp.zsh',
      runbookDir,
      inputs: ['./CreatePackage/input.txt', 'CreatePackage', 'temp.zsh'],
    });
    expect(result.stdout).toBe('payload\npayload\n700\n');
    expect(existsSync(result.runDirPath ?? '')).toBe(false);
  });

  it('fails with the reference text, return code 1, no script run and no run dir left', async () => {
    const witness = join(root, `witness-${randomUUID()}`);
    const { events, result } = await run({
      script: `touch ${witness}`,
      runbookDir,
      inputs: ['../escape.txt', 'missing.txt'],
    });
    const stderr =
      'Failed to copy input files:\nInput path escapes runbook directory: ../escape.txt\n' +
      'Input file/folder does not exist: missing.txt';
    expect(result).toMatchObject({
      returnCode: 1,
      stderr,
      failure: { code: 'INPUT_COPY_FAILED', message: stderr },
    });
    expect(outputOf(events, 'stderr')).toBe(stderr);
    expect(existsSync(witness)).toBe(false);
    expect(result.runDirPath).not.toBeNull();
    expect(existsSync(result.runDirPath ?? '')).toBe(false);
  });
});

describe('execute: streaming', () => {
  it('emits output while the script is still running', async () => {
    let info: SpawnInfo | undefined;
    const execution = execute(
      { script: 'echo first\nwhile [[ ! -e go ]]; do sleep 0.02; done\necho second' },
      { executionDir: root, onSpawn: (spawned) => (info = spawned) },
    );
    let settled = false;
    void execution.result.then(() => (settled = true));
    const seen: ExecutionEvent[] = [];
    for await (const event of execution.events) {
      if (seen.length === 0) {
        expect(event).toEqual({ type: 'stdout', seq: 1, data: 'first\n' });
        expect(settled).toBe(false);
        expect(() => process.kill(info?.pid ?? -1, 0)).not.toThrow(); // zsh is alive, waiting for us
        writeFileSync(join(info?.runDirPath ?? '', 'go'), '');
      }
      seen.push(event);
    }
    expect(seen.map((event) => event.type)).toEqual(['stdout', 'stdout', 'exit']);
    expect((await execution.result).stdout).toBe('first\nsecond\n');
  });

  it('numbers events monotonically across both streams and ends with exit carrying the result', async () => {
    const execution = execute(
      { script: 'for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.01; done' },
      { executionDir: root },
    );
    const events: ExecutionEvent[] = [];
    for await (const event of execution) events.push(event);
    const result = await execution.result;
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    const last = events[events.length - 1];
    expect(last?.type === 'exit' && last.result).toBe(result);
    expect(outputOf(events, 'stdout')).toBe('out1\nout2\nout3\n');
    expect(outputOf(events, 'stderr')).toBe('err1\nerr2\nerr3\n');
    expect(result.stderr).toBe('err1\nerr2\nerr3\n');
    // a late consumer still gets the whole run
    const replay: ExecutionEvent[] = [];
    for await (const event of execution.events) replay.push(event);
    expect(replay).toEqual(events);
  });

  it('normalises \\r\\n and lone \\r to \\n, also when \\r\\n is split between two reads', async () => {
    let info: SpawnInfo | undefined;
    const execution = execute(
      {
        script:
          "printf 'a\\r\\nb\\rc\\r'\nwhile [[ ! -e go ]]; do sleep 0.02; done\nprintf '\\nd\\r\\n'",
      },
      { executionDir: root, onSpawn: (spawned) => (info = spawned) },
    );
    const chunks: string[] = [];
    for await (const event of execution.events) {
      if (event.type === 'stdout') {
        chunks.push(event.data);
        if (chunks.length === 1) writeFileSync(join(info?.runDirPath ?? '', 'go'), '');
      }
    }
    expect(chunks[0]).toBe('a\nb\nc\n');
    expect((await execution.result).stdout).toBe('a\nb\nc\nd\n');
  });

  it('decodes a UTF-8 character split between two reads', async () => {
    let info: SpawnInfo | undefined;
    const execution = execute(
      {
        script: "printf 'caf\\xc3'\nwhile [[ ! -e go ]]; do sleep 0.02; done\nprintf '\\xa9!\\xff'",
      },
      { executionDir: root, onSpawn: (spawned) => (info = spawned) },
    );
    let first = true;
    for await (const event of execution.events) {
      if (event.type === 'stdout' && first) {
        first = false;
        expect(event.data).toBe('caf');
        writeFileSync(join(info?.runDirPath ?? '', 'go'), '');
      }
    }
    expect((await execution.result).stdout).toBe('café!\ufffd');
  });
});

describe('execute: output cap', () => {
  it('keeps a UTF-8-safe prefix, emits truncated once, stops emitting and warns in stderr', async () => {
    const { events, result } = await run(
      { script: "print -n 'abcdé'; print -n 'éééé'; echo err >&2; print more" },
      { maxOutputBytes: 7 },
    );
    // 6 bytes fit, the 7th would be half of an é: the cut backs off to the character boundary
    expect(result.stdout).toBe('abcdé');
    expect(result.outputTruncated).toBe(true);
    expect(result.stderr).toBe('err\n\n[WARNING: Output truncated due to size limit (7 bytes)]\n');
    const truncated = events.filter((event) => event.type === 'truncated');
    expect(truncated).toEqual([
      { type: 'truncated', stream: 'stdout', maxOutputBytes: 7, seq: truncated[0]?.seq },
    ]);
    const truncatedSeq = truncated[0]?.seq ?? 0;
    expect(events.some((event) => event.type === 'stdout' && event.seq > truncatedSeq)).toBe(false);
    expect(outputOf(events, 'stdout')).toBe(result.stdout);
  });

  it('caps stderr separately from stdout', async () => {
    const { result } = await run(
      { script: 'print -n 1234567890; print -n abcdefghij >&2' },
      { maxOutputBytes: 4 },
    );
    expect(result.stdout).toBe('1234');
    expect(result.stderr).toBe('abcd\n[WARNING: Output truncated due to size limit (4 bytes)]\n');
  });

  it('stays flat in memory while a script prints 200 MB with a 1 MB cap', async () => {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    const execution = execute(
      { script: "head -c 209715200 /dev/zero | tr '\\0' x; echo done >&2" },
      { executionDir: root, maxOutputBytes: 1_048_576 },
    );
    let streamedBytes = 0;
    for await (const event of execution.events)
      if (event.type === 'stdout') streamedBytes += event.data.length;
    const result = await execution.result;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(result.returnCode).toBe(0);
    expect(result.stdout.length).toBe(1_048_576);
    expect(streamedBytes).toBe(1_048_576);
    expect(result.stderr.startsWith('done\n')).toBe(true);
    expect(result.outputTruncated).toBe(true);
    expect(peak - baseline).toBeLessThan(50 * 1024 * 1024);
  }, 60_000);
});

describe('execute: timeout and cancel kill the whole tree', () => {
  const treeScript = [
    'sleep 300 &',
    "zsh -c 'sleep 300' &",
    '( sleep 301 & )',
    'echo ready',
    'sleep 300',
  ].join('\n');

  async function startTree(
    marker: string,
    options: ExecuteOptions,
  ): Promise<{ events: ExecutionEvent[]; result: ExecutionResult }> {
    const execution = execute(
      { script: treeScript, envVars: { [MARKER_VAR]: marker } },
      { executionDir: root, ...options },
    );
    const events: ExecutionEvent[] = [];
    for await (const event of execution.events) {
      if (event.type === 'stdout' && event.data.includes('ready')) {
        // zsh, both sleeps, the zsh -c and its sleep, the orphaned sleep: all carry the marker
        await waitUntil(() => liveProcessesMarked(marker).length >= 5, 5_000, 'the process tree');
        if (options.signal === undefined && !options.timeoutMs) execution.cancel();
      }
      events.push(event);
    }
    return { events, result: await execution.result };
  }

  it('on timeout: SIGTERM to the group, reference message streamed and appended, return code -9', async () => {
    const marker = newMarker();
    const { events, result } = await startTree(marker, { timeoutMs: 2_500, killGraceMs: 2_000 });
    const message = '\nScript execution timed out after 2.5 seconds. The script was terminated.\n';
    expect(result).toMatchObject({
      timedOut: true,
      canceled: false,
      returnCode: -9,
      stdout: 'ready\n',
      stderr: message,
    });
    expect(result.signal).toBe('SIGTERM');
    expect(events.some((event) => event.type === 'stderr' && event.data === message)).toBe(true);
    expect(liveProcessesMarked(marker)).toEqual([]);
    expect(existsSync(result.runDirPath ?? '')).toBe(false);
  }, 20_000);

  it('escalates to SIGKILL after the grace period when the tree ignores SIGTERM', async () => {
    const marker = newMarker();
    const execution = execute(
      {
        script:
          "trap '' TERM\nsleep 300 >/dev/null 2>&1 &\n( trap '' TERM; sleep 302 ) &\necho ready\nsleep 300",
        envVars: { [MARKER_VAR]: marker },
      },
      { executionDir: root, timeoutMs: 1_500, killGraceMs: 300 },
    );
    const result = await execution.result;
    expect(result).toMatchObject({
      timedOut: true,
      returnCode: -9,
      signal: 'SIGKILL',
      exitCode: null,
    });
    await waitUntil(
      () => liveProcessesMarked(marker).length === 0,
      5_000,
      'SIGKILLed processes to vanish',
    );
  }, 20_000);

  it('on cancel (AbortSignal or cancel()): same tree kill, result says canceled', async () => {
    const marker = newMarker();
    const { result } = await startTree(marker, { killGraceMs: 2_000 });
    expect(result).toMatchObject({
      canceled: true,
      timedOut: false,
      signal: 'SIGTERM',
      returnCode: -15,
    });
    expect(liveProcessesMarked(marker)).toEqual([]);

    const controller = new AbortController();
    const marker2 = newMarker();
    const execution = execute(
      { script: treeScript, envVars: { [MARKER_VAR]: marker2 } },
      { executionDir: root, signal: controller.signal },
    );
    for await (const event of execution.events) {
      if (event.type === 'stdout') controller.abort();
    }
    expect(await execution.result).toMatchObject({ canceled: true, returnCode: -15 });
    expect(liveProcessesMarked(marker2)).toEqual([]);
  }, 20_000);

  it('does not start a run whose signal is already aborted', async () => {
    const witness = join(root, `witness-${randomUUID()}`);
    const { events, result } = await run(
      { script: `touch ${witness}` },
      { signal: AbortSignal.abort() },
    );
    expect(result).toMatchObject({
      canceled: true,
      pid: null,
      runDir: null,
      returnCode: 1,
      failure: null,
    });
    expect(events.map((event) => event.type)).toEqual(['exit']);
    expect(existsSync(witness)).toBe(false);
  });

  it('terminates what a finished script left running in its group', async () => {
    const marker = newMarker();
    const { result } = await run(
      {
        script: 'sleep 300 >/dev/null 2>&1 &\nsleep 301 &\necho bye',
        envVars: { [MARKER_VAR]: marker },
      },
      { killGraceMs: 2_000 },
    );
    expect(result).toMatchObject({
      exitCode: 0,
      returnCode: 0,
      stdout: 'bye\n',
      timedOut: false,
      canceled: false,
    });
    expect(liveProcessesMarked(marker)).toEqual([]);
  }, 20_000);

  it('ignores a cancel that arrives after the script finished', async () => {
    const execution = execute({ script: 'echo done' }, { executionDir: root });
    const result = await execution.result;
    execution.cancel();
    expect(result.canceled).toBe(false);
  });
});

describe('execute: errors as data, invalid options throw', () => {
  it('resolves with ZSH_NOT_FOUND when zsh is missing', async () => {
    const { events, result } = await run({ script: 'echo hi' }, { zshPath: '/nonexistent/zsh' });
    expect(result).toMatchObject({
      returnCode: 1,
      failure: { code: 'ZSH_NOT_FOUND' },
      stderr: 'ERROR: zsh interpreter not found (looked for /nonexistent/zsh)',
    });
    expect(outputOf(events, 'stderr')).toBe(`${result.stderr}\n`);
  });

  it('resolves with SPAWN_FAILED when the interpreter cannot be executed', async () => {
    const bogus = join(root, `bogus-zsh-${randomUUID()}`);
    writeFileSync(bogus, '#!/nonexistent/interpreter\n', { mode: 0o755 }); // execve fails: ENOENT
    const { result } = await run({ script: 'echo hi' }, { zshPath: bogus });
    expect(result).toMatchObject({ returnCode: 1, pid: null, failure: { code: 'SPAWN_FAILED' } });
    expect(result.stderr).toMatch(/^ERROR: Failed to start zsh: /);
    expect(existsSync(result.runDirPath ?? '')).toBe(false);
    rmSync(bogus);
  });

  it('resolves with RUN_DIR_FAILED when the run dir cannot be created', async () => {
    const { result } = await run({ script: 'echo hi' }, { executionDir: '/proc/self' });
    expect(result.failure?.code).toBe('RUN_DIR_FAILED');
    expect(result.returnCode).toBe(1);
    expect(result.stderr).toMatch(/^ERROR: Failed to create run directory: /);
  });

  it.each<[string, ExecuteRequest, ExecuteOptions, string]>([
    ['script', { script: 5 as unknown as string }, {}, 'INVALID_REQUEST'],
    ['inputs without runbookDir', { script: '', inputs: ['a'] }, {}, 'INVALID_REQUEST'],
    ['empty id', { script: '', id: '' }, {}, 'INVALID_REQUEST'],
    ['timeoutMs', { script: '' }, { timeoutMs: 0 }, 'INVALID_OPTIONS'],
    ['killGraceMs', { script: '' }, { killGraceMs: Number.POSITIVE_INFINITY }, 'INVALID_OPTIONS'],
    ['timeoutMs beyond timers', { script: '' }, { timeoutMs: 2 ** 31 }, 'INVALID_OPTIONS'],
    ['negative killGraceMs', { script: '' }, { killGraceMs: -1 }, 'INVALID_OPTIONS'],
    ['maxOutputBytes', { script: '' }, { maxOutputBytes: -1 }, 'INVALID_OPTIONS'],
  ])('throws ExecutorError for invalid %s', (_name, request, options, code) => {
    let thrown: unknown;
    try {
      execute(request, options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ExecutorError);
    expect((thrown as ExecutorError).code).toBe(code);
  });

  it('accepts Infinity as "no timeout"', async () => {
    expect(
      (await run({ script: 'echo ok' }, { timeoutMs: Number.POSITIVE_INFINITY })).result.stdout,
    ).toBe('ok\n');
  });
});
