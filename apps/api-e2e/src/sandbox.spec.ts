import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ExecuteResult, RunAccepted, RunRecord, ValidateResponse } from '@runbooks/types';

import { makeDirs, startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { processesWithMarker } from './support/processes';
import { runbookText } from './support/runbook-text';
import { waitFor } from './support/wait-for';

// The sandbox needs root (or CHOWN/KILL/SETGID/SETUID); CI runs as root. As a normal user the
// server runs scripts unsandboxed and must say so, which the last describe checks instead.
const isRoot = process.getuid?.() === 0;
const WAIT_FOR_GO = 'while [[ ! -e $GO_FILE ]]; do sleep 0.05; done';

const RUNBOOKS = {
  'Tools.md': runbookText({
    name: 'Tools',
    env: { TARGET: 'Where to go' },
    script: [
      'print -r -- "target=$TARGET other=${OTHER-unset}"',
      "bash -c 'echo inner-bash'",
      "zsh -c 'echo inner-zsh'",
      'git init -q repo && git -C repo status --short >/dev/null && echo git-ok',
      'id -u >/dev/null && echo id-ok',
    ].join('\n'),
  }),
  'Declares.md': runbookText({
    name: 'Declares',
    env: { BASH_ENV: 'Sneaky', ld_preload: 'Sneakier' },
    script: 'echo should-never-run',
  }),
  'Passthrough.md': runbookText({
    name: 'Passthrough',
    env: { SHARED_VALUE: 'From the server', HIDDEN_VALUE: 'Not passed by the server' },
    script:
      'print -r -- "shared=$SHARED_VALUE hidden=$HIDDEN_VALUE jwt=${JWT_SECRET-unset} redis=${REDIS_URL-unset}"',
  }),
  'Holder.md': runbookText({
    name: 'Holder',
    env: { GO_FILE: 'Release file', SECRET_VALUE: 'Something only this run knows' },
    script: `${WAIT_FOR_GO}\necho "holder-uid=$(id -u)"`,
  }),
  'Snoop.md': runbookText({
    name: 'Snoop',
    env: { SERVER_PID: 'Pid of the server', DATA_DIR: 'Its data dir', RB_DIR: 'Its runbooks dir' },
    script: [
      'cat /proc/$SERVER_PID/environ >/dev/null 2>&1 && echo server-env-readable',
      // zsh reads each readable environ without a fork: a busy machine has many processes.
      'for f in /proc/[0-9]*/environ(N); do [[ -r $f && "$(<$f)" == *SECRET_VALUE=* ]] 2>/dev/null && echo "found-secret $f"; done',
      'for d in ${PWD:h}/runbook-exec-*(N); do [[ $d == $PWD ]] && continue; ls $d >/dev/null 2>&1 && echo "other-dir-readable $d"; done',
      'ls $DATA_DIR >/dev/null 2>&1 && echo data-readable',
      'cat $DATA_DIR/runs.db >/dev/null 2>&1 && echo store-readable',
      'touch $RB_DIR/Evil.md 2>/dev/null && echo runbooks-writable',
      'cat $RB_DIR/*.md >/dev/null 2>&1 && echo runbooks-readable',
      'echo "uid=$(id -u) owner=$(stat -c %u .) mode=$(stat -c %a .) tmp=$(stat -c %u:%a $TMPDIR) home=$HOME"',
      'echo snoop-done',
    ].join('\n'),
  }),
  'EvalHeaders.md': runbookText({
    name: 'EvalHeaders',
    script:
      'eval "print -r -- headers: $RUNBOOK_HEADERS"\nprint -r -- "stack=$RUNBOOK_RECURSION_STACK"',
  }),
  'Gated.md': runbookText({
    name: 'Gated',
    env: { GO_FILE: 'Release file' },
    script: `${WAIT_FOR_GO}\necho released`,
  }),
  'Forged.md': runbookText({
    name: 'Forged',
    env: { GO_FILE: 'Release file' },
    script: `${WAIT_FOR_GO}\necho forged-released`,
  }),
  'Escaper.md': runbookText({
    name: 'Escaper',
    env: { MARK: 'Tags every process of the run' },
    script: 'setsid sleep 300 &!\n( ( sleep 300 & ) & )\necho escaped\nsleep 300',
  }),
  'Bomb.md': runbookText({
    name: 'Bomb',
    env: { MARK: 'Tags every process of the run' },
    // Every copy starts two more and stays (sleeping), so the run sits at its process ceiling
    // until the timeout instead of churning; a copy whose fork is refused ends.
    script: 'bomb() { bomb & bomb & sleep 300 }\nbomb',
  }),
  'Limits.md': runbookText({
    name: 'Limits',
    script:
      'print -r -- "$(ulimit -Su) $(ulimit -Hu) $(ulimit -Sn) $(ulimit -Hn) $(ulimit -Hf) $(ulimit -Hv)"',
  }),
};

type Server = ApiServer;
const post = (server: Server, file: string, json: unknown, headers: Record<string, string> = {}) =>
  call<ExecuteResult>(server, `/api/runbooks/${file}/execute`, {
    method: 'POST',
    token: server.token(),
    json,
    headers,
  });
const postAsync = (
  server: Server,
  file: string,
  json: unknown,
  headers: Record<string, string> = {},
) =>
  call<RunAccepted>(server, `/api/runbooks/${file}/execute`, {
    method: 'POST',
    token: server.token(),
    json,
    headers: { Prefer: 'respond-async', ...headers },
  });
const getRun = (server: Server, id: string) =>
  call<RunRecord>(server, `/api/runs/${id}`, { token: server.token() });
const finished = (server: Server, id: string) =>
  waitFor(
    async () => {
      const run = (await getRun(server, id)).body;
      return run.status !== 'queued' && run.status !== 'running' ? run : null;
    },
    { timeoutMs: 30_000, what: `run ${id} to finish` },
  );

afterAll(stopAllServers);

describe('request variables and server variables', () => {
  let server: Server;
  let trapDir: string;

  beforeAll(async () => {
    server = await startApi({
      samples: false,
      runbooks: RUNBOOKS,
      env: {
        SHARED_VALUE: 'shared',
        HIDDEN_VALUE: 'hidden-on-server',
        REDIS_URL: 'redis://:very-secret@127.0.0.1:1/0',
        ENV_PASSTHROUGH: 'SHARED_VALUE,JWT_SECRET,REDIS_URL',
      },
    });
    // Files an attacker would point the control variables at, readable by any run uid.
    trapDir = join(server.dirs.root, 'trap');
    mkdirSync(trapDir, { mode: 0o755 });
    chmodSync(trapDir, 0o755);
    const trap = (name: string) => `#!/bin/sh\necho PWNED-${name} >&2\n`;
    writeFileSync(join(trapDir, 'id'), trap('PATH'), { mode: 0o755 });
    writeFileSync(join(trapDir, '.zshenv'), 'echo PWNED-ZDOTDIR >&2\n', { mode: 0o644 });
    writeFileSync(join(trapDir, '.bashrc'), 'echo PWNED-HOME >&2\n', { mode: 0o644 });
  });

  it('never lets a request set BASH_ENV, GIT_CONFIG_*, PATH, LD_PRELOAD, ZDOTDIR, HOME or proxies', async () => {
    const attack = {
      TARGET: 't',
      OTHER: 'not declared',
      BASH_ENV: '$(echo PWNED-BASH_ENV >&2)',
      ENV: '$(echo PWNED-ENV >&2)',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'core.fsmonitor',
      GIT_CONFIG_VALUE_0: 'echo PWNED-GIT >&2; false',
      PATH: `${trapDir}:/usr/bin:/bin`,
      LD_PRELOAD: '/nonexistent/preload.so',
      ZDOTDIR: trapDir,
      HOME: trapDir,
      https_proxy: 'http://127.0.0.1:9',
      RUNBOOK_EXTRA: 'x',
    };
    const response = await post(server, 'Tools.md', { env_vars: attack });
    expect(response.status).toBe(200);
    const { stdout, stderr, warnings } = response.body;
    expect(stdout).toContain('target=t other=unset\n');
    for (const line of ['inner-bash', 'inner-zsh', 'git-ok', 'id-ok'])
      expect(stdout).toContain(line);
    expect(`${stdout}${stderr}`).not.toMatch(/PWNED|ld\.so|preload/);
    for (const name of Object.keys(attack).filter((name) => name !== 'TARGET')) {
      expect(warnings).toContainEqual(
        expect.stringContaining(`Environment variable ${name} was not passed`),
      );
    }
  });

  it('refuses a runbook that declares a control variable: validate 400, execute never runs it', async () => {
    const validate = await call<ValidateResponse>(server, '/api/runbooks/Declares.md/validate', {
      method: 'PATCH',
      token: server.token(),
      json: { env_vars: { BASH_ENV: 'x', ld_preload: 'y' } },
    });
    expect(validate.status).toBe(400);
    expect(validate.body.errors).toContainEqual(
      expect.stringContaining(
        'Environment variable BASH_ENV cannot be declared: it controls how shells',
      ),
    );
    expect(validate.body.errors).toContainEqual(
      expect.stringContaining('ld_preload cannot be declared'),
    );
    const execute = await post(server, 'Declares.md', { env_vars: { BASH_ENV: 'x' } });
    expect(execute.body).toMatchObject({ success: false, return_code: 1, stdout: '' });
    expect(execute.body.errors).toContainEqual(
      expect.stringContaining('BASH_ENV cannot be declared'),
    );
  });

  it('passes server values only through ENV_PASSTHROUGH, never a secret, and required-env hides the rest', async () => {
    const required = await call<{ available: { name: string }[]; missing: { name: string }[] }>(
      server,
      '/api/runbooks/Passthrough.md/required-env',
      { token: server.token() },
    );
    expect(required.body.available.map((v) => v.name)).toEqual(['SHARED_VALUE']);
    expect(required.body.missing.map((v) => v.name)).toEqual(['HIDDEN_VALUE']);
    const refused = await post(server, 'Passthrough.md', {});
    expect(refused.body.errors).toEqual(['Required environment variable not set: HIDDEN_VALUE']);
    const ran = await post(server, 'Passthrough.md', {
      env_vars: { HIDDEN_VALUE: 'from-request' },
    });
    expect(ran.body.stdout).toBe('shared=shared hidden=from-request jwt=unset redis=unset\n');
  });
});

if (isRoot) {
  describe('the sandbox (per-run uids)', () => {
    let server: Server;

    beforeAll(async () => {
      server = await startApi({
        samples: true,
        runbooks: RUNBOOKS,
        env: {
          MAX_CONCURRENT_RUNS: '2',
          SCRIPT_TIMEOUT_SECONDS: '3',
          RUN_MAX_PROCESSES: '77',
          RUN_MAX_OPEN_FILES: '99',
          RUN_MAX_FILE_BYTES: '1048576',
          RUN_MAX_MEMORY_BYTES: '4294967296',
        },
      });
    });
    const goFile = () => join(server.dirs.root, `go-${randomUUID()}`);

    it('says it is on: /api/info, readiness details and the gauge', async () => {
      expect((await call(server, '/api/info')).body).toMatchObject({ sandbox: 'per-run-uid' });
      const ready = await call<{ details: Record<string, unknown> }>(server, '/health/ready');
      expect(ready.body.details['sandbox']).toEqual({ status: 'up', mode: 'per-run-uid' });
      const metrics = await call(server, '/metrics', { token: server.token({ roles: ['admin'] }) });
      expect(metrics.text).toMatch(/^runbook_sandbox_enabled 1$/m);
    });

    it('keeps the server, other runs, the data dir and the runbooks folder out of reach', async () => {
      const go = goFile();
      const holder = await postAsync(server, 'Holder.md', {
        env_vars: { GO_FILE: go, SECRET_VALUE: `s-${randomUUID()}` },
      });
      await waitFor(
        async () => (await getRun(server, holder.body.run_id)).body.status === 'running',
      );
      const snoop = await post(server, 'Snoop.md', {
        env_vars: {
          SERVER_PID: String(server.child.pid),
          DATA_DIR: server.dirs.data,
          RB_DIR: server.dirs.runbooks,
        },
      });
      writeFileSync(go, '');
      const output = snoop.body.stdout;
      expect(output).toContain('snoop-done');
      expect(output).not.toMatch(
        /server-env-readable|found-secret|other-dir-readable|data-readable|store-readable|runbooks-writable|runbooks-readable/,
      );
      const match = /uid=(\d+) owner=(\d+) mode=(\d+) tmp=(\d+):(\d+) home=(\S+)/.exec(output);
      expect(match).not.toBeNull();
      const [, uid, owner, mode, tmpOwner, tmpMode] = match ?? [];
      expect(Number(uid)).toBeGreaterThanOrEqual(20000);
      expect(Number(uid)).toBeLessThanOrEqual(20999);
      expect([owner, mode, tmpOwner, tmpMode]).toEqual([uid, '700', uid, '700']);
      const held = await finished(server, holder.body.run_id);
      expect(held.stdout).toMatch(/holder-uid=2\d{4}/);
      expect(held.stdout).not.toContain(`holder-uid=${uid}\n`);
    });

    it('applies RUN_MAX_* as soft and hard limits', async () => {
      const response = await post(server, 'Limits.md', {});
      expect(response.body.stdout).toBe(`77 77 99 99 2048 ${4 * 1024 * 1024}\n`);
    });

    it('kills children that left the group (setsid, double fork) at timeout and at cancel', async () => {
      const timedOutMark = `t-${randomUUID()}`;
      const timedOut = await post(server, 'Escaper.md', { env_vars: { MARK: timedOutMark } });
      expect(timedOut.body.return_code).toBe(-9);
      await waitFor(() => processesWithMarker(timedOutMark).length === 0, {
        timeoutMs: 10_000,
        what: 'the escaped processes of the timed-out run to die',
      });
      const canceledMark = `c-${randomUUID()}`;
      const started = await postAsync(server, 'Escaper.md', { env_vars: { MARK: canceledMark } });
      await waitFor(() => processesWithMarker(canceledMark).length >= 3, {
        what: 'the escaping processes to start',
      });
      await call(server, `/api/runs/${started.body.run_id}/cancel`, {
        method: 'POST',
        token: server.token(),
      });
      expect((await finished(server, started.body.run_id)).status).toBe('canceled');
      await waitFor(() => processesWithMarker(canceledMark).length === 0, {
        timeoutMs: 10_000,
        what: 'the escaped processes of the canceled run to die',
      });
    });

    it('stops a fork bomb at the process limit while the server stays healthy', async () => {
      const mark = `b-${randomUUID()}`;
      const bomb = post(server, 'Bomb.md', { env_vars: { MARK: mark } });
      await waitFor(() => processesWithMarker(mark).length > 10, { what: 'the bomb to go off' });
      for (let probe = 0; probe < 5; probe += 1) {
        const startedAt = Date.now();
        expect((await call(server, '/health/live')).status).toBe(200);
        expect(Date.now() - startedAt).toBeLessThan(1000);
        expect(processesWithMarker(mark).length).toBeLessThanOrEqual(77);
      }
      expect((await bomb).body.success).toBe(false);
      await waitFor(() => processesWithMarker(mark).length === 0, {
        timeoutMs: 10_000,
        what: 'every process of the bomb to die',
      });
    });

    it('never runs a recursion-stack payload in a script that evals the headers', async () => {
      const response = await post(
        server,
        'EvalHeaders.md',
        {},
        {
          'X-Recursion-Stack': '["$(echo INJECTED >&2)"]',
        },
      );
      expect(`${response.body.stdout}${response.body.stderr}`).not.toContain('INJECTED');
      expect(response.body.stdout).toContain('stack=["EvalHeaders.md"]');
    });

    it('does not let forged nesting headers beat MAX_CONCURRENT_RUNS; real sub-runbook calls still nest', async () => {
      const gates = [goFile(), goFile()];
      const correlationId = `forge-${randomUUID()}`;
      const holders = await Promise.all(
        gates.map((go) =>
          postAsync(
            server,
            'Gated.md',
            { env_vars: { GO_FILE: go } },
            { 'X-Correlation-Id': correlationId },
          ),
        ),
      );
      await waitFor(async () => {
        const runs = await Promise.all(holders.map((h) => getRun(server, h.body.run_id)));
        return runs.every((run) => run.body.status === 'running');
      });
      const forgedGo = goFile();
      const forged = await Promise.all(
        Array.from({ length: 4 }, (_, index) =>
          postAsync(
            server,
            'Forged.md',
            { env_vars: { GO_FILE: forgedGo } },
            {
              'X-Correlation-Id': correlationId,
              'X-Recursion-Stack': '["Gated.md"]',
              'Content-Type': `application/json; runbook-parent=${holders[index % 2]?.body.run_id}.${'0'.repeat(64)}`,
            },
          ),
        ),
      );
      writeFileSync(forgedGo, '');
      // The forged requests are queued behind the two slots; none starts while both are held.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const waiting = await Promise.all(forged.map((f) => getRun(server, f.body.run_id)));
      expect(waiting.map((run) => run.body.status)).toEqual([
        'queued',
        'queued',
        'queued',
        'queued',
      ]);
      writeFileSync(gates[0] ?? '', '');
      writeFileSync(gates[1] ?? '', '');
      for (const run of [...holders, ...forged]) {
        expect((await finished(server, run.body.run_id)).status).toBe('success');
      }
      // A real call the documented way nests in its parent's slot even when the other slot is held.
      const busy = goFile();
      const occupier = await postAsync(server, 'Gated.md', { env_vars: { GO_FILE: busy } });
      await waitFor(
        async () => (await getRun(server, occupier.body.run_id)).body.status === 'running',
      );
      const parent = await call<ExecuteResult>(server, '/api/runbooks/ParentRunbook.md/execute', {
        method: 'POST',
        token: server.token({ roles: ['sre'] }),
        json: { env_vars: { TEST_VAR: 'nested' } },
      });
      writeFileSync(busy, '');
      expect(parent.body).toMatchObject({ success: true, return_code: 0 });
      expect(parent.body.stdout).toContain('Test variable value: nested');
    });
  });

  describe('when the sandbox cannot be had', () => {
    // Root without any capability stands for a server that cannot switch users.
    const noCapabilities = ['setpriv', '--inh-caps=-all', '--bounding-set=-all', '--'];

    it('refuses to run scripts unsandboxed in production unless ALLOW_UNSANDBOXED=true', async () => {
      const refused = await startApi({
        samples: false,
        wrapper: noCapabilities,
        waitLive: false,
        env: { NODE_ENV: 'production', ENABLE_LOGIN: 'false' },
      });
      expect(await refused.waitForExit()).toBe(1);
      expect(refused.logs).toContain('Refusing to run scripts unsandboxed in production');
      const allowed = await startApi({
        samples: false,
        runbooks: { 'Limits.md': RUNBOOKS['Limits.md'] },
        wrapper: noCapabilities,
        env: { NODE_ENV: 'production', ENABLE_LOGIN: 'false', ALLOW_UNSANDBOXED: 'true' },
      });
      expect((await call(allowed, '/api/info')).body).toMatchObject({ sandbox: 'off' });
      expect(allowed.logs).toContain('SANDBOX OFF');
      const ready = await call<{ details: Record<string, unknown> }>(allowed, '/health/ready');
      expect(ready.body.details['sandbox']).toEqual({ status: 'up', mode: 'off' });
      const metrics = await call(allowed, '/metrics', {
        token: allowed.token({ roles: ['admin'] }),
      });
      expect(metrics.text).toMatch(/^runbook_sandbox_enabled 0$/m);
    });

    it('refuses to start when run uids cannot reach EXECUTION_DIR, naming the folder', async () => {
      const dirs = makeDirs(false);
      const closed = join(dirs.root, 'closed');
      mkdirSync(join(closed, 'execution'), { recursive: true });
      chmodSync(closed, 0o700);
      const server = await startApi({
        dirs,
        waitLive: false,
        env: { EXECUTION_DIR: join(closed, 'execution') },
      });
      expect(await server.waitForExit()).toBe(1);
      expect(server.logs).toContain(
        `Run uids cannot reach EXECUTION_DIR: ${closed} is not traversable`,
      );
    });
  });
}

if (!isRoot) {
  describe('without the sandbox (not root)', () => {
    it('says so loudly: a start-up warning, /api/info and the gauge', async () => {
      const server = await startApi({ samples: false, runbooks: RUNBOOKS });
      expect((await call(server, '/api/info')).body).toMatchObject({ sandbox: 'off' });
      expect(server.logs).toContain('SANDBOX OFF');
    });
  });
}
