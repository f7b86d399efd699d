import type { RunbookSchedule } from '@runbooks/runbook-format';

import { cronOf, MAX_RECORDED_MISSED, planFires } from './fire-plan';

const EVERY_2S: RunbookSchedule = {
  cron: '*/2 * * * * *',
  timezone: 'UTC',
  env: {},
  overlap: 'skip',
  missed: 'run_once',
  catchUpWindowMs: 3_600_000,
  enabled: true,
  line: 1,
};

const at = (iso: string) => new Date(iso);
const plan = (schedule: RunbookSchedule, after: string, now: string) =>
  planFires(schedule, cronOf(schedule), at(after), at(now));

describe('planFires', () => {
  it('fires due in (after, now] within the grace are on time', () => {
    const { fires } = plan(EVERY_2S, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:04.500Z');
    expect(fires.map((f) => [f.at.toISOString(), f.kind])).toEqual([
      ['2026-01-01T00:00:02.000Z', 'on_time'],
      ['2026-01-01T00:00:04.000Z', 'on_time'],
    ]);
  });

  it('a fire that fell due while this scheduler was up is late, not missed (up to a limit)', () => {
    const schedule = EVERY_2S;
    // Up since 00:00:01; a busy machine handles the fires of 00:00:02..00:00:10 only at 00:00:12.
    const late = planFires(
      schedule,
      cronOf(schedule),
      at('2026-01-01T00:00:00.000Z'),
      at('2026-01-01T00:00:12.000Z'),
      at('2026-01-01T00:00:01.000Z'),
    );
    expect(late.fires.every((f) => f.kind === 'on_time')).toBe(true);
    expect(late.fires).toHaveLength(6);
    // Up since 00:00:10: the fires before it (less the grace) were missed while no scheduler ran.
    const cameUp = planFires(
      schedule,
      cronOf(schedule),
      at('2026-01-01T00:00:00.000Z'),
      at('2026-01-01T00:00:12.000Z'),
      at('2026-01-01T00:00:10.000Z'),
    );
    expect(cameUp.fires.map((f) => [f.at.toISOString().slice(17, 19), f.kind])).toEqual([
      ['02', 'missed'],
      ['04', 'catch_up'],
      ['06', 'on_time'],
      ['08', 'on_time'],
      ['10', 'on_time'],
      ['12', 'on_time'],
    ]);
    // More than a minute late even while up: a scheduler that stalled that long missed them.
    const stalled = planFires(
      schedule,
      cronOf(schedule),
      at('2026-01-01T00:00:00.000Z'),
      at('2026-01-01T00:01:10.000Z'),
      at('2026-01-01T00:00:00.000Z'),
    );
    expect(stalled.fires.find((f) => f.at.toISOString().endsWith('00:00:02.000Z'))?.kind).toBe(
      'missed',
    );
    expect(stalled.fires.find((f) => f.at.toISOString().endsWith('00:00:20.000Z'))?.kind).toBe(
      'on_time',
    );
  });

  it('run_once: the latest missed fire catches up, earlier ones are missed, recent ones on time', () => {
    const { fires } = plan(EVERY_2S, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:12.000Z');
    expect(fires.map((f) => [f.at.toISOString().slice(17, 19), f.kind])).toEqual([
      ['02', 'missed'],
      ['04', 'missed'],
      ['06', 'catch_up'],
      ['08', 'on_time'],
      ['10', 'on_time'],
      ['12', 'on_time'],
    ]);
  });

  it('skip records every missed fire as missed; a catch-up outside the window does not run', () => {
    const skip = plan(
      { ...EVERY_2S, missed: 'skip' },
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:10Z',
    );
    expect(skip.fires.filter((f) => f.kind === 'catch_up')).toEqual([]);
    const narrow = plan(
      { ...EVERY_2S, catchUpWindowMs: 5000 },
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:30Z',
    );
    // The latest missed fire (00:24, 6 s old) is outside a 5 s window: nothing catches up.
    expect(narrow.fires.filter((f) => f.kind === 'catch_up')).toEqual([]);
  });

  it('records at most the latest missed fires one by one and counts the others', () => {
    const { fires, unrecorded } = plan(EVERY_2S, '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z');
    expect(fires).toHaveLength(MAX_RECORDED_MISSED);
    expect(unrecorded).toBe(43_200 - MAX_RECORDED_MISSED);
    expect(fires.at(-1)?.at.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('reads the cron in its time zone, across a DST change', () => {
    const paris = { ...EVERY_2S, cron: '30 2 * * *', timezone: 'Europe/Paris' };
    const { fires } = plan(paris, '2026-03-27T12:00:00Z', '2026-03-30T12:00:00Z');
    // 02:30 does not exist on 29 March in Paris: it fires once, at 03:00 local (01:00 UTC).
    expect(fires.map((f) => f.at.toISOString())).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });
});
