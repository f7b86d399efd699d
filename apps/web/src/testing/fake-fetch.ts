import type { ByteStream } from '@runbooks/event-stream';

/** A response body the test writes to and closes by hand. */
export class ControlledBody implements ByteStream {
  private readonly queue: Uint8Array[] = [];
  private closed = false;
  private waiter: (() => void) | null = null;
  /** Set when the reader canceled the stream (the client aborted). */
  canceled = false;

  /** Sends text (UTF-8 encoded) to the reader. */
  write(text: string): void {
    this.queue.push(new TextEncoder().encode(text));
    this.wake();
  }

  /** Ends the body as a server closing the connection would. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  getReader(): ReturnType<ByteStream['getReader']> {
    return {
      read: async () => {
        for (;;) {
          const value = this.queue.shift();
          if (value) return { done: false, value };
          if (this.closed || this.canceled) return { done: true, value: undefined };
          await new Promise<void>((resolve) => (this.waiter = resolve));
        }
      },
      cancel: () => {
        this.canceled = true;
        this.wake();
        return Promise.resolve();
      },
      releaseLock: () => undefined,
    };
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}

/** What the fake fetch answers: a streamed body, an error status, or a network failure. */
export type FakeAnswer =
  | { body: ControlledBody; status?: number }
  | { status: number; json?: unknown; headers?: Record<string, string> }
  | { networkError: true };

/** One request the fake fetch received. */
export interface FakeRequest {
  url: string;
  headers: Record<string, string>;
  signal: AbortSignal | null;
}

/**
 * A stand-in for the network (not for any of our code): answers fetch() calls in order with
 * scripted responses and records what was asked.
 */
export class FakeFetch {
  readonly requests: FakeRequest[] = [];
  private readonly answers: FakeAnswer[] = [];

  /** Queues the answer to the next request. */
  answer(answer: FakeAnswer): void {
    this.answers.push(answer);
  }

  readonly fetch = ((input: string, init?: RequestInit) => {
    this.requests.push({
      url: input,
      headers: { ...((init?.headers as Record<string, string> | undefined) ?? {}) },
      signal: init?.signal ?? null,
    });
    const answer = this.answers.shift();
    if (!answer) return Promise.reject(new Error(`unexpected request ${input}`));
    if ('networkError' in answer) return Promise.reject(new TypeError('Failed to fetch'));
    if ('body' in answer) {
      const status = answer.status ?? 200;
      return Promise.resolve({
        ok: status >= 200 && status < 300,
        status,
        headers: new Headers({ 'Content-Type': 'text/event-stream' }),
        body: answer.body,
        text: () => Promise.resolve(''),
      });
    }
    return Promise.resolve({
      ok: answer.status >= 200 && answer.status < 300,
      status: answer.status,
      headers: new Headers(answer.headers ?? {}),
      body: null,
      text: () => Promise.resolve(answer.json === undefined ? '' : JSON.stringify(answer.json)),
    });
  }) as unknown as typeof fetch;
}

/** Waits until a condition holds (polling the event loop), or fails after a while. */
export async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
