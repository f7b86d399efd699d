import type { Response } from 'express';

import { formatSseEvent, SSE_HEARTBEAT } from './sse-format';

/** How much one client may hold up, and how it is kept alive. */
export interface SseLimits {
  heartbeatMs: number;
  /** Unread bytes (socket buffer + queued events) past which the client is dropped. */
  maxBacklogBytes: number;
  /** How long the client may leave written data unread before it is dropped. */
  idleMs: number;
}

/** Why a client was dropped. */
export type SseDropReason = 'backlog' | 'idle';

const DEFAULT_LIMITS: SseLimits = {
  heartbeatMs: 15_000,
  maxBacklogBytes: 1024 * 1024,
  idleMs: 30_000,
};
/** Large events go to the socket in pieces of this many characters, each waiting for drain. */
const PIECE_CHARS = 64 * 1024;
/**
 * A sender that keeps writing (a replay to a client whose socket keeps accepting) is made to
 * wait a turn of the event loop after this long, so many streams cannot starve other requests.
 */
const SLICE_MS = 2;
const RESOLVED = Promise.resolve();

/**
 * Starts an SSE response at once (status, headers flushed before any output, so silent scripts
 * survive proxies) and keeps it alive with heartbeat comments.
 *
 * Back-pressure: `send` resolves once the event is in the socket's buffer (and, after 2 ms of
 * uninterrupted sending, a turn of the event loop later); callers wait for it before sending
 * more, so a slow client slows its own stream instead of filling server memory, and a fast one
 * shares the event loop.
 * A client whose unread backlog passes `maxBacklogBytes`, or that leaves data unread for
 * `idleMs`, is dropped (the connection is destroyed; it can resume with `Last-Event-ID`).
 */
export class SseResponse {
  private readonly heartbeat: NodeJS.Timeout;
  private readonly watchdog: NodeJS.Timeout;
  private readonly limits: SseLimits;
  private closed = false;
  private ending = false;
  /** Events not yet (completely) handed to the socket; the first one is being written. */
  private queue: string[] = [];
  private queuedChars = 0;
  /** How much of the first queued event is written. */
  private writtenChars = 0;
  /** Set while the socket's buffer is full: since when (ms), cleared by `drain`. */
  private stalledSince: number | null = null;
  private waiters: (() => void)[] = [];
  private sliceStartedAt = performance.now();

  constructor(
    private readonly response: Response,
    headers: Record<string, string> = {},
    limits: Partial<SseLimits> = {},
    private readonly onDrop: (reason: SseDropReason) => void = () => undefined,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('X-Accel-Buffering', 'no');
    response.setHeader('Connection', 'keep-alive');
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.flushHeaders();
    response.write(': stream open\n\n');
    this.heartbeat = setInterval(() => this.ping(), this.limits.heartbeatMs);
    const checkEveryMs = Math.max(100, Math.min(5000, Math.floor(this.limits.idleMs / 5)));
    this.watchdog = setInterval(() => this.checkIdle(), checkEveryMs);
    response.on('drain', () => this.drained());
    response.on('close', () => this.stop());
  }

  /** Whether the client is still there. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** Registers what to do when the client goes away. */
  onClose(callback: () => void): void {
    this.response.on('close', callback);
  }

  /** Sends one event; resolves when the client can take more (at once, or after a drain). */
  send(event: string, data: string, id?: number): Promise<void> {
    if (this.closed || this.ending) return RESOLVED;
    const text = formatSseEvent(event, data, id);
    this.queue.push(text);
    this.queuedChars += text.length;
    if (this.backlogBytes > this.limits.maxBacklogBytes) {
      this.drop('backlog');
      return RESOLVED;
    }
    if (this.stalledSince === null) this.pump();
    return this.whenWritable();
  }

  /** Ends the stream once everything sent so far is written. */
  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    clearInterval(this.heartbeat);
    this.finishIfFlushed();
  }

  /**
   * Unread bytes: the socket's buffer plus the events queued behind the one being written (a
   * caller that waits for `send` has none; characters count as bytes). One large event alone
   * never counts: it goes out in pieces, each waiting for the client.
   */
  private get backlogBytes(): number {
    return this.response.writableLength + this.queuedChars - (this.queue[0]?.length ?? 0);
  }

  /** Hands queued text to the socket, a piece at a time, until it says its buffer is full. */
  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const event = this.queue[0] as string;
      const piece =
        this.writtenChars === 0 && event.length <= PIECE_CHARS
          ? event
          : event.slice(this.writtenChars, this.writtenChars + PIECE_CHARS);
      this.writtenChars += piece.length;
      if (this.writtenChars >= event.length) {
        this.queue.shift();
        this.queuedChars -= event.length;
        this.writtenChars = 0;
      }
      if (!this.response.write(piece)) {
        this.stalledSince = Date.now();
        return;
      }
    }
    this.release();
    this.finishIfFlushed();
  }

  private drained(): void {
    this.stalledSince = null;
    this.sliceStartedAt = performance.now();
    this.pump();
  }

  private whenWritable(): Promise<void> {
    if (this.closed) return RESOLVED;
    if (this.stalledSince !== null || this.queue.length > 0) {
      return new Promise((resolve) => this.waiters.push(resolve));
    }
    if (performance.now() - this.sliceStartedAt < SLICE_MS) return RESOLVED;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.sliceStartedAt = performance.now();
        resolve();
      }),
    );
  }

  private release(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private finishIfFlushed(): void {
    if (!this.ending || this.closed || this.queue.length > 0 || this.stalledSince !== null) return;
    this.stop();
    if (!this.response.writableEnded) this.response.end();
  }

  /** A heartbeat only when nothing is waiting: pending data keeps the connection busy anyway. */
  private ping(): void {
    if (this.closed || this.stalledSince !== null || this.queue.length > 0) return;
    if (!this.response.writableEnded) this.response.write(SSE_HEARTBEAT);
  }

  private checkIdle(): void {
    if (this.closed) return;
    if (this.stalledSince !== null && Date.now() - this.stalledSince >= this.limits.idleMs) {
      this.drop('idle');
    } else if (this.backlogBytes > this.limits.maxBacklogBytes) {
      this.drop('backlog');
    }
  }

  private drop(reason: SseDropReason): void {
    if (this.closed) return;
    this.stop();
    this.onDrop(reason);
    this.response.destroy();
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearInterval(this.watchdog);
    this.queue = [];
    this.queuedChars = 0;
    this.writtenChars = 0;
    this.release();
  }
}
