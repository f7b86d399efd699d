import { ApiProcess } from './support/api-process';
import { Sandbox } from './support/sandbox';
import { waitUntil } from './support/wait-until';

interface RunJson {
  id: string;
  status: string;
  stdout: string;
  approval: { approvals: { by: string; comment: string | null }[]; rejected_by: string | null };
}

describe('runbook approvals, approve, reject and execute of a gated runbook (built binary)', () => {
  let api: ApiProcess;
  let requester: Sandbox;
  let lead: Sandbox;
  let remote: Record<string, string>;

  beforeAll(async () => {
    api = await ApiProcess.start();
    requester = new Sandbox();
    lead = new Sandbox();
    remote = { RUNBOOK_API_URL: api.url };
    const logins = await Promise.all([
      requester.run(['login', '--subject', 'alice', '--roles', 'sre,api'], remote),
      lead.run(['login', '--subject', 'carol', '--roles', 'lead'], remote),
    ]);
    expect(logins.map((login) => login.code)).toEqual([0, 0]);
  });
  afterAll(async () => {
    requester?.remove();
    lead?.remove();
    await api?.stop();
  });

  it('execute --detach prints the run id and exits 0; a lead lists and approves it', async () => {
    const started = await requester.run(
      ['execute', 'RestartPayments.md', '-e', 'TARGET_HOST=pay-3', '--detach'],
      remote,
    );
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.stderr).toContain('waits for approval');

    const listed = await lead.run(['approvals'], remote);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`${id}\\s+RestartPayments\\.md\\s+alice\\s+0/1\\s+TARGET_HOST`),
    );
    expect((await requester.run(['approve', id], remote)).code).not.toBe(0);

    const approved = await lead.run(['approve', id, '--comment', 'checked', '--json'], remote);
    expect(approved.code).toBe(0);
    const run = JSON.parse(approved.stdout) as RunJson;
    expect(['queued', 'running', 'success']).toContain(run.status);
    expect(run.approval.approvals).toEqual([
      expect.objectContaining({ by: 'carol', comment: 'checked' }),
    ]);
    expect((await lead.run(['approve', id], remote)).code).not.toBe(0);
  });

  it('execute waits for approval, then streams the output', async () => {
    const waiting = requester.start(
      ['execute', 'RestartPayments.md', '-e', 'TARGET_HOST=pay-4'],
      remote,
    );
    await waitUntil(
      () => /needs 1 approval/.test(waiting.stderr),
      `the waiting note:\n${waiting.stderr}`,
      60_000,
    );
    const id = /Run ([0-9a-f-]{36})/.exec(waiting.stderr)?.[1] ?? '';
    expect((await lead.run(['approve', id], remote)).code).toBe(0);
    const result = await waiting.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Restarting payments on pay-4');
  });

  it('reject needs --reason; a rejected request ends a waiting execute with exit 1', async () => {
    const waiting = requester.start(
      ['execute', 'RestartPayments.md', '-e', 'TARGET_HOST=pay-5'],
      remote,
    );
    await waitUntil(
      () => /needs 1 approval/.test(waiting.stderr),
      `the waiting note:\n${waiting.stderr}`,
      60_000,
    );
    const id = /Run ([0-9a-f-]{36})/.exec(waiting.stderr)?.[1] ?? '';
    const noReason = await lead.run(['reject', id], remote);
    expect(noReason.code).toBe(64);
    const rejected = await lead.run(['reject', id, '--reason', 'not during the freeze'], remote);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain('rejected');
    const result = await waiting.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('was rejected by carol: not during the freeze');
  });

  it('a local run of a gated runbook is refused: only a server collects approvals', async () => {
    const local = await requester.run(['execute', 'RestartPayments.md', '-e', 'TARGET_HOST=pay-1']);
    expect(local.code).not.toBe(0);
    expect(local.stderr).toContain('has an Approval section');
  });
});
