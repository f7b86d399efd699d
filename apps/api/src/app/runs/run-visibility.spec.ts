import { rmSync } from 'node:fs';
import { join } from 'node:path';

import type { Run, RunStore } from '@runbooks/history';

import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { AppError } from '../errors/app-error';
import { RUN_STORE } from '../history/run-store.provider';
import { callerOf, gatedRunbook } from '../../testing/approval-callers';
import { RunsTestApp, eventually, runbookText } from '../../testing/runs-test-app';
import { RunSubmission } from './run-submission.service';
import { RunVisibility } from './run-visibility.service';

const SRE_ONLY = '# Required Claims\n```yaml\nroles: [sre]\n```\n';
const RUNBOOKS = {
  'Ops.md': runbookText('Ops', 'echo ops', SRE_ONLY),
  'OpsGated.md': gatedRunbook('OpsGated', 'approvers:\n  roles: [lead]', SRE_ONLY),
  'Gone.md': gatedRunbook('Gone', 'approvers:\n  roles: [lead]', SRE_ONLY),
};

const ALICE = callerOf('alice', ['sre']);
const SAM = callerOf('sam', ['sre']);
const BOB = callerOf('bob', ['lead']);
const EVE = callerOf('eve', ['guest']);
const ROOT = callerOf('root', ['admin']);

describe('RunVisibility (embedded, SQLite)', () => {
  let app: RunsTestApp;
  let store: RunStore;
  let visibility: RunVisibility;
  let opsRun: Run;
  let gatedRun: Run;

  beforeAll(async () => {
    app = await RunsTestApp.start(RUNBOOKS, { ALLOW_UNSANDBOXED: 'true' });
    store = app.get<RunStore>(RUN_STORE);
    visibility = app.get(RunVisibility);
    const ops = await app.get(RunSubmission).submit(app.command('Ops.md', ALICE));
    await ops.result();
    opsRun = (await store.get(ops.run.id)) as Run;
    gatedRun = (await app.get(RunSubmission).submit(app.command('OpsGated.md', ALICE))).run;
  });
  afterAll(() => app.stop());

  it('shows a run to callers who satisfy its Required Claims, hides it from others as 404', async () => {
    expect(await visibility.visibleRun(opsRun.id, ALICE)).toMatchObject({ id: opsRun.id });
    // Not only the requester: anyone who may run the runbook.
    expect(await visibility.canSee(opsRun, SAM)).toBe(true);
    expect(await visibility.canSee(opsRun, EVE)).toBe(false);
    const hidden = visibility.visibleRun(opsRun.id, EVE);
    await expect(hidden).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(hidden).rejects.toThrow(`Run not found: ${opsRun.id}`);
    // An unknown run looks exactly like a hidden one.
    await expect(visibility.visibleRun('no-such-run', ALICE)).rejects.toThrow(
      'Run not found: no-such-run',
    );
  });

  it('shows runs of a gated runbook to its approvers, who lack the Required Claims', async () => {
    expect(gatedRun.status).toBe('pending_approval');
    expect(await visibility.canSee(gatedRun, BOB)).toBe(true);
    expect(await visibility.visibleRun(gatedRun.id, BOB)).toMatchObject({ id: gatedRun.id });
    // Approver claims of one runbook open only that runbook's runs.
    expect(await visibility.canSee(opsRun, BOB)).toBe(false);
    expect(await visibility.canSee(gatedRun, EVE)).toBe(false);
  });

  it('shows a run to the approvers recorded on its gate even once the runbook is gone', async () => {
    const gone = (await app.get(RunSubmission).submit(app.command('Gone.md', ALICE))).run;
    rmSync(join(app.config.runbooksDir, 'Gone.md'));
    const catalog = app.get(RunbookCatalog);
    await eventually(
      async () =>
        catalog.get('Gone.md').then(
          () => false,
          () => true,
        ),
      'the catalog to lose Gone.md',
    );
    expect(await visibility.canSee(gone, BOB)).toBe(true);
    // Without the runbook, its Required Claims open nothing: only the gate and admins remain.
    expect(await visibility.canSee(gone, ALICE)).toBe(false);
    expect(await visibility.canSee(gone, ROOT)).toBe(true);
    // A run without a gate of a missing runbook: admins only.
    const orphan = { ...gone, approval: null };
    expect(await visibility.canSee(orphan, BOB)).toBe(false);
  });

  it('shows every run to admins (ADMIN_REQUIRED_CLAIMS)', async () => {
    expect(visibility.isAdmin(ROOT)).toBe(true);
    expect(visibility.isAdmin(ALICE)).toBe(false);
    for (const run of [opsRun, gatedRun])
      expect(await visibility.visibleRun(run.id, ROOT)).toMatchObject({ id: run.id });
  });

  it('remembers the runbook-level answer in the per-request cache', async () => {
    const cache = new Map<string, boolean>();
    expect(await visibility.canSee(opsRun, EVE, cache)).toBe(false);
    expect(cache.get('Ops.md')).toBe(false);
    expect(await visibility.canSee(opsRun, ALICE, new Map([['Ops.md', false]]))).toBe(false);
  });

  it('lets only the requester or an admin cancel a run (403 names the requester)', () => {
    expect(() => visibility.assertMayCancel(opsRun, ALICE)).not.toThrow();
    expect(() => visibility.assertMayCancel(opsRun, ROOT)).not.toThrow();
    let refusal: unknown = null;
    try {
      visibility.assertMayCancel(opsRun, SAM);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ code: 'FORBIDDEN' });
    expect((refusal as AppError).message).toMatch(/\(alice\) or an admin/);
  });

  it('checks approver claims against the token', () => {
    expect(visibility.isApprover({ roles: ['lead', 'sre'] }, ALICE)).toBe(true);
    expect(visibility.isApprover({ roles: ['lead'] }, ALICE)).toBe(false);
    expect(visibility.isApprover({ roles: ['lead'], team: ['ops'] }, BOB)).toBe(false);
  });
});
