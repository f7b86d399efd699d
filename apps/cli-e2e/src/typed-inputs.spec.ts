import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiProcess } from './support/api-process';
import { CLI_MAIN } from './support/paths';
import { Sandbox } from './support/sandbox';
import { waitUntil } from './support/wait-until';

const PASSWORD = 'cli-secret-password-9876';

/** The runbook CLI on a pseudo-terminal (`script`), with a keyboard: `type` sends keys. */
function onTerminal(box: Sandbox, args: string[], extraEnv: Record<string, string> = {}) {
  const command = ['node', CLI_MAIN, ...args].map((part) => `'${part}'`).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: box.root,
    env: box.env({ TERM: 'dumb', NO_COLOR: '1', ...extraEnv }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
  const done = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    get screen() {
      return screen;
    },
    done,
    /** Waits until the terminal shows `text` (after `after` characters), then types `keys`. */
    async answer(text: string, keys: string, after = 0): Promise<number> {
      await waitUntil(
        () => screen.indexOf(text, after) >= 0,
        `"${text}" on the terminal:\n${screen}`,
      );
      const at = screen.indexOf(text, after) + text.length;
      child.stdin.write(keys);
      return at;
    },
    end(): void {
      child.stdin.end();
    },
  };
}

describe('runbook execute with typed inputs and secrets (local mode)', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = new Sandbox();
  });
  afterEach(() => box.remove());

  it('reads secrets from --env-file and masks them in the output and the History', async () => {
    const envFile = join(box.root, 'scale.env');
    writeFileSync(envFile, `TARGET_ENV=staging\nTICKET=CHG1234\nDB_PASSWORD=${PASSWORD}\n`, {
      mode: 0o600,
    });
    const result = await box.run(['execute', 'ScaleService', '--env-file', envFile]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Scaling to 2 replicas in staging for CHG1234 (dry run: true)');
    expect(result.stdout).toContain('Connecting with password ***');
    for (const text of [result.stdout, result.stderr, box.read('ScaleService.md')]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64').slice(0, 12));
    }
  });

  it('reports every wrong value with the runbook rules and exits 1, without the secret', async () => {
    const result = await box.run([
      'execute',
      'ScaleService',
      '-e',
      'TARGET_ENV=prod',
      '-e',
      'REPLICAS=two',
      '-e',
      'TICKET=CHG1',
      '-e',
      'DB_PASSWORD=abc',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("TARGET_ENV must be one of: staging, production (got 'prod')");
    expect(result.stderr).toContain("REPLICAS must be an integer between 1 and 10 (got 'two')");
    expect(result.stderr).toContain('TICKET does not match ^CHG[0-9]{4,}$');
    expect(result.stderr).toContain('DB_PASSWORD is too short to be masked safely');
    expect(result.stderr).not.toContain("'abc'");
    expect(result.stdout).not.toContain('Scaling');
  });

  it('prompts on a terminal for what is missing, hides secrets as they are typed, re-asks wrong values', async () => {
    const cli = onTerminal(box, ['execute', 'ScaleService', '-e', 'TICKET=CHG0001']);
    let at = await cli.answer(
      'TARGET_ENV (Where to scale) [one of staging, production]: ',
      'prod\r',
    );
    at = await cli.answer("TARGET_ENV must be one of: staging, production (got 'prod')", '', at);
    at = await cli.answer('TARGET_ENV (Where to scale)', 'production\r', at);
    await cli.answer(
      'DB_PASSWORD (Password of the app user (masked in all output)) [secret, not shown]: ',
      `${PASSWORD}\r`,
      at,
    );
    const code = await cli.done;
    cli.end();
    expect(code).toBe(0);
    expect(cli.screen).toContain('Scaling to 2 replicas in production for CHG0001');
    expect(cli.screen).toContain('Connecting with password ***');
    // Not echoed while typed, not printed by the script: the terminal never showed it.
    expect(cli.screen).not.toContain(PASSWORD);
    expect(box.read('ScaleService.md')).not.toContain(PASSWORD);
  });

  it('asks nothing without a terminal: validation names what is missing', async () => {
    const result = await box.run(['execute', 'ScaleService', '-e', 'TICKET=CHG0001']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Required environment variable not set: TARGET_ENV');
    expect(result.stderr).toContain('Required environment variable not set: DB_PASSWORD');
  });
});

describe('runbook execute with typed inputs and secrets (remote mode)', () => {
  let api: ApiProcess;
  let box: Sandbox;
  let remote: Record<string, string>;

  beforeAll(async () => {
    api = await ApiProcess.start();
    box = new Sandbox();
    remote = { RUNBOOK_API_URL: api.url };
    expect(
      (await box.run(['login', '--subject', 'alice', '--roles', 'sre,api'], remote)).code,
    ).toBe(0);
  });
  afterAll(async () => {
    box?.remove();
    await api?.stop();
  });

  it("prompts with the server's declarations and the server masks the secret", async () => {
    const cli = onTerminal(
      box,
      ['execute', 'ScaleService', '-e', 'TICKET=CHG0002', '-e', 'REPLICAS=4'],
      remote,
    );
    const at = await cli.answer(
      'TARGET_ENV (Where to scale) [one of staging, production]: ',
      'staging\r',
    );
    await cli.answer('[secret, not shown]: ', `${PASSWORD}\r`, at);
    const code = await cli.done;
    cli.end();
    expect(code).toBe(0);
    expect(cli.screen).toContain('Scaling to 4 replicas in staging for CHG0002');
    expect(cli.screen).toContain('Connecting with password ***');
    expect(cli.screen).not.toContain(PASSWORD);
  });

  it('prints the server validation messages and exits 1', async () => {
    const result = await box.run(
      [
        'execute',
        'ScaleService',
        '-e',
        'TARGET_ENV=prod',
        '-e',
        'TICKET=CHG0002',
        '-e',
        `DB_PASSWORD=${PASSWORD}`,
      ],
      remote,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("TARGET_ENV must be one of: staging, production (got 'prod')");
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });
});
