import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ApiProcess } from './support/api-process';
import { Sandbox } from './support/sandbox';
import { waitUntil } from './support/wait-until';

const HOLD = [
  '# Hold',
  'Holds the lock cli-hold for a while.',
  '# Environment Requirements',
  '```yaml',
  '{}',
  '```',
  '# File System Requirements',
  '```yaml',
  'Input: []',
  '```',
  '# Concurrency',
  '```yaml',
  'locks: [cli-hold]',
  '```',
  '# Script',
  '```sh',
  'sleep 30',
  '```',
  '# History',
  '',
].join('\n');

const GATE = HOLD.replace('# Hold', '# Gate').replace(
  'locks: [cli-hold]',
  'locks: [cli-hold]\non_limit: reject',
);

describe('runbook runs/logs/execute with Concurrency limits and locks (remote)', () => {
  let api: ApiProcess;
  let box: Sandbox;
  let remote: Record<string, string>;

  beforeAll(async () => {
    api = await ApiProcess.start();
    writeFileSync(join(api.runbooks, 'Hold.md'), HOLD);
    writeFileSync(join(api.runbooks, 'Gate.md'), GATE);
    box = new Sandbox();
    remote = { RUNBOOK_API_URL: api.url };
    expect(
      (await box.run(['login', '--subject', 'alice', '--roles', 'sre,admin'], remote)).code,
    ).toBe(0);
  });
  afterAll(async () => {
    box?.remove();
    await api?.stop();
  });

  it('shows what a queued run waits for, and a refused execute exits non-zero with the reason', async () => {
    const first = (await box.run(['execute', 'Hold', '--detach'], remote)).stdout.trim();
    const second = (await box.run(['execute', 'Hold', '--detach'], remote)).stdout.trim();
    expect(second).toMatch(/^[0-9a-f-]{36}$/);
    await waitUntil(async () => {
      const listed = JSON.parse((await box.run(['runs', '--json'], remote)).stdout) as {
        data: { id: string; status: string; waiting_for: string | null }[];
      };
      return listed.data.find((run) => run.id === first)?.status === 'running';
    }, 'the first run to hold the lock');

    const table = await box.run(['runs', '--runbook', 'Hold'], remote);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/WAITING FOR\n/);
    expect(table.stdout).toContain(`#1 lock cli-hold, held by run ${first}`);

    const logs = await box.run(['logs', second], remote);
    expect(logs.code).toBe(0);
    expect(logs.stderr).toContain(
      `Run ${second} waits for lock cli-hold, held by run ${first} (position 1 in line).`,
    );

    const refused = await box.run(['execute', 'Gate'], remote);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `Refused: lock cli-hold, held by run ${first} (on_limit: reject)`,
    );
    const skipped = await box.run(
      ['runs', '--runbook', 'Gate', '--status', 'skipped', '--json'],
      remote,
    );
    expect((JSON.parse(skipped.stdout) as { data: unknown[] }).data).toHaveLength(1);

    for (const id of [second, first]) expect((await box.run(['cancel', id], remote)).code).toBe(0);
  });

  it('runs the sample DatabaseBackup locally, warning that only a server enforces its lock', async () => {
    const local = new Sandbox();
    try {
      const result = await local.run(['execute', 'DatabaseBackup', '-e', 'TARGET_ENV=staging'], {});
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Backing up the staging database (holding lock prod-db)');
      expect(result.stderr).toContain(
        'Concurrency limits and locks are enforced by a server; this local run does not wait for them',
      );
    } finally {
      local.remove();
    }
  });
});
