import type { Response } from 'express';

import { formatSseEvent, SSE_HEARTBEAT } from './sse-format';

/**
 * Starts an SSE response at once (status, headers flushed before any output, so silent scripts
 * survive proxies) and keeps it alive with heartbeat comments.
 */
export class SseResponse {
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly response: Response,
    headers: Record<string, string> = {},
    heartbeatMs = 15_000,
  ) {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('X-Accel-Buffering', 'no');
    response.setHeader('Connection', 'keep-alive');
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.flushHeaders();
    response.write(': stream open\n\n');
    this.heartbeat = setInterval(() => this.write(SSE_HEARTBEAT), heartbeatMs);
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

  /** Sends one event. */
  send(event: string, data: string, id?: number): void {
    this.write(formatSseEvent(event, data, id));
  }

  /** Ends the stream. */
  end(): void {
    this.stop();
    if (!this.response.writableEnded) this.response.end();
  }

  private write(text: string): void {
    if (!this.closed && !this.response.writableEnded) this.response.write(text);
  }

  private stop(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
  }
}
