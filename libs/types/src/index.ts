export type * from './lib/runbooks';
export type * from './lib/sse';
export type * from './lib/config';
export type * from './lib/history-record';
export type * from './lib/runs';
export type * from './lib/run-events';
export type * from './lib/schedules';
export {
  CONTROL_ENV_NAMES,
  CONTROL_ENV_PREFIXES,
  CONTROL_ENV_SUFFIXES,
  isControlEnvName,
} from './lib/control-env';
export { RUN_RECORD_FIELDS } from './lib/run-record-fields';
export {
  RUN_STATUSES,
  RUN_TRANSITIONS,
  TERMINAL_STATUSES,
  isAllowedTransition,
  isRunStatus,
  isTerminalStatus,
} from './lib/run-lifecycle';
