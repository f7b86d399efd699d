import { AsyncLocalStorage } from 'node:async_hooks';

/** What every piece of work started by a request can know about it. */
export interface RequestContext {
  correlationId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (and everything it starts, sync or async) inside a request's context. */
export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The correlation id of the request this code is working for, if any. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}
