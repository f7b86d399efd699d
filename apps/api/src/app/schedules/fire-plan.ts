import type { RunbookSchedule } from '@runbooks/runbook-format';
import { Cron } from 'croner';

/** A fire that fell due less than this before it is handled is on time, not missed. */
export const ON_TIME_GRACE_MS = 5_000;
/**
 * A fire that fell due while this scheduler was already up is late, not missed, when it is
 * handled within this time (a busy machine delays ticks); later than that it counts as missed.
 */
export const LATE_LIMIT_MS = 60_000;
/** Most missed fires recorded one by one per catch-up; older ones are counted in a note. */
export const MAX_RECORDED_MISSED = 200;
/** Most fire times enumerated in one catch-up (a 1-second cron down for a day is 86 400). */
const MAX_ENUMERATED = 100_000;

/** What to do with one fire time. */
export type FireKind = 'on_time' | 'catch_up' | 'missed';

/** One fire time to record, in order. */
export interface PlannedFire {
  at: Date;
  kind: FireKind;
}

/** The fires due in (`after`, `now`] and how each is handled; `unrecorded` older missed fires. */
export interface FirePlan {
  fires: PlannedFire[];
  /** Missed fires too old to be recorded one by one (counted in the oldest recorded one's note). */
  unrecorded: number;
}

/** A compiled schedule: its fire times in its time zone (croner). */
export function cronOf(schedule: Pick<RunbookSchedule, 'cron' | 'timezone'>): Cron {
  return new Cron(schedule.cron, {
    timezone: schedule.timezone,
    paused: true,
    mode: '5-or-6-parts',
  });
}

/** The first fire strictly after `after`, or null. */
export function nextFireAfter(cron: Cron, after: Date): Date | null {
  return cron.nextRun(after);
}

/**
 * Plans the fires after `after` up to `now`. A fire less than {@link ON_TIME_GRACE_MS} old is
 * on time, and so is one that fell due after this scheduler came up (`upSince`, less the grace)
 * and is at most {@link LATE_LIMIT_MS} late. Other ones were missed (no scheduler was up): with
 * `run_once` the latest missed fire within `catch_up_window` runs (marked missed), every other one
 * is recorded as skipped.
 */
export function planFires(
  schedule: RunbookSchedule,
  cron: Cron,
  after: Date,
  now: Date,
  upSince: Date = now,
): FirePlan {
  const times: Date[] = [];
  let cursor: Date | null = after;
  let enumerated = 0;
  let unrecorded = 0;
  while (enumerated < MAX_ENUMERATED) {
    cursor = cursor === null ? null : cron.nextRun(cursor);
    if (cursor === null || cursor.getTime() > now.getTime()) break;
    times.push(cursor);
    enumerated += 1;
    if (times.length > MAX_RECORDED_MISSED + 50) {
      unrecorded += times.length - MAX_RECORDED_MISSED;
      times.splice(0, times.length - MAX_RECORDED_MISSED);
    }
  }
  const nowMs = now.getTime();
  const upFromMs = upSince.getTime() - ON_TIME_GRACE_MS;
  const onTime = (at: Date): boolean =>
    nowMs - at.getTime() < ON_TIME_GRACE_MS ||
    (at.getTime() >= upFromMs && nowMs - at.getTime() < LATE_LIMIT_MS);
  const missed = times.filter((at) => !onTime(at));
  const latestMissed = missed[missed.length - 1];
  const catchUp =
    schedule.missed === 'run_once' &&
    latestMissed !== undefined &&
    nowMs - latestMissed.getTime() <= schedule.catchUpWindowMs
      ? latestMissed
      : null;
  const fires = times.map((at): PlannedFire => {
    if (onTime(at)) return { at, kind: 'on_time' };
    return { at, kind: at === catchUp ? 'catch_up' : 'missed' };
  });
  if (fires.length > MAX_RECORDED_MISSED) {
    unrecorded += fires.length - MAX_RECORDED_MISSED;
    fires.splice(0, fires.length - MAX_RECORDED_MISSED);
  }
  return { fires, unrecorded };
}
