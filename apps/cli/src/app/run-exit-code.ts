import type { ExecutionResult } from '@runbooks/executor';
import type { ExecuteResult, RunStatus } from '@runbooks/types';
import { ExitCode } from './exit-codes';

/**
 * The CLI's exit code for a script's `return_code`: the exit status itself (0–255), 128 + n for
 * `-n` (killed by signal n, as shells report it), and 1 for anything out of range.
 */
export function exitCodeForReturnCode(returnCode: number): number {
  if (!Number.isInteger(returnCode)) return ExitCode.FAILURE;
  if (returnCode >= 0) return returnCode <= 255 ? returnCode : ExitCode.FAILURE;
  return Math.min(255, 128 - returnCode);
}

/** Exit code of a local run: 124 on timeout, 130 when canceled, 1 when it could not start. */
export function exitCodeForLocalRun(
  result: Pick<ExecutionResult, 'timedOut' | 'canceled' | 'failure' | 'returnCode'>,
): number {
  if (result.timedOut) return ExitCode.TIMEOUT;
  if (result.canceled) return ExitCode.INTERRUPTED;
  if (result.failure) return ExitCode.FAILURE;
  return exitCodeForReturnCode(result.returnCode);
}

const TIMEOUT_MESSAGE = /Script execution timed out after \d+ seconds/;

/**
 * Exit code of a remote run from its `done` result and, when known, its run status: 124 on
 * timeout, 130 when canceled, otherwise from `return_code`.
 */
export function exitCodeForRemoteRun(
  result: Pick<ExecuteResult, 'return_code' | 'stderr'>,
  status: RunStatus | null,
): number {
  if (status === 'timeout') return ExitCode.TIMEOUT;
  if (status === 'canceled') return ExitCode.INTERRUPTED;
  if (status === null && result.return_code === -9 && TIMEOUT_MESSAGE.test(result.stderr)) {
    return ExitCode.TIMEOUT;
  }
  return exitCodeForReturnCode(result.return_code);
}
