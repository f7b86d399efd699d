import type { RunStore } from '@runbooks/history';

import { RUN_STORE } from '../history/run-store.provider';
import { RunsTestApp, runbookText } from '../../testing/runs-test-app';
import { AppError } from '../errors/app-error';
import { RunSubmission } from './run-submission.service';

const NEEDS_VAR = runbookText('NeedsVar', 'echo "$TARGET"').replace(
  '# Environment Requirements\n```yaml\n',
  '# Environment Requirements\n```yaml\nTARGET: Where to go\n',
);
const RESTRICTED = runbookText(
  'Restricted',
  'echo secret',
  '# Required Claims\n```yaml\nroles: [admin]\n```\n',
);

describe('RunSubmission (embedded ports, SQLite, real zsh)', () => {
  let app: RunsTestApp;
  let store: RunStore;
  let submission: RunSubmission;

  beforeAll(async () => {
    app = await RunsTestApp.start(
      { 'NeedsVar.md': NEEDS_VAR, 'Restricted.md': RESTRICTED },
      { ALLOW_UNSANDBOXED: 'true' },
    );
    store = app.get<RunStore>(RUN_STORE);
    submission = app.get(RunSubmission);
  });
  afterAll(() => app.stop());

  it('settles a request that fails validation at once: failure, messages, stored output', async () => {
    const submitted = await submission.submit(app.command('NeedsVar.md'));
    expect(submitted.run.status).toBe('failure');
    const result = await submitted.result();
    expect(result.success).toBe(false);
    expect(result.return_code).toBe(1);
    expect(result.errors.join('\n')).toMatch(/TARGET/);
    const output = await store.readOutput(submitted.run.id);
    expect(output.map((line) => line.data).join('\n')).toMatch(/TARGET/);
  });

  it('runs a valid request with only declared variables reaching the script', async () => {
    const submitted = await submission.submit(
      app.command('NeedsVar.md', {}, { TARGET: 'prod', UNDECLARED: 'x' }),
    );
    const result = await submitted.result();
    expect(result).toMatchObject({ success: true, stdout: 'prod\n' });
    expect(result.warnings.join('\n')).toMatch(/UNDECLARED/);
  });

  it('refuses a caller without the required claims (403) and records the run as denied', async () => {
    const before = (await store.list({ runbook: 'Restricted.md' })).items.length;
    const attempt = submission.submit(app.command('Restricted.md'));
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const runs = (await store.list({ runbook: 'Restricted.md' })).items;
    expect(runs).toHaveLength(before + 1);
    expect(runs[0]).toMatchObject({ status: 'denied', returnCode: 403 });
  });

  it('blocks a recursion loop before it runs', async () => {
    const command = app.command('NeedsVar.md', {}, { TARGET: 'x' });
    command.recursionHeader = JSON.stringify(['NeedsVar.md']);
    const submitted = await submission.submit(command);
    const result = await submitted.result();
    expect(result.success).toBe(false);
    expect(result.errors.join('\n')).toMatch(/[Rr]ecursion/);
  });

  it('refuses new runs once shutting down (503)', async () => {
    const other = await RunsTestApp.start(
      { 'NeedsVar.md': NEEDS_VAR },
      { ALLOW_UNSANDBOXED: 'true' },
    );
    try {
      other.get(RunSubmission).stopAccepting();
      await expect(
        other.get(RunSubmission).submit(other.command('NeedsVar.md')),
      ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await other.stop();
    }
  });
});
