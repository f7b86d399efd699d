import type { Kysely, Transaction } from 'kysely';
import { insertEvent } from './run-event-payload';
import { rowToRun, type RunRow } from './run-row';
import type { WaitingRun } from './run-store';
import type { RunDatabase } from './run-store-schema';
import { decideSlotLine, type SlotLineRun, type SlotStanding } from './slot-line';

/** A queued or running run with slots, as read under the slots lock. */
interface ActiveSlotRun extends SlotLineRun {
  waitingFor: string | null;
  queuePosition: number | null;
  recursionStack: string[];
  runbook: string;
  attempt: number;
}

/** How a store writes inside a slot decision (its outbox setting and clock). */
export interface SlotDecisionContext {
  outbox: boolean;
  now: string;
}

/** Every queued or running run holding or waiting for slots (few: only unfinished ones). */
async function readActive(trx: Transaction<RunDatabase>): Promise<ActiveSlotRun[]> {
  const rows = await trx
    .selectFrom('runs')
    .selectAll()
    .where('status', 'in', ['queued', 'running'])
    .where('slots', 'is not', null)
    .execute();
  return rows.map((row) => {
    const run = rowToRun(row);
    return {
      id: run.id,
      status: run.status === 'running' ? 'running' : 'queued',
      createdAt: run.createdAt,
      slots: run.slots,
      waitingFor: run.waitingFor,
      queuePosition: run.queuePosition,
      recursionStack: run.recursionStack,
      runbook: run.runbook,
      attempt: run.attempt,
    };
  });
}

/** Records each queued run's standing where it changed (with its event when the outbox is on). */
async function writeStandings(
  trx: Transaction<RunDatabase>,
  active: readonly ActiveSlotRun[],
  line: Map<string, SlotStanding>,
  context: SlotDecisionContext,
): Promise<void> {
  for (const run of active) {
    const standing = line.get(run.id);
    if (!standing) continue;
    if (standing.waitingFor === run.waitingFor && standing.queuePosition === run.queuePosition)
      continue;
    // Free of its slots, but waiting for something else noted on it (the server-wide limit).
    if (standing.waitingFor === null && run.queuePosition === null) continue;
    const row = await trx
      .updateTable('runs')
      .set({
        waiting_for: standing.waitingFor,
        queue_position: standing.queuePosition,
        updated_at: context.now,
      })
      .set((eb) => ({ event_seq: eb('event_seq', '+', 1) }))
      .where('id', '=', run.id)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    if (row && context.outbox) await insertEvent(trx, 'update', row, context.now);
  }
}

/**
 * The waiting line, decided in one transaction after `lock` (which serializes every slot
 * decision: PostgreSQL takes an advisory transaction lock, SQLite has one writer). With `claim`,
 * the run is taken (`running`) only when the line lets it start; the standings of the other
 * queued runs are then recorded as the claim left them.
 */
export async function decideSlots(
  db: Kysely<RunDatabase>,
  lock: (trx: Transaction<RunDatabase>) => Promise<void>,
  context: SlotDecisionContext,
  claim?: { id: string; workerId: string },
): Promise<{ claimed: RunRow | null; waiting: WaitingRun[] }> {
  return db.transaction().execute(async (trx) => {
    await lock(trx);
    const active = await readActive(trx);
    let line = decideSlotLine(active);
    let claimed: RunRow | null = null;
    const target = claim ? active.find((run) => run.id === claim.id) : undefined;
    if (claim && target && line.get(target.id)?.waitingFor === null) {
      claimed =
        (await trx
          .updateTable('runs')
          .set((eb) => ({
            status: 'running',
            attempt: eb('attempt', '+', 1),
            event_seq: eb('event_seq', '+', 1),
            worker_id: claim.workerId,
            heartbeat_at: context.now,
            started_at: context.now,
            updated_at: context.now,
            waiting_for: null,
            queue_position: null,
          }))
          .where('id', '=', target.id)
          .where('status', '=', 'queued')
          .returningAll()
          .executeTakeFirst()) ?? null;
      if (claimed) {
        if (context.outbox) await insertEvent(trx, 'update', claimed, context.now);
        target.status = 'running';
        line = decideSlotLine(active);
      }
    }
    await writeStandings(trx, active, line, context);
    const waiting = active
      .filter((run) => run.status === 'queued')
      .map((run) => ({
        id: run.id,
        runbook: run.runbook,
        attempt: run.attempt,
        waitingFor: line.get(run.id)?.waitingFor ?? null,
        queuePosition: line.get(run.id)?.queuePosition ?? null,
        recursionStack: run.recursionStack,
      }));
    return { claimed, waiting };
  });
}
