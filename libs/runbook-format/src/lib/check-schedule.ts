import { diagnostic, type Diagnostic } from './diagnostic';
import { valueProblem } from './env-declaration';
import { SECTION_TITLES, type Runbook } from './runbook';
import { findSection } from './runbook-sections';

/**
 * Problems with a runbook's schedule: the section's own errors, and `env` values that are not
 * declared, are provided by the server (`from`), are literal secrets or break their declaration.
 * Any of them makes the runbook invalid, and an invalid schedule never fires.
 */
export function checkSchedule(runbook: Runbook): Diagnostic[] {
  const section = findSection(runbook.sections, SECTION_TITLES.schedule);
  if (!section) return [];
  if (!runbook.schedule) {
    if (runbook.scheduleErrors.length > 0) return [...runbook.scheduleErrors];
    return [
      diagnostic(
        'SCHEDULE_INVALID',
        'error',
        'Schedule section could not be read',
        section.headingLine,
      ),
    ];
  }
  const declared = new Map((runbook.environment ?? []).map((entry) => [entry.name, entry]));
  const found: Diagnostic[] = [];
  for (const [name, value] of Object.entries(runbook.schedule.env)) {
    const requirement = declared.get(name);
    const problem = !requirement
      ? `env sets ${name}, which Environment Requirements does not declare`
      : requirement.from !== null
        ? `env sets ${name}, which the server provides (from: ${requirement.from})`
        : requirement.secret
          ? `env sets the secret ${name}: never write secrets here, declare it with from: instead`
          : valueProblem(requirement, value);
    if (problem !== null) {
      found.push(
        diagnostic('SCHEDULE_INVALID', 'error', `Schedule: ${problem}`, section.headingLine),
      );
    }
  }
  return found;
}
