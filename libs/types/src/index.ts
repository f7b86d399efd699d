export type * from './lib/runbooks';
export type * from './lib/sse';
export type * from './lib/config';
export type * from './lib/history-record';
export type * from './lib/runs';
export type * from './lib/run-events';
