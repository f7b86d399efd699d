/** "1h 02m 03s" / "2m 05s" / "4s" / "0.4s" for a duration in milliseconds. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.floor(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(seconds)}s`;
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}

/** Milliseconds between two ISO timestamps (the end defaults to `nowMs`), or null. */
export function elapsedMs(
  startIso: string | null | undefined,
  endIso: string | null | undefined,
  nowMs: number,
): number | null {
  if (!startIso) return null;
  const start = Date.parse(startIso);
  if (Number.isNaN(start)) return null;
  const end = endIso ? Date.parse(endIso) : nowMs;
  if (Number.isNaN(end)) return null;
  return Math.max(0, end - start);
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", or a date for anything older than a month. */
export function formatRelativeTime(iso: string | null | undefined, nowMs: number): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.round((nowMs - at) / 1000);
  if (seconds < 0) return formatTimestamp(iso);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 31) return `${days} d ago`;
  return formatTimestamp(iso);
}

/**
 * A readable local date and time with its time zone ("2026-03-04 15:07:09 UTC",
 * "2026-03-04 16:07:09 GMT+1"), or the input if it is not a date.
 */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const zone = timeZoneName(date);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    (zone ? ` ${zone}` : '')
  );
}

/** The short name of the browser's time zone at `date` ("UTC", "CET", "GMT+1"), or ''. */
export function timeZoneName(date: Date): string {
  const part = new Intl.DateTimeFormat('en-GB', { timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}
