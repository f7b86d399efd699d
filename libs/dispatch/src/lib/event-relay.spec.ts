import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { RunStatus } from '@runbooks/types';
import { Redis } from 'ioredis';
import { checkJsonSchema } from '../../test/json-schema-check';
import { deleteKeys, REDIS_URL, uniquePrefix, waitFor } from '../../test/redis-test-keys';
import { isDispatchError } from './dispatch-error';
import { EventRelay } from './event-relay';
import { decodeRunEventEntry, RedisStreamEventSink } from './redis-stream-event-sink';
import type { RunEvent, RunEventSink, RunEventSource } from './run-event';
import {
  signWebhookBody,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  WebhookEventSink,
} from './webhook-event-sink';

const SCHEMA = JSON.parse(
  readFileSync(join(__dirname, '../../../../docs/run-event.schema.json'), 'utf8'),
) as Parameters<typeof checkJsonSchema>[0];

/** An outbox in memory, shaped like a RunStore's (read oldest first, delete what was published). */
class MemoryOutbox implements RunEventSource {
  readonly events: RunEvent[] = [];
  readonly marked: string[][] = [];
  private readonly seqs = new Map<string, number>();

  add(runId: string, status: RunStatus): RunEvent {
    const seq = (this.seqs.get(runId) ?? 0) + 1;
    this.seqs.set(runId, seq);
    const at = new Date(Date.UTC(2026, 2, 1, 12, 0, seq)).toISOString();
    const event: RunEvent = {
      event_type: seq === 1 ? 'create' : 'update',
      event_id: randomUUID(),
      seq,
      payload: {
        id: runId,
        runbook: 'deploy.md',
        operation: 'execute',
        status,
        attempt: status === 'queued' ? 0 : 1,
        return_code: status === 'success' ? 0 : null,
        requested_by: 'alice',
        correlation_id: runId,
        labels: { env: 'prod' },
        created_at: new Date(Date.UTC(2026, 2, 1, 12, 0, 1)).toISOString(),
        started_at: status === 'queued' ? null : at,
        finished_at: status === 'success' ? at : null,
        updated_at: at,
        trigger: 'mcp',
        client: 'e2e-agent/1.0',
        waiting_for: null,
        queue_position: null,
      },
    };
    this.events.push(event);
    return event;
  }

  readOutbox(limit = 100): Promise<RunEvent[]> {
    return Promise.resolve(this.events.slice(0, limit));
  }

  markPublished(eventIds: readonly string[]): Promise<number> {
    this.marked.push([...eventIds]);
    const before = this.events.length;
    const ids = new Set(eventIds);
    this.events.splice(
      0,
      this.events.length,
      ...this.events.filter((event) => !ids.has(event.event_id)),
    );
    return Promise.resolve(before - this.events.length);
  }
}

/** Fills an outbox with the lives of `runs` runs: queued, running, success. */
function lives(outbox: MemoryOutbox, runs: number): RunEvent[] {
  const all: RunEvent[] = [];
  for (const status of ['queued', 'running', 'success'] as const) {
    for (let index = 0; index < runs; index += 1) all.push(outbox.add(`run-${index}`, status));
  }
  return all;
}

class RecordingSink implements RunEventSink {
  readonly batches: RunEvent[][] = [];
  constructor(
    readonly name: string,
    private failures = 0,
  ) {}
  deliver(events: readonly RunEvent[]): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      return Promise.reject(new Error(`${this.name} is down`));
    }
    this.batches.push([...events]);
    return Promise.resolve();
  }
}

describe('run events', () => {
  it('conform to docs/run-event.schema.json', () => {
    const outbox = new MemoryOutbox();
    for (const event of lives(outbox, 2)) expect(checkJsonSchema(SCHEMA, event)).toEqual([]);
    const bad = {
      ...outbox.events[0],
      seq: 0,
      extra: true,
      payload: { id: 'x', status: 'paused' },
    };
    expect(checkJsonSchema(SCHEMA, bad)).toEqual(
      expect.arrayContaining([
        '$.seq: 0 < 1',
        '$.extra: not allowed',
        '$.payload.runbook: missing',
      ]),
    );
  });
});

