import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { checkSchedule, parseRunbook, validateRunbook } from '@runbooks/runbook-format';

const SAMPLE = resolve(__dirname, '../../../../../samples/runbooks/NightlyDiskReport.md');

describe('the sample scheduled runbook', () => {
  it('NightlyDiskReport.md has a valid schedule whose env passes the typed declarations', () => {
    const { runbook } = parseRunbook(readFileSync(SAMPLE, 'utf8'), {
      filename: 'NightlyDiskReport.md',
    });
    expect(runbook.schedule).toMatchObject({
      cron: '15 3 * * *',
      timezone: 'Europe/Paris',
      env: { THRESHOLD_PERCENT: '90' },
      overlap: 'skip',
      missed: 'skip',
      enabled: true,
    });
    expect(checkSchedule(runbook)).toEqual([]);
    expect(validateRunbook(runbook, { env: runbook.schedule?.env ?? {} })).toMatchObject({
      valid: true,
      errors: [],
    });
  });
});
