/** Settings of the scheduler that fires runbooks' `# Schedule`s. */
export interface SchedulerConfig {
  /** `SCHEDULER_ENABLED=false`: this instance never fires schedules (workers never do). */
  enabled: boolean;
  /** `SCHEDULER_SUBJECT`: the identity scheduled runs are requested by. */
  subject: string;
  /** `SCHEDULER_CLAIMS`: the claims RBAC checks for scheduled runs (`{}`: none). */
  claims: Record<string, unknown>;
}

/** Reads the scheduler settings; errors name the variable and say what is expected. */
export function readSchedulerConfig(value: (name: string) => string): {
  errors: string[];
  scheduler: SchedulerConfig;
} {
  const errors: string[] = [];
  const subject = value('SCHEDULER_SUBJECT').trim();
  if (subject === '') errors.push('SCHEDULER_SUBJECT must not be empty');
  const text = value('SCHEDULER_CLAIMS').trim();
  let claims: Record<string, unknown> = {};
  if (text !== '') {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      errors.push(`SCHEDULER_CLAIMS must be a JSON object such as {"roles":["sre"]} (or be empty)`);
    } else {
      claims = parsed as Record<string, unknown>;
    }
  }
  return {
    errors,
    scheduler: { enabled: value('SCHEDULER_ENABLED').toLowerCase() === 'true', subject, claims },
  };
}
