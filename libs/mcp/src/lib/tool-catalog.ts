import type { RunbooksToolName } from './tool-schemas';

/** What a tool says about itself: title, description (when not to use it too), annotations. */
export interface ToolDescription {
  title: string;
  description: string;
  annotations: {
    readOnlyHint: boolean;
    destructiveHint: boolean;
    idempotentHint: boolean;
    openWorldHint: boolean;
  };
}

const readOnly = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** The eight tools as agents see them. Annotations are truthful: only two change anything. */
export const TOOL_CATALOG: Record<RunbooksToolName, ToolDescription> = {
  list_runbooks: {
    title: 'List runbooks',
    description:
      'Every runbook on this server: file name, name, description, whether you may run it (can_run) and the variables it asks for. Start here to find the runbook for a task. Not for reading a runbook in full (use get_runbook) or for past runs (use list_runs).',
    annotations: readOnly,
  },
  get_runbook: {
    title: 'Read a runbook',
    description:
      'The full markdown of one runbook (what it does, its script, its policies) and your most recent runs of it. Read it before running a runbook you do not know. Not for run output (use get_run or get_run_output).',
    annotations: readOnly,
  },
  validate_runbook: {
    title: 'Validate a runbook',
    description:
      'Checks a runbook against the server environment plus the variables you would pass, without running anything: {valid, errors, warnings}. Use it to check variables before run_runbook. An invalid runbook is a normal result, not an error. Not needed before every run: run_runbook validates too.',
    annotations: readOnly,
  },
  run_runbook: {
    title: 'Run a runbook',
    description:
      'Starts a run of a runbook\'s script on the server as you, under the runbook\'s access rules, validation, rate limit and approval rules, then waits up to wait_seconds (default 20, at most 60) for it to end. A run still going comes back with status "running" and its run_id: follow it with get_run instead of starting it again. A runbook that needs approval comes back "pending_approval": a person with the approver claims must approve it in the console or the CLI; no tool can approve it. Do not use it to find out what a runbook does (get_runbook) or whether variables are right (validate_runbook). Scripts change real systems.',
    annotations: {
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    },
  },
  get_run: {
    title: 'Get a run',
    description:
      'The record of one run (status, return code, output tails, who started it, when), as the REST API returns it. With wait_seconds (at most 60) it waits for the run to end first: use it to follow a run that run_runbook left running. Not for the full output of a long run (use get_run_output).',
    annotations: readOnly,
  },
  get_run_output: {
    title: 'Read run output',
    description:
      "Lines of a run's output after after_seq (at most max_lines, default 200, at most 1000), with next_seq to read on and done once the run has ended and everything was read. Use it for output longer than the tails get_run shows. Not for the run's status (use get_run).",
    annotations: readOnly,
  },
  list_runs: {
    title: 'List runs',
    description:
      'Runs you may see, newest first, filtered by runbook, status (one or a list) and labels; next_cursor pages on. Use it to find earlier runs or failures. Not for one run you know the id of (use get_run).',
    annotations: readOnly,
  },
  cancel_run: {
    title: 'Cancel a run',
    description:
      'Stops a queued or running run you started (admins: any run): its whole process tree is killed and it ends "canceled" with your reason recorded. Returns the record once it stopped. Not for runs that already ended, and not to undo what a script did.',
    annotations: {
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    },
  },
};
