import { checkSchedule, SECTION_TITLES, type RunbookSchedule } from '@runbooks/runbook-format';

import type { CatalogEntry } from '../catalog/runbook-catalog.service';

/** A runbook's schedule as the scheduler sees it: usable, or why not. */
export interface ScheduleStatus {
  schedule: RunbookSchedule | null;
  /** Why it does not fire (an unreadable or invalid Schedule section), or null. */
  error: string | null;
}

/** True when the runbook has a `# Schedule` section (readable or not). */
export function hasScheduleSection(entry: CatalogEntry): boolean {
  return entry.parsed.runbook.sections.some((s) => s.title === SECTION_TITLES.schedule);
}

/** The runbook's schedule and its problems: any problem means it never fires. */
export function scheduleStatusOf(entry: CatalogEntry): ScheduleStatus {
  const runbook = entry.parsed.runbook;
  const problems = checkSchedule(runbook).filter((found) => found.severity === 'error');
  const duplicate = runbook.sections.filter((s) => s.title === SECTION_TITLES.schedule).length > 1;
  if (duplicate) {
    return { schedule: null, error: "Section 'Schedule' appears more than once: keep exactly one" };
  }
  if (problems.length > 0 || !runbook.schedule) {
    const message = problems.map((found) => found.message).join('; ');
    return { schedule: null, error: message || 'Schedule section could not be read' };
  }
  return { schedule: runbook.schedule, error: null };
}
