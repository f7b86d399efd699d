import type { ScheduleInfo } from '@runbooks/types';
import { formatTimestamp } from '../../core/format/time-format';

/** What a schedule's next fire cell says: a time, or why there is none. */
export function nextFireText(info: ScheduleInfo): string {
  if (info.error !== null) return 'Never (invalid schedule)';
  if (!info.enabled) return 'Disabled';
  return info.next_fire_at ? formatTimestamp(info.next_fire_at) : 'Never';
}