describe('EventRelay', () => {
  let prefix = uniquePrefix('events');

  afterEach(async () => {
    await deleteKeys(prefix);
    prefix = uniquePrefix('events');
  });

  it('publishes the outbox to a Redis Stream in order, in the envelope, and marks it published', async () => {
    const outbox = new MemoryOutbox();
    const events = lives(outbox, 3);
    const stream = `${prefix}runs.events`;
    const sink = new RedisStreamEventSink({ connection: REDIS_URL, stream });
    const relay = new EventRelay({
      source: outbox,
      sinks: [sink],
      batchSize: 4,
      pollIntervalMs: 20,
    });
    const redis = new Redis(REDIS_URL);
    try {
      expect(sink.stream).toBe(stream);
      relay.start();
      relay.start();
      expect(relay.isRunning).toBe(true);
      await waitFor(() => outbox.events.length === 0);
      const entries = await redis.xrange(stream, '-', '+');
      const published = entries.map(([, fields]) => decodeRunEventEntry(fields));
      expect(published).toEqual(events);
      expect(entries[0]?.[1]).toEqual([
        'event_type',
        'create',
        'event_id',
        events[0]?.event_id,
        'seq',
        '1',
        'run_id',
        'run-0',
        'payload',
        JSON.stringify(events[0]?.payload),
      ]);
      expect(outbox.marked.map((batch) => batch.length)).toEqual([4, 4, 1]);
      // New events are picked up by the running loop; notify() saves the poll delay.
      const more = outbox.add('run-9', 'queued');
      relay.notify();
      await waitFor(() => outbox.events.length === 0);
      const last = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
      expect(decodeRunEventEntry(last[0]?.[1] ?? [])).toEqual(more);
    } finally {
      await relay.stop({ closeSinks: true });
      expect(relay.isRunning).toBe(false);
      redis.disconnect();
    }
  });

  it('delivers at least once: a failing sink gets the batch again, the others do not, nothing is lost', async () => {
    const outbox = new MemoryOutbox();
    const events = lives(outbox, 2);
    const healthy = new RecordingSink('healthy');
    const flaky = new RecordingSink('flaky', 2);
    const relay = new EventRelay({ source: outbox, sinks: [healthy, flaky] });
    for (let failure = 0; failure < 2; failure += 1) {
      let caught: unknown = null;
      try {
        await relay.relayOnce();
      } catch (error) {
        caught = error;
      }
      expect(isDispatchError(caught, 'SINK_FAILED')).toBe(true);
      expect((caught as Error).message).toContain('flaky is down');
      expect(outbox.events).toHaveLength(events.length);
    }
    expect(await relay.relayOnce()).toBe(events.length);
    expect(await relay.relayOnce()).toBe(0);
    expect(healthy.batches).toEqual([events]);
    expect(flaky.batches).toEqual([events]);
    expect(outbox.events).toEqual([]);
  });

  it('keeps retrying in the background with a growing pause, then catches up', async () => {
    const outbox = new MemoryOutbox();
    const events = lives(outbox, 1);
    const flaky = new RecordingSink('flaky', 3);
    const errors: unknown[] = [];
    const relay = new EventRelay({
      source: outbox,
      sinks: [flaky],
      retryDelayMs: 5,
      maxRetryDelayMs: 20,
      pollIntervalMs: 10_000,
      onError: (error) => errors.push(error),
    });
    relay.start();
    await waitFor(() => outbox.events.length === 0);
    expect(errors).toHaveLength(3);
    expect(flaky.batches).toEqual([events]);
    const started = Date.now();
    await relay.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fails fast with SINK_FAILED when the stream cannot be reached', async () => {
    const sink = new RedisStreamEventSink({ connection: 'redis://127.0.0.1:6390', timeoutMs: 300 });
    const outbox = new MemoryOutbox();
    lives(outbox, 1);
    const relay = new EventRelay({ source: outbox, sinks: [sink] });
    const started = Date.now();
    let caught: unknown = null;
    try {
      await relay.relayOnce();
    } catch (error) {
      caught = error;
    }
    expect(isDispatchError(caught, 'SINK_FAILED')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(outbox.events).toHaveLength(3);
    await sink.deliver([]);
    await sink.close();
  });

  it('decodes only run events', () => {
    expect(() => decodeRunEventEntry(['event_type', 'create'])).toThrow(/not a run event/);
    expect(() =>
      decodeRunEventEntry(['event_type', 'explode', 'event_id', 'x', 'seq', '1', 'payload', '{}']),
    ).toThrow(/not a run event/);
    expect(() =>
      decodeRunEventEntry(['event_type', 'update', 'event_id', 'x', 'seq', '1', 'payload', '{']),
    ).toThrow(/not JSON/);
  });
});

interface Delivery {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP receiver whose answers the test scripts. */
async function receiver(answer: (delivery: Delivery, index: number) => number | 'hang'): Promise<{
  url: string;
  deliveries: Delivery[];
  close: () => Promise<void>;
}> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const delivery = { headers: request.headers, body };
      deliveries.push(delivery);
      const status = answer(delivery, deliveries.length - 1);
      if (status === 'hang') return;
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/runs`,
    deliveries,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('WebhookEventSink', () => {
  const secret = 'topsecret';

  it('POSTs each event in order, signed with HMAC-SHA256 over timestamp and body', async () => {
    const hook = await receiver(() => 204);
    try {
      const outbox = new MemoryOutbox();
      const events = lives(outbox, 2);
      const sink = new WebhookEventSink({ url: hook.url, secret, headers: { 'x-api-key': 'k' } });
      const relay = new EventRelay({ source: outbox, sinks: [sink] });
      expect(await relay.relayOnce()).toBe(6);
      expect(hook.deliveries.map((delivery) => JSON.parse(delivery.body) as RunEvent)).toEqual(
        events,
      );
      for (const [index, delivery] of hook.deliveries.entries()) {
        const timestamp = String(delivery.headers[WEBHOOK_HEADERS.timestamp]);
        const signature = String(delivery.headers[WEBHOOK_HEADERS.signature]);
        expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
        expect(signature).toBe(signWebhookBody(secret, Number(timestamp), delivery.body));
        expect(verifyWebhookSignature({ secret, body: delivery.body, timestamp, signature })).toBe(
          true,
        );
        expect(
          verifyWebhookSignature({ secret: 'wrong', body: delivery.body, timestamp, signature }),
        ).toBe(false);
        expect(delivery.headers[WEBHOOK_HEADERS.eventId]).toBe(events[index]?.event_id);
        expect(delivery.headers[WEBHOOK_HEADERS.eventType]).toBe(events[index]?.event_type);
        expect(delivery.headers['content-type']).toBe('application/json');
        expect(delivery.headers['x-api-key']).toBe('k');
      }
    } finally {
      await hook.close();
    }
  });

  it('retries 5xx, 429, timeouts and network errors with back-off; skips a refusal for good', async () => {
    const hook = await receiver(
      (_delivery, index) => [503, 429, 'hang' as const, 200, 400][index] ?? 200,
    );
    const rejected: [string, number][] = [];
    try {
      const outbox = new MemoryOutbox();
      const [first, second] = [outbox.add('r', 'queued'), outbox.add('r', 'running')];
      const sink = new WebhookEventSink({
        url: hook.url,
        secret,
        retryDelayMs: 10,
        timeoutMs: 300,
        onRejected: (event, status) => rejected.push([event.event_id, status]),
      });
      await sink.deliver([first, second]);
      expect(hook.deliveries).toHaveLength(5);
      expect(
        hook.deliveries.slice(0, 4).every((delivery) => delivery.body === JSON.stringify(first)),
      ).toBe(true);
      expect(rejected).toEqual([[second.event_id, 400]]);
    } finally {
      await hook.close();
    }
    const nowhere = new WebhookEventSink({
      url: 'http://127.0.0.1:6391/',
      secret,
      maxAttempts: 2,
      retryDelayMs: 5,
    });
    let caught: unknown = null;
    try {
      await nowhere.deliver([new MemoryOutbox().add('x', 'queued')]);
    } catch (error) {
      caught = error;
    }
    expect(isDispatchError(caught, 'SINK_FAILED')).toBe(true);
    expect((caught as Error).message).toContain('after 2 attempts');
  });

  it('fails the batch after maxAttempts of 5xx, so the relay tries again later', async () => {
    const hook = await receiver(() => 500);
    try {
      const sink = new WebhookEventSink({ url: hook.url, secret, maxAttempts: 3, retryDelayMs: 1 });
      let caught: unknown = null;
      try {
        await sink.deliver([new MemoryOutbox().add('x', 'queued')]);
      } catch (error) {
        caught = error;
      }
      expect((caught as Error).message).toContain('HTTP 500');
      expect(hook.deliveries).toHaveLength(3);
    } finally {
      await hook.close();
    }
  });

  it('checks its options and refuses stale or malformed signatures', () => {
    expect(() => new WebhookEventSink({ url: 'http://x', secret: '' })).toThrow(/secret/);
    expect(() => new WebhookEventSink({ url: 'not a url', secret })).toThrow(/URL/);
    const body = '{"a":1}';
    const signature = signWebhookBody(secret, 1000, body);
    expect(
      verifyWebhookSignature({ secret, body, timestamp: 1000, signature, nowSeconds: 1200 }),
    ).toBe(true);
    expect(
      verifyWebhookSignature({ secret, body, timestamp: 1000, signature, nowSeconds: 1400 }),
    ).toBe(false);
    expect(verifyWebhookSignature({ secret, body, timestamp: 'soon', signature })).toBe(false);
    expect(
      verifyWebhookSignature({
        secret,
        body,
        timestamp: 1000,
        signature: 'sha256=00',
        nowSeconds: 1000,
      }),
    ).toBe(false);
  });
});
