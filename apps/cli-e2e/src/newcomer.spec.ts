import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiProcess, freePort } from './support/api-process';
import { Sandbox } from './support/sandbox';

/** Rough edges a new user hit (issue 21, CLI polish), each checked on the built binary. */
describe('runbook for a new user (local mode)', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = new Sandbox();
  });
  afterEach(() => box.remove());

  it('suggests the runbook a misspelled name was meant to be', async () => {
    const result = await box.run(['validate', 'SimpelRunbook']);
    expect(result.code).toBe(66);
    expect(result.stderr).toMatch(
      /Runbook not found: SimpelRunbook\.md .*; did you mean SimpleRunbook\.md\?\n$/,
    );
  });

  it('--local works on files even when RUNBOOK_API_URL points at a server', async () => {
    const env = { RUNBOOK_API_URL: `http://127.0.0.1:${await freePort()}` };
    const local = await box.run(['--local', 'validate', 'SimpleRunbook', '-e', 'TEST_VAR=x'], env);
    expect(local).toMatchObject({ code: 0 });
    expect(local.stdout).toContain('SimpleRunbook.md is valid');
    const both = await box.run(['--local', '--api-url', env.RUNBOOK_API_URL, 'list']);
    expect(both.code).toBe(64);
    expect(both.stderr).toBe('error: --local and --api-url contradict each other: give one\n');
  });

  it('the validate summary counts the errors it printed', async () => {
    writeFileSync(
      join(box.runbooks, 'Broken.md'),
      '# Broken\nBad YAML.\n\n# Environment Requirements\n```yaml\nA: [unclosed\n```\n\n' +
        '# File System Requirements\n```yaml\nInput: []\n```\n\n# Script\n```sh\necho hi\n```\n\n# History\n',
    );
    const result = await box.run(['validate', 'Broken']);
    expect(result.code).toBe(1);
    const printed = result.stdout.split('\n').filter((line) => line.includes(': error: ')).length;
    expect(printed).toBeGreaterThan(0);
    const summary = /is invalid: (\d+) errors?/.exec(result.stdout);
    expect(Number(summary?.[1])).toBe(printed);
  });

  it('logs --follow against a server that is down fails at once with exit 69', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const result = await box.run(['logs', 'some-run', '--follow'], { RUNBOOK_API_URL: url });
    expect(result.code).toBe(69);
    expect(result.stderr).toContain(`cannot reach the API at ${url}`);
    expect(result.stderr).not.toContain('re-attaching');
    // No retries: the first back-off alone would be half a second, five of them 15 s.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('runbook for a new user (remote mode)', () => {
  let api: ApiProcess;
  let box: Sandbox;

  beforeAll(async () => {
    api = await ApiProcess.start();
    box = new Sandbox();
    const login = await box.run(['login', '--subject', 'alice', '--roles', 'sre,api'], {
      RUNBOOK_API_URL: api.url,
    });
    expect(login.code).toBe(0);
  });
  afterAll(async () => {
    box?.remove();
    await api?.stop();
  });

  it("suggests the runbook a misspelled name was meant to be, from the server's list", async () => {
    for (const command of [['validate'], ['show'], ['env'], ['execute']]) {
      const result = await box.run([...command, 'SimpelRunbook'], { RUNBOOK_API_URL: api.url });
      expect([command, result.code]).toEqual([command, 66]);
      expect(result.stderr).toMatch(/SimpelRunbook\.md.*; did you mean SimpleRunbook\.md\?\n$/);
    }
  });

  it('mentions a stored login for another spelling of the same server', async () => {
    const otherSpelling = api.url.replace('127.0.0.1', 'localhost');
    const result = await box.run(['runs'], { RUNBOOK_API_URL: otherSpelling });
    expect(result.code).toBe(77);
    expect(result.stderr).toContain(
      `warning: no token for ${otherSpelling}, but you are logged in to ${api.url}, the same server by another name`,
    );
    const sameSpelling = await box.run(['runs'], { RUNBOOK_API_URL: api.url });
    expect(sameSpelling.code).toBe(0);
    expect(sameSpelling.stderr).not.toContain('same server by another name');
  });
});
