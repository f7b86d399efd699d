import type { RunRecord } from '@runbooks/types';

import type { ApiServer } from './api-server';
import { call } from './http-client';

const FENCE = '```';

/** A runbook with a Schedule section (and optional Required Claims) whose script is `script`. */
export function scheduledRunbook(
  name: string,
  schedule: string,
  script = 'echo tick',
  claims?: string,
): string {
  return [
    `# ${name}`,
    'Scheduled under test.',
    '# Environment Requirements',
    `${FENCE}yaml\n${FENCE}`,
    '# File System Requirements',
    `${FENCE}yaml\nInput: []\n${FENCE}`,
    ...(claims ? ['# Required Claims', `${FENCE}yaml\n${claims}\n${FENCE}`] : []),
    '# Schedule',
    `${FENCE}yaml\n${schedule}\n${FENCE}`,
    '# Script',
    `${FENCE}sh\n${script}\n${FENCE}`,
    '# History',
    '',
  ].join('\n');
}

/** Every run of a runbook (one page of up to 500), oldest fire first. */
export async function runsOf(server: ApiServer | string, token: string, filename: string) {
  const response = await call<{ data: RunRecord[] }>(
    server,
    `/api/runs?filter[runbook]=${encodeURIComponent(filename)}&limit=500`,
    { token },
  );
  if (response.status !== 200)
    throw new Error(`GET /api/runs: ${response.status} ${response.text}`);
  return [...response.body.data].sort((a, b) =>
    (a.scheduled_for ?? a.created_at).localeCompare(b.scheduled_for ?? b.created_at),
  );
}

/** Fire times (ms) that appear more than once. */
export function duplicateFires(runs: readonly RunRecord[]): string[] {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const run of runs) {
    if (run.scheduled_for === null) continue;
    if (seen.has(run.scheduled_for)) duplicates.push(run.scheduled_for);
    seen.add(run.scheduled_for);
  }
  return duplicates;
}

/** Fire times missing between the first and the last recorded fire, for a fire every `everyMs`. */
export function gapsIn(runs: readonly RunRecord[], everyMs: number): string[] {
  const times = runs
    .map((run) => run.scheduled_for)
    .filter((at): at is string => at !== null)
    .map((at) => Date.parse(at))
    .sort((a, b) => a - b);
  const gaps: string[] = [];
  for (let index = 1; index < times.length; index += 1) {
    const previous = times[index - 1] ?? 0;
    for (let at = previous + everyMs; at < (times[index] ?? 0); at += everyMs) {
      gaps.push(new Date(at).toISOString());
    }
  }
  return gaps;
}
