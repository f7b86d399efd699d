import type { RunStatus } from './runs';

/** One entry of `GET /api/schedules`: a runbook's `# Schedule` and how its fires went. */
export interface ScheduleInfo {
  /** The runbook's file name (`X.md`). */
  runbook: string;
  /** The cron expression as written; null when the section cannot be read. */
  cron: string | null;
  /** IANA time zone the cron is read in; null when the section cannot be read. */
  timezone: string | null;
  enabled: boolean;
  /** Next fire time (ISO 8601 UTC); null when disabled, in error or never again. */
  next_fire_at: string | null;
  /** The latest recorded fire time (ISO 8601 UTC), or null. */
  last_fire_at: string | null;
  last_run_id: string | null;
  last_status: RunStatus | null;
  /** Whether the scheduler's claims satisfy the runbook's Required Claims. */
  authorized: boolean;
  /** Why the schedule does not fire (invalid section, unreadable claims), or null. */
  error: string | null;
}

/** Body of `GET /api/schedules`. */
export interface ScheduleListResponse {
  data: ScheduleInfo[];
}
