export { SseParser } from './lib/sse-parser';
export type { SseEvent, SseItem, SseParserOptions } from './lib/sse-parser';
export { readEventStream } from './lib/read-event-stream';
export type {
  AbortSignalLike,
  ByteStream,
  EventStreamSource,
  ReadEventStreamOptions,
} from './lib/read-event-stream';
