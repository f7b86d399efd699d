import { parseRunbook } from './parse-runbook';
import { validateRunbook } from './validate-runbook';

const FENCE = '```';

function runbookWith(
  schedule: string,
  env = 'TARGET_ENV:\n  type: string\n  enum: [staging, prod]',
): string {
  return [
    '# R',
    '# Environment Requirements',
    `${FENCE}yaml\n${env}\n${FENCE}`,
    '# File System Requirements',
    `${FENCE}yaml\nInput: []\n${FENCE}`,
    '# Schedule',
    `${FENCE}yaml\n${schedule}\n${FENCE}`,
    '# Script',
    `${FENCE}sh\necho hi\n${FENCE}`,
    '# History',
    '',
  ].join('\n');
}

function parsed(schedule: string, env?: string) {
  const { runbook, diagnostics } = parseRunbook(runbookWith(schedule, env), { filename: 'R.md' });
  return { runbook, diagnostics, validation: validateRunbook(runbook) };
}

describe('Schedule section', () => {
  it('reads every setting, with defaults for the optional ones', () => {
    const { runbook, validation } = parsed("cron: '*/2 * * * * *'\nenv:\n  TARGET_ENV: staging");
    expect(runbook.schedule).toEqual({
      cron: '*/2 * * * * *',
      timezone: 'UTC',
      env: { TARGET_ENV: 'staging' },
      overlap: 'skip',
      missed: 'run_once',
      catchUpWindowMs: 3_600_000,
      enabled: true,
      line: 12,
    });
    expect(validation.errors.filter((error) => error.includes('Schedule'))).toEqual([]);
  });

  it('reads aliases, time zones and policies', () => {
    const { runbook } = parsed(
      "cron: '@daily'\ntimezone: Europe/Paris\noverlap: queue\nmissed: skip\ncatch_up_window: 2d\nenabled: false",
    );
    expect(runbook.schedule).toMatchObject({
      cron: '@daily',
      timezone: 'Europe/Paris',
      overlap: 'queue',
      missed: 'skip',
      catchUpWindowMs: 2 * 86_400_000,
      enabled: false,
    });
  });

  it.each([
    ["cron: '61 * * * *'", 'Invalid value for minute'],
    ["cron: '* * * * * * 2030'", 'has 7 fields'],
    ["cron: 'every day'", 'has 2 fields'],
    ["cron: '0 0 31 2 *'", 'never fires'],
    ['timezone: UTC', 'cron is required'],
    ["cron: '@daily'\ntimezone: Mars/Olympus", "unknown time zone 'Mars/Olympus'"],
    ["cron: '@daily'\noverlap: sometimes", 'overlap must be one of skip, queue, allow'],
    ["cron: '@daily'\nmissed: all", 'missed must be one of skip, run_once'],
    ["cron: '@daily'\ncatch_up_window: 1 hour", 'catch_up_window must be a duration'],
    ["cron: '@daily'\nenabled: yes", 'enabled must be true or false'],
    ["cron: '@daily'\ncronn: '@hourly'", "unknown setting 'cronn'"],
    ["cron: '@daily'\nenv: [A]", 'env must be a mapping'],
    ['- just a list', 'must be a mapping'],
    ["cron: '@daily\n", 'invalid YAML'],
  ])('fails closed on %j', (yaml, message) => {
    const { runbook, diagnostics, validation } = parsed(yaml);
    expect(runbook.schedule).toBeNull();
    expect(diagnostics.map((d) => d.message).join('\n')).toContain(message);
    expect(validation.valid).toBe(false);
    expect(validation.errors.join('\n')).toContain(message);
  });

  it('fails validation when env values break the typed inputs or are not declared', () => {
    const wrong = parsed("cron: '@daily'\nenv:\n  TARGET_ENV: qa");
    expect(wrong.runbook.schedule).not.toBeNull();
    expect(wrong.validation.valid).toBe(false);
    expect(wrong.validation.errors.join('\n')).toMatch(/^Schedule: .*TARGET_ENV/m);
    const undeclared = parsed("cron: '@daily'\nenv:\n  OTHER: x");
    expect(undeclared.validation.errors).toContain(
      'Schedule: env sets OTHER, which Environment Requirements does not declare',
    );
  });

  it('refuses literal secrets and server-provided values in env', () => {
    const env = 'TOKEN:\n  secret: true\nKEY:\n  from: env:DEPLOY_KEY';
    const { validation } = parsed("cron: '@daily'\nenv:\n  TOKEN: abcdefghijklmnop\n  KEY: x", env);
    expect(validation.errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining('env sets the secret TOKEN'),
        expect.stringContaining('env sets KEY, which the server provides'),
      ]),
    );
  });

  it('an empty section or one without YAML never fires', () => {
    const text = runbookWith('x').replace(/# Schedule\n```yaml\nx\n```/, '# Schedule\nevery day');
    const { runbook } = parseRunbook(text);
    expect(runbook.schedule).toBeNull();
    expect(validateRunbook(runbook).errors).toContain(
      'Schedule: the section must contain a YAML code block',
    );
  });

  it('a second Schedule section is an error', () => {
    const text = runbookWith("cron: '@daily'").replace(
      '# Script',
      "# Schedule\n```yaml\ncron: '@hourly'\n```\n# Script",
    );
    expect(validateRunbook(parseRunbook(text).runbook).errors).toContain(
      "Section 'Schedule' appears more than once: keep exactly one",
    );
  });
});
