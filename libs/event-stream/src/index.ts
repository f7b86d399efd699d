export { SseParser } from './lib/sse-parser';
export type { SseEvent, SseItem, SseParserOptions } from './lib/sse-parser';
export { readEventStream } from './lib/read-event-stream';
export type {
  AbortSignalLike,
  ByteStream,
  EventStreamSource,
  ReadEventStreamOptions,
} from './lib/read-event-stream';
export { FollowEventStreamError, followEventStream } from './lib/follow-event-stream';
export type {
  FollowConnectRequest,
  FollowErrorCode,
  FollowEventStreamOptions,
  FollowRetryContext,
  FollowState,
  FollowStateDetail,
} from './lib/follow-event-stream';
export {
  RUN_LIST_DEFAULT_LIMIT,
  RUN_LIST_MAX_LIMIT,
  RUN_LIST_PARAMS,
  decodeRunListQuery,
  encodeRunListQuery,
  labelFilterParam,
  parseLabelFilter,
  runListQueryString,
} from './lib/run-list-query';
export type { DecodedRunListQuery, ParsedLabelFilter, RunListQuery } from './lib/run-list-query';
