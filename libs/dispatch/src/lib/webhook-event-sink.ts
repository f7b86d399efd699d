import { createHmac, timingSafeEqual } from 'node:crypto';
import { DispatchError } from './dispatch-error';
import type { RunEvent, RunEventSink } from './run-event';

/** Options of `WebhookEventSink`. */
export interface WebhookEventSinkOptions {
  /** Where to POST each event. */
  url: string;
  /** HMAC-SHA256 key of the `X-Runbooks-Signature` header. */
  secret: string;
  /** Attempts per event before the batch fails (the relay retries it later); default 5. */
  maxAttempts?: number;
  /** First retry delay, doubled each attempt (with jitter); default 500 ms. */
  retryDelayMs?: number;
  /** Longest retry delay; default 30 000 ms. */
  maxRetryDelayMs?: number;
  /** Timeout of one request; default 5000 ms. */
  timeoutMs?: number;
  /** Extra request headers (e.g. an API key). */
  headers?: Record<string, string>;
  /** Events the receiver refused for good (a 4xx other than 408/429): they are skipped, not retried. */
  onRejected?: (event: RunEvent, status: number) => void;
  /** Clock (seconds are signed); default `Date.now`. */
  now?: () => number;
}

/** Header names of a webhook delivery. */
export const WEBHOOK_HEADERS = {
  signature: 'x-runbooks-signature',
  timestamp: 'x-runbooks-timestamp',
  eventId: 'x-runbooks-event-id',
  eventType: 'x-runbooks-event-type',
} as const;

/** `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`): the `X-Runbooks-Signature` value. */
export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * For receivers: true when `signature` matches the body and timestamp, and the timestamp is within
 * `toleranceSeconds` (default 300) of now (replay protection). Compares in constant time.
 */
export function verifyWebhookSignature(input: {
  secret: string;
  body: string;
  timestamp: string | number;
  signature: string;
  toleranceSeconds?: number;
  nowSeconds?: number;
}): boolean {
  const timestamp = Number(input.timestamp);
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (
    !Number.isSafeInteger(timestamp) ||
    Math.abs(now - timestamp) > (input.toleranceSeconds ?? 300)
  ) {
    return false;
  }
  const expected = Buffer.from(signWebhookBody(input.secret, timestamp, input.body));
  const given = Buffer.from(input.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * POSTs each event (the JSON envelope) to a URL, one at a time in order, signed with HMAC-SHA256.
 * A 2xx is success; a network error, timeout, 408, 429 or 5xx is retried with exponential back-off
 * and jitter up to `maxAttempts`, after which the batch fails (the relay retries it later, so
 * order holds). Any other 4xx is a refusal for good: reported to `onRejected` and skipped.
 */
export class WebhookEventSink implements RunEventSink {
  readonly name = 'webhook';
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: WebhookEventSinkOptions) {
    if (!options.secret) throw new DispatchError('INVALID_OPTIONS', 'A webhook needs a secret.');
    try {
      new URL(options.url);
    } catch (error) {
      throw new DispatchError('INVALID_OPTIONS', 'The webhook URL is not valid.', { cause: error });
    }
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 5));
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 500);
    this.maxRetryDelayMs = Math.max(this.retryDelayMs, options.maxRetryDelayMs ?? 30_000);
    this.timeoutMs = Math.max(1, options.timeoutMs ?? 5000);
    this.now = options.now ?? Date.now;
  }

  async deliver(events: readonly RunEvent[]): Promise<void> {
    for (const event of events) await this.deliverOne(event);
  }

  private async deliverOne(event: RunEvent): Promise<void> {
    const body = JSON.stringify(event);
    let lastFailure = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      if (attempt > 1) await sleep(this.backoff(attempt - 1));
      const timestamp = Math.floor(this.now() / 1000);
      let status: number;
      try {
        const response = await fetch(this.options.url, {
          method: 'POST',
          headers: {
            ...this.options.headers,
            'content-type': 'application/json',
            [WEBHOOK_HEADERS.signature]: signWebhookBody(this.options.secret, timestamp, body),
            [WEBHOOK_HEADERS.timestamp]: String(timestamp),
            [WEBHOOK_HEADERS.eventId]: event.event_id,
            [WEBHOOK_HEADERS.eventType]: event.event_type,
          },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch (error) {
        lastFailure = error instanceof Error ? error.message : String(error);
        continue;
      }
      if (status >= 200 && status < 300) return;
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        this.options.onRejected?.(event, status);
        return;
      }
      lastFailure = `HTTP ${status}`;
    }
    throw new DispatchError(
      'SINK_FAILED',
      `Webhook delivery of event ${event.event_id} failed after ${this.maxAttempts} attempts (${lastFailure}).`,
    );
  }

  /** Exponential back-off with full jitter in its upper half. */
  private backoff(retry: number): number {
    const ceiling = Math.min(this.retryDelayMs * 2 ** (retry - 1), this.maxRetryDelayMs);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
