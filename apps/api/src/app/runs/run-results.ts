import type { Run } from '@runbooks/history';
import type { ExecuteResult } from '@runbooks/types';

/** The script's whole output (up to `MAX_OUTPUT_SIZE_BYTES`), where the record keeps tails. */
export interface FullOutput {
  stdout: string;
  stderr: string;
}

/** Return code in the `done` of a run canceled before its script started. */
const CANCELED_BEFORE_START_CODE = -15;

/**
 * The `done` payload (and JSON execute answer) of a finished run, from its record: the only place
 * an `ExecuteResult` is built. `output` replaces the record's capped tails when the process that
 * ran the script still has the whole output.
 */
export function executeResultOf(run: Run, output?: FullOutput): ExecuteResult {
  if (run.status === 'canceled' && run.startedAt === null) {
    return {
      success: false,
      runbook: run.runbook,
      return_code: CANCELED_BEFORE_START_CODE,
      stdout: '',
      stderr: '',
      errors: ['Run canceled before it started'],
      warnings: run.warnings,
      run_id: run.id,
    };
  }
  return {
    // The run's status decides (a canceled or timed-out script that exits 0 did not succeed), as
    // the CLI's local runs say it.
    success: run.status === 'success',
    runbook: run.runbook,
    return_code: run.returnCode ?? 1,
    stdout: output?.stdout ?? run.stdout,
    stderr: output?.stderr ?? run.stderr,
    errors: run.errors,
    warnings: run.warnings,
    run_id: run.id,
  };
}
