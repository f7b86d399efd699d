import { ApiProcess } from './support/api-process';
import { Sandbox } from './support/sandbox';

const DOC_ONLY =
  'DatabaseFailover.md is documentation only: it has no Script section, so there is nothing to run.';

/** How a missing variable is reported, locally and from a server's verdict alike. */
const missingVariable = (file: string) =>
  `${file}:8:1: error: Required environment variable not set: TEST_VAR\n` +
  'hint: pass --env TEST_VAR=value\nValidation failed. Cannot execute runbook.\n';

describe('runbook refusing to execute (local mode)', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = new Sandbox();
  });
  afterEach(() => box.remove());

  it('a documentation-only runbook: one line, exit 1, nothing appended', async () => {
    const before = box.read('DatabaseFailover.md');
    const result = await box.run(['execute', 'DatabaseFailover']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(`error: runbooks/${DOC_ONLY}\n`);
    expect(box.read('DatabaseFailover.md')).toBe(before);
    const list = await box.run(['list', '--json']);
    const items = (
      JSON.parse(list.stdout) as { runbooks: { filename: string; executable: boolean }[] }
    ).runbooks;
    expect(items.find((item) => item.filename === 'DatabaseFailover.md')?.executable).toBe(false);
  });

  it('a missing variable: the diagnostic, a hint with --env, the verdict', async () => {
    const result = await box.run(['execute', 'SimpleRunbook']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(missingVariable('runbooks/SimpleRunbook.md'));
  });

  it('a misspelled run status is a usage error (64) listing the statuses', async () => {
    const result = await box.run(['runs', '--status', 'runing']);
    expect(result).toMatchObject({ code: 64, stdout: '' });
    expect(result.stderr).toMatch(
      /^error: --status runing: unknown status; expected one of .*running/,
    );
  });

  it('a name not in the current folder says how to look elsewhere', async () => {
    const result = await box.run(['validate', 'SimpleRunbook'], { RUNBOOKS_DIR: '' });
    expect(result.code).toBe(66);
    expect(result.stderr).toBe(
      `error: Runbook not found: SimpleRunbook.md (looked in ${box.root}; pass --runbooks-dir DIR or set ` +
        'RUNBOOKS_DIR to look elsewhere)\n',
    );
  });
});

describe('runbook refusing to execute (remote mode)', () => {
  let api: ApiProcess;
  let box: Sandbox;
  let remote: Record<string, string>;

  beforeAll(async () => {
    api = await ApiProcess.start();
    box = new Sandbox();
    remote = { RUNBOOK_API_URL: api.url };
    const login = await box.run(['login', '--subject', 'alice', '--roles', 'sre,api'], remote);
    expect(login.code).toBe(0);
  });
  afterAll(async () => {
    box?.remove();
    await api?.stop();
  });

  it('a missing variable prints like a local validation failure', async () => {
    const result = await box.run(['execute', 'SimpleRunbook'], remote);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    // The server's verdict has no position: the file name stands alone.
    expect(result.stderr).toBe(missingVariable('SimpleRunbook.md').replace(':8:1', ''));
  });

  it('a documentation-only runbook: the server refuses it, list says doc only', async () => {
    const result = await box.run(['execute', 'DatabaseFailover'], remote);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(`error: bad request: ${DOC_ONLY}\n`);
    const list = await box.run(['list'], remote);
    expect(list.stdout).toMatch(/^DatabaseFailover\.md +DatabaseFailover +doc only /m);
  });
});
