import type { RunSlot } from './run-store';

/** A queued or running run with slots, as the waiting line needs it. */
export interface SlotLineRun {
  id: string;
  status: 'queued' | 'running';
  createdAt: string;
  slots: readonly RunSlot[];
}

/** Where a queued run stands: free to start (both null) or what it waits for. */
export interface SlotStanding {
  waitingFor: string | null;
  queuePosition: number | null;
}

function requestOrder(a: SlotLineRun, b: SlotLineRun): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function heldBy(holders: readonly string[]): string {
  return holders.length === 1 ? `run ${holders[0]}` : `runs ${holders.join(', ')}`;
}

/**
 * Decides the waiting line of every queued run: in request order, a run may start only when, for
 * each of its slots, the runs holding it (running) plus the queued runs requested before it that
 * need it stay under the slot's limit. Strictly first come, first served per slot, so a run
 * needing a busy lock never lets a later one pass it on that lock. A blocked run waits for its
 * first full slot; its position counts the waiting runs ahead of it there (1 = next).
 */
export function decideSlotLine(runs: readonly SlotLineRun[]): Map<string, SlotStanding> {
  const holders = new Map<string, string[]>();
  const ahead = new Map<string, string[]>();
  const standings = new Map<string, SlotStanding>();
  const blocked = new Set<string>();
  const ordered = [...runs].sort(requestOrder);
  for (const run of ordered) {
    if (run.status !== 'running') continue;
    for (const slot of run.slots) holders.set(slot.key, [...(holders.get(slot.key) ?? []), run.id]);
  }
  for (const run of ordered) {
    if (run.status !== 'queued') continue;
    let standing: SlotStanding = { waitingFor: null, queuePosition: null };
    for (const slot of run.slots) {
      const holding = holders.get(slot.key) ?? [];
      const before = ahead.get(slot.key) ?? [];
      if (holding.length + before.length < slot.limit) continue;
      const why =
        holding.length > 0 ? `held by ${heldBy(holding)}` : `next in line: run ${before[0] ?? ''}`;
      // Runs ahead that may start now are not waiting: only the waiting ones count.
      const waitingAhead = before.filter((id) => blocked.has(id)).length;
      standing = { waitingFor: `${slot.label}, ${why}`, queuePosition: waitingAhead + 1 };
      blocked.add(run.id);
      break;
    }
    standings.set(run.id, standing);
    for (const slot of run.slots) ahead.set(slot.key, [...(ahead.get(slot.key) ?? []), run.id]);
  }
  return standings;
}
