import type { NextFunction, Request, Response } from 'express';

/** How often a stream opened during the shutdown is checked for its headers (to greet it). */
const GREET_POLL_MS = 50;
const GREET_POLL_LIMIT = 100;

/**
 * Tells every open `text/event-stream` response that the server is shutting down, with one
 * `event: shutdown` (data `{"grace_seconds":n,"cancel_at":"<ISO time>"}`, no `id:` so resume points
 * do not move) when the shutdown begins, and greets streams opened during the grace period the
 * same way. Clients that do not know the event ignore it, as the SSE standard says.
 *
 * It lives outside the runs feature on purpose: it needs only the raw responses, which an Express
 * middleware sees, and it writes whole events between the writes of the stream's owner.
 */
export class ShutdownNotice {
  private readonly streams = new Set<Response>();
  private event: string | null = null;

  /** Express middleware: remembers responses of requests that accept an event stream. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    if ((request.headers.accept ?? '').includes('text/event-stream')) {
      this.streams.add(response);
      response.once('close', () => this.streams.delete(response));
      if (this.event !== null) this.greetWhenStarted(response, 0);
    }
    next();
  };

  /** Whether the shutdown was announced. */
  get isAnnounced(): boolean {
    return this.event !== null;
  }

  /** Announces the shutdown to every open stream; runs still going at `cancelAt` are canceled. */
  announce(graceSeconds: number, cancelAt: Date): void {
    this.event = `event: shutdown\ndata: ${JSON.stringify({
      grace_seconds: graceSeconds,
      cancel_at: cancelAt.toISOString(),
    })}\n\n`;
    for (const response of this.streams) this.greetWhenStarted(response, 0);
  }

  private greetWhenStarted(response: Response, polls: number): void {
    if (response.writableEnded || response.destroyed) return;
    const type = response.getHeader('content-type');
    if (response.headersSent) {
      if (typeof type === 'string' && type.startsWith('text/event-stream') && this.event) {
        response.write(this.event);
      }
      return;
    }
    if (polls < GREET_POLL_LIMIT) {
      setTimeout(() => this.greetWhenStarted(response, polls + 1), GREET_POLL_MS).unref();
    }
  }
}
