import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ApiProcess } from './support/api-process';
import { Sandbox } from './support/sandbox';
import { waitUntil } from './support/wait-until';

interface ScheduleJson {
  runbook: string;
  cron: string | null;
  timezone: string | null;
  enabled: boolean;
  next_fire_at: string | null;
  last_fire_at: string | null;
  last_status: string | null;
  authorized: boolean;
  error: string | null;
}

const FENCE = '```';

function scheduled(name: string, schedule: string): string {
  return [
    `# ${name}`,
    'Scheduled under test.',
    '# Environment Requirements',
    `${FENCE}yaml\n${FENCE}`,
    '# File System Requirements',
    `${FENCE}yaml\nInput: []\n${FENCE}`,
    '# Schedule',
    `${FENCE}yaml\n${schedule}\n${FENCE}`,
    '# Script',
    `${FENCE}sh\necho tick\n${FENCE}`,
    '# History',
    '',
  ].join('\n');
}

describe('runbook schedules (built binary)', () => {
  let box: Sandbox;

  beforeAll(() => {
    box = new Sandbox();
  });
  afterAll(() => {
    box?.remove();
  });

  it('locally: lists the folder’s schedules with their next fire (the sample is in Paris time)', async () => {
    const listed = await box.run(['--local', 'schedules']);
    expect(listed).toMatchObject({ code: 0 });
    expect(listed.stdout).toMatch(/NightlyDiskReport\.md\s+15 3 \* \* \*\s+Europe\/Paris/);
    const json = JSON.parse((await box.run(['--local', 'schedules', '--json'])).stdout) as {
      data: ScheduleJson[];
    };
    expect(json.data.map((s) => s.runbook)).toEqual(['NightlyDiskReport.md']);
    expect(json.data[0]).toMatchObject({
      cron: '15 3 * * *',
      timezone: 'Europe/Paris',
      enabled: true,
      error: null,
    });
    expect(json.data[0]?.next_fire_at).toMatch(/T0[12]:15:00\.000Z$/);
  });

  it('locally: an invalid schedule exits 1 and says why', async () => {
    writeFileSync(join(box.runbooks, 'Broken.md'), scheduled('Broken', "cron: '* * *'"));
    const listed = await box.run(['--local', 'schedules']);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain(
      "Broken.md: Schedule: cron '* * *' has 3 fields: write 5 (minute hour day month weekday) or 6 (seconds first)",
    );
  });

  describe('remote', () => {
    let api: ApiProcess;
    let remote: Record<string, string>;

    beforeAll(async () => {
      api = await ApiProcess.start({ SCHEDULER_CLAIMS: '{"roles":["ops"]}' });
      writeFileSync(join(api.runbooks, 'Tick.md'), scheduled('Tick', "cron: '*/2 * * * * *'"));
      remote = { RUNBOOK_API_URL: api.url };
      expect(
        (await box.run(['login', '--subject', 'alice', '--roles', 'sre,admin'], remote)).code,
      ).toBe(0);
    });
    afterAll(async () => {
      await api?.stop();
    });

    it('shows the last fire and its status, and whether the scheduler may run each runbook', async () => {
      let schedules: ScheduleJson[] = [];
      await waitUntil(
        async () => {
          const shown = await box.run(['schedules', '--json'], remote);
          schedules = (JSON.parse(shown.stdout) as { data: ScheduleJson[] }).data;
          return schedules.some((s) => s.runbook === 'Tick.md' && s.last_status === 'success');
        },
        'a successful fire of Tick.md',
        30_000,
        500,
      );
      expect(schedules.find((s) => s.runbook === 'Tick.md')).toMatchObject({ authorized: true });
      // The sample asks for sre; the scheduler only holds ops.
      expect(schedules.find((s) => s.runbook === 'NightlyDiskReport.md')).toMatchObject({
        authorized: false,
        error: null,
      });
      const table = await box.run(['schedules'], remote);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(
        /Tick\.md\s+\*\/2 \* \* \* \* \*\s+UTC\s+\S+ \S+\s+\S+ \S+\s+success\s+yes/,
      );
      expect(table.stdout).toMatch(/NightlyDiskReport\.md .* no\s*$/m);
    });
  });
});
