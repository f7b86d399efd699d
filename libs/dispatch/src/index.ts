export { DispatchError, isDispatchError } from './lib/dispatch-error';
export type { DispatchErrorCode } from './lib/dispatch-error';
export type { RedisConnection } from './lib/redis-connection';

export { jobIdOf } from './lib/run-queue';
export type {
  ConsumeOptions,
  EnqueueOptions,
  RunConsumer,
  RunJob,
  RunJobHandler,
  RunQueue,
  RunQueueCounts,
  RunQueueOptions,
} from './lib/run-queue';
export { InProcessRunQueue } from './lib/in-process-run-queue';
export { BullmqRunQueue } from './lib/bullmq-run-queue';
export type { BullmqRunQueueOptions } from './lib/bullmq-run-queue';

export type {
  OutputBackfill,
  OutputBus,
  OutputBusOptions,
  OutputLine,
  OutputLineInput,
  OutputStream,
  OutputSubscription,
  RunSignal,
  RunSignalListener,
} from './lib/output-bus';
export { InProcessOutputBus } from './lib/in-process-output-bus';
export type { InProcessOutputBusOptions } from './lib/in-process-output-bus';
export { RedisOutputBus } from './lib/redis-output-bus';
export type { RedisOutputBusOptions } from './lib/redis-output-bus';

export type {
  CancelChannel,
  CancelChannelOptions,
  CancelHandler,
  CancelRequest,
  CancelWatch,
} from './lib/cancel-channel';
export { InProcessCancelChannel } from './lib/in-process-cancel-channel';
export { RedisCancelChannel } from './lib/redis-cancel-channel';
export type { RedisCancelChannelOptions } from './lib/redis-cancel-channel';

export type {
  RunEvent,
  RunEventPayload,
  RunEventSink,
  RunEventSource,
  RunEventType,
} from './lib/run-event';
export { EventRelay } from './lib/event-relay';
export type { EventRelayOptions } from './lib/event-relay';
export { RedisStreamEventSink, decodeRunEventEntry } from './lib/redis-stream-event-sink';
export type { RedisStreamEventSinkOptions } from './lib/redis-stream-event-sink';
export {
  WEBHOOK_HEADERS,
  WebhookEventSink,
  signWebhookBody,
  verifyWebhookSignature,
} from './lib/webhook-event-sink';
export type { WebhookEventSinkOptions } from './lib/webhook-event-sink';
