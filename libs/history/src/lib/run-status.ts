// The lifecycle table lives in @runbooks/types (ADR 0005): the store, the API, the web console and
// the CLI read the same one. Re-exported here for existing users of @runbooks/history.
export {
  RUN_STATUSES,
  RUN_TRANSITIONS,
  TERMINAL_STATUSES,
  isAllowedTransition,
  isRunStatus,
  isTerminalStatus,
} from '@runbooks/types';
