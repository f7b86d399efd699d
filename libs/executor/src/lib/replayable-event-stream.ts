/**
 * An append-only event list that any number of consumers can iterate asynchronously, each from
 * the first event. Producers `push` and finally `end`; iterators wait for new events.
 */
export class ReplayableEventStream<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private ended = false;
  private waiters: (() => void)[] = [];

  /** Appends an event (ignored after `end`). */
  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake();
  }

  /** Marks the stream complete: iterators finish after the last event. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.wake();
  }

  /** Events pushed so far (a copy). */
  snapshot(): T[] {
    return [...this.items];
  }

  /** Iterates every event from the first, waiting for more until the stream ends. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    let index = 0;
    let closed = false;
    const next = async (): Promise<IteratorResult<T>> => {
      for (;;) {
        if (closed) return { done: true, value: undefined };
        if (index < this.items.length) {
          const value = this.items[index] as T;
          index += 1;
          return { done: false, value };
        }
        if (this.ended) return { done: true, value: undefined };
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    };
    return {
      next,
      return: (): Promise<IteratorResult<T>> => {
        closed = true;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
