/**
 * Exit codes of the `runbook` command. The CLI's own failures use the BSD sysexits values so they
 * rarely collide with a script's exit status, which `execute` and `logs` pass through unchanged.
 */
export const ExitCode = {
  OK: 0,
  /** Invalid runbook, failed run without an own status, any other failure. */
  FAILURE: 1,
  /** Bad arguments or options (EX_USAGE). */
  USAGE: 64,
  /** Runbook, run or file not found (EX_NOINPUT). */
  NOT_FOUND: 66,
  /** The API cannot be reached or failed (5xx) (EX_UNAVAILABLE). */
  UNAVAILABLE: 69,
  /** A bug in the CLI (EX_SOFTWARE). */
  SOFTWARE: 70,
  /** Rate limited: try again later (EX_TEMPFAIL). */
  TEMP_FAIL: 75,
  /** Not logged in, token rejected or RBAC refusal (EX_NOPERM). */
  NO_PERMISSION: 77,
  /** Unreadable configuration (EX_CONFIG). */
  CONFIG: 78,
  /** The run hit its timeout (as `timeout(1)`). */
  TIMEOUT: 124,
  /** Interrupted with Ctrl-C, or the run was canceled. */
  INTERRUPTED: 130,
} as const;
