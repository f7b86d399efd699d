import { RUN_STATUSES, isActiveStatus, isRunStatus, statusLabel, statusTone } from './run-status';
import {
  elapsedMs,
  formatDuration,
  formatRelativeTime,
  formatTimestamp,
  timeZoneName,
} from './time-format';

describe('formatDuration', () => {
  it.each([
    [null, '—'],
    [-1, '—'],
    [Number.NaN, '—'],
    [400, '0.4s'],
    [4_000, '4s'],
    [65_000, '1m 05s'],
    [3_723_000, '1h 02m 03s'],
  ])('%p → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('elapsedMs', () => {
  it('measures to the end or to now', () => {
    expect(elapsedMs('2026-01-01T00:00:00Z', '2026-01-01T00:00:05Z', 0)).toBe(5000);
    expect(elapsedMs('2026-01-01T00:00:00Z', null, Date.parse('2026-01-01T00:01:00Z'))).toBe(
      60_000,
    );
    expect(elapsedMs(null, null, 0)).toBeNull();
    expect(elapsedMs('nope', null, 0)).toBeNull();
    expect(elapsedMs('2026-01-01T00:00:00Z', 'nope', 0)).toBeNull();
    expect(elapsedMs('2026-01-01T00:00:10Z', '2026-01-01T00:00:00Z', 0)).toBe(0);
  });
});

describe('formatRelativeTime', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  it.each([
    ['2026-06-01T11:59:50Z', 'just now'],
    ['2026-06-01T11:55:00Z', '5 min ago'],
    ['2026-06-01T09:00:00Z', '3 h ago'],
    ['2026-05-30T12:00:00Z', '2 d ago'],
  ])('%s → %s', (iso, text) => expect(formatRelativeTime(iso, now)).toBe(text));

  it('shows dates for old, future and odd values', () => {
    expect(formatRelativeTime('2025-01-01T00:00:00Z', now)).toMatch(/^2025-01-01|^2024-12-31/);
    expect(formatRelativeTime('2027-01-01T00:00:00Z', now)).toMatch(/^2027|^2026-12-31/);
    expect(formatRelativeTime('garbage', now)).toBe('garbage');
    expect(formatRelativeTime(null, now)).toBe('—');
  });
});

describe('formatTimestamp', () => {
  it('formats local time with its time zone and passes odd values through', () => {
    const at = new Date(2026, 2, 4, 15, 7, 9);
    const zone = timeZoneName(at);
    expect(zone).not.toBe('');
    expect(formatTimestamp(at.toISOString())).toBe(`2026-03-04 15:07:09 ${zone}`);
    expect(formatTimestamp('x')).toBe('x');
    expect(formatTimestamp(undefined)).toBe('—');
  });
});

describe('run status helpers', () => {
  it('labels, tones and activity', () => {
    expect(RUN_STATUSES).toContain('pending_approval');
    expect(statusLabel('pending_approval')).toBe('Awaiting approval');
    expect(isActiveStatus('pending_approval')).toBe(true);
    expect(RUN_STATUSES).toHaveLength(12);
    expect(statusLabel('skipped')).toBe('Skipped');
    expect(statusLabel('success')).toBe('Succeeded');
    expect(statusLabel('weird')).toBe('weird');
    expect(statusLabel(null)).toBe('Unknown');
    expect(statusTone('failure')).toBe('bad');
    expect(statusTone('running')).toBe('progress');
    expect(statusTone('weird')).toBe('neutral');
    expect(isActiveStatus('queued')).toBe(true);
    expect(isActiveStatus('canceled')).toBe(false);
    expect(isRunStatus('lost')).toBe(true);
    expect(isRunStatus(3)).toBe(false);
  });
});
