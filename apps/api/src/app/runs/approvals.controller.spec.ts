import type { RunStore } from '@runbooks/history';
import type { Request } from 'express';

import { AppError } from '../errors/app-error';
import { RUN_STORE } from '../history/run-store.provider';
import { callerOf, gatedRunbook } from '../../testing/approval-callers';
import { RunsTestApp } from '../../testing/runs-test-app';
import { ApprovalsController } from './approvals.controller';
import { RunSubmission } from './run-submission.service';

const ALICE = callerOf('alice', ['sre']);
const BOB = callerOf('bob', ['lead']);

/** The parts of an Express request the list handler reads. */
const withQuery = (query: Record<string, string>) => ({ query }) as unknown as Request;

describe('ApprovalsController (embedded, SQLite)', () => {
  let app: RunsTestApp;
  let store: RunStore;
  let controller: ApprovalsController;

  beforeAll(async () => {
    app = await RunsTestApp.start(
      { 'Gated.md': gatedRunbook('Gated', 'approvers:\n  roles: [lead]\ncount: 2') },
      { ALLOW_UNSANDBOXED: 'true' },
    );
    store = app.get<RunStore>(RUN_STORE);
    controller = app.get(ApprovalsController);
  });
  afterAll(() => app.stop());

  const pending = async () =>
    (await app.get(RunSubmission).submit(app.command('Gated.md', ALICE))).run;

  async function badRequest(attempt: Promise<unknown>, message: RegExp): Promise<void> {
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(attempt).rejects.toThrow(message);
  }

  it('refuses a rejection without a usable reason (400) and leaves the run pending', async () => {
    const run = await pending();
    await badRequest(controller.reject(run.id, undefined, BOB), /reason is required/);
    await badRequest(controller.reject(run.id, {}, BOB), /reason is required/);
    await badRequest(controller.reject(run.id, [], BOB), /reason is required/);
    await badRequest(controller.reject(run.id, { reason: '   ' }, BOB), /1-500 characters/);
    await badRequest(controller.reject(run.id, { reason: 42 }, BOB), /must be a string/);
    await badRequest(
      controller.reject(run.id, { reason: 'x'.repeat(501) }, BOB),
      /reason must be 1-500/,
    );
    expect((await store.get(run.id))?.status).toBe('pending_approval');
    const rejected = await controller.reject(run.id, { reason: '  freeze  ' }, BOB);
    expect(rejected).toMatchObject({ id: run.id, status: 'rejected' });
    expect((await store.get(run.id))?.approval).toMatchObject({
      rejected_by: 'bob',
      reason: 'freeze',
    });
  });

  it('takes an optional comment on approval: trimmed, blank is none, too long or not text is 400', async () => {
    const run = await pending();
    await badRequest(controller.approve(run.id, { comment: ['x'] }, BOB), /must be a string/);
    await badRequest(controller.approve(run.id, { comment: 'y'.repeat(501) }, BOB), /1-500/);
    expect((await store.get(run.id))?.approval?.approvals).toEqual([]);
    const approved = await controller.approve(run.id, { comment: '   ' }, BOB);
    expect(approved).toMatchObject({ id: run.id, status: 'pending_approval' });
    expect((await store.get(run.id))?.approval?.approvals[0]).toMatchObject({
      by: 'bob',
      comment: null,
    });
    const other = await pending();
    await controller.approve(other.id, { comment: ' ok ' }, BOB);
    expect((await store.get(other.id))?.approval?.approvals[0]?.comment).toBe('ok');
  });

  it('lists a page of approvals with a link to the next one; a bad limit is 400', async () => {
    await pending();
    await pending();
    for (const limit of ['0', '501', 'ten', '1.5', '-1'])
      await badRequest(controller.list(BOB, withQuery({ limit })), /limit must be 1 to 500/);
    const first = await controller.list(BOB, withQuery({ limit: '1' }));
    expect(first.data).toHaveLength(1);
    expect(first.links.next).toMatch(/^\/api\/approvals\?limit=1&cursor=/);
    const cursor = new URL(first.links.next ?? '', 'http://x').searchParams.get('cursor') ?? '';
    const second = await controller.list(BOB, withQuery({ limit: '1', cursor }));
    expect(second.data).toHaveLength(1);
    expect(second.data[0]?.id).not.toBe(first.data[0]?.id);
    const all = await controller.list(BOB, withQuery({}));
    expect(all.data.length).toBeGreaterThanOrEqual(2);
    expect(all.links.next).toBeNull();
    expect(all.data.every((run) => run.status === 'pending_approval')).toBe(true);
  });
});
