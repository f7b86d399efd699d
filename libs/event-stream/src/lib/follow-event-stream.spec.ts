import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FollowEventStreamError,
  followEventStream,
  type FollowEventStreamOptions,
  type FollowState,
} from './follow-event-stream';
import type { SseEvent } from './sse-parser';

/** What the test server does with one connection (n counts connections from 0). */
type Script = (n: number, request: IncomingMessage, response: ServerResponse) => void;

/** A real HTTP server on loopback whose answer to each connection a test scripts. */
class ScriptedServer {
  readonly lastEventIds: (string | undefined)[] = [];
  private readonly open = new Set<ServerResponse>();
  private server: Server | null = null;
  private base = '';

  async start(script: Script): Promise<string> {
    this.server = createServer((request, response) => {
      const n = this.lastEventIds.length;
      this.lastEventIds.push(request.headers['last-event-id'] as string | undefined);
      this.open.add(response);
      response.on('close', () => this.open.delete(response));
      script(n, request, response);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
    return this.base;
  }

  /** Opens a connection with fetch, as the web console and the CLI do. */
  readonly connect: FollowEventStreamOptions['connect'] = async ({ lastEventId, signal }) => {
    const response = await fetch(`${this.base}/events`, {
      headers: lastEventId ? { 'Last-Event-ID': lastEventId } : {},
      signal: signal as AbortSignal,
    });
    if (response.status !== 200 || !response.body) {
      throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
    }
    return response.body;
  };

  async stop(): Promise<void> {
    for (const response of this.open) response.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}

function sse(response: ServerResponse, text: string): void {
  if (!response.headersSent) response.writeHead(200, { 'Content-Type': 'text/event-stream' });
  response.write(text);
}

async function collect(events: AsyncIterable<SseEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of events) seen.push(`${event.event}:${event.data}`);
  return seen;
}

const fast = { retryDelaysMs: [5, 10], silenceTimeoutMs: 2000 };

describe('followEventStream against a real HTTP server', () => {
  let server: ScriptedServer;
  beforeEach(() => (server = new ScriptedServer()));
  afterEach(() => server.stop());

  it('yields every event up to the terminal one and closes the connection', async () => {
    await server.start((_n, _req, res) => {
      sse(res, ': ping\n\nid: 1\nevent: stdout\ndata: a\n\nid: 2\nevent: stderr\ndata: b\n\n');
      sse(res, 'event: done\ndata: {}\n\n');
    });
    const events = await collect(followEventStream({ ...fast, connect: server.connect }));
    expect(events).toEqual(['stdout:a', 'stderr:b', 'done:{}']);
    expect(server.lastEventIds).toEqual([undefined]);
  });

  it('reconnects with Last-Event-ID after a dropped connection and skips a replay', async () => {
    await server.start((n, _req, res) => {
      if (n === 0) {
        sse(res, 'id: 1\nevent: stdout\ndata: one\n\nid: 2\nevent: stdout\ndata: two\n\n');
        setTimeout(() => res.destroy(), 20); // the connection breaks mid-run
        return;
      }
      // A server that ignores Last-Event-ID replays everything: nothing may show twice.
      sse(res, 'id: 1\nevent: stdout\ndata: one\n\nid: 2\nevent: stdout\ndata: two\n\n');
      sse(res, 'id: 3\nevent: stdout\ndata: three\n\nevent: done\ndata: {}\n\n');
      res.end();
    });
    const states: FollowState[] = [];
    const events = await collect(
      followEventStream({ ...fast, connect: server.connect, onStateChange: (s) => states.push(s) }),
    );
    expect(events).toEqual(['stdout:one', 'stdout:two', 'stdout:three', 'done:{}']);
    expect(server.lastEventIds).toEqual([undefined, '2']);
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'live']);
  });

  it('starts from a known resume point', async () => {
    await server.start((_n, _req, res) =>
      sse(res, 'id: 8\nevent: stdout\ndata: x\n\nevent: done\ndata: {}\n\n'),
    );
    const events = await collect(
      followEventStream({ ...fast, lastEventId: '7', connect: server.connect }),
    );
    expect(events).toEqual(['stdout:x', 'done:{}']);
    expect(server.lastEventIds).toEqual(['7']);
  });

  it('drops a connection that goes silent (no heartbeat) and resumes', async () => {
    await server.start((n, _req, res) => {
      if (n === 0) {
        sse(res, 'id: 1\nevent: stdout\ndata: a\n\n'); // then nothing, connection stays open
        return;
      }
      sse(res, 'id: 2\nevent: stdout\ndata: b\n\nevent: done\ndata: {}\n\n');
    });
    const started = Date.now();
    const events = await collect(
      followEventStream({ ...fast, silenceTimeoutMs: 150, connect: server.connect }),
    );
    expect(events).toEqual(['stdout:a', 'stdout:b', 'done:{}']);
    expect(server.lastEventIds).toEqual([undefined, '1']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('keeps a quiet connection open while heartbeats arrive', async () => {
    await server.start((_n, _req, res) => {
      sse(res, 'id: 1\nevent: stdout\ndata: a\n\n');
      let beats = 0;
      const timer = setInterval(() => {
        beats += 1;
        sse(res, ': ping\n\n');
        if (beats === 6) {
          clearInterval(timer);
          sse(res, 'event: done\ndata: {}\n\n');
        }
      }, 50);
      res.on('close', () => clearInterval(timer));
    });
    const events = await collect(
      followEventStream({ ...fast, silenceTimeoutMs: 150, connect: server.connect }),
    );
    expect(events).toEqual(['stdout:a', 'done:{}']);
    expect(server.lastEventIds).toHaveLength(1);
  });

  it('throws the error of connect at once when it is not retryable', async () => {
    await server.start((_n, _req, res) => res.writeHead(404).end());
    const follow = followEventStream({
      ...fast,
      connect: server.connect,
      isRetryable: (error) => (error as { status?: number }).status !== 404,
    });
    await expect(collect(follow)).rejects.toThrow('HTTP 404');
    expect(server.lastEventIds).toHaveLength(1);
  });

  it('gives up with RETRIES_EXHAUSTED and the resume point after attempts without progress', async () => {
    await server.start((n, _req, res) => {
      if (n === 0) sse(res, 'id: 4\nevent: stdout\ndata: a\n\n');
      res.end(); // closes before `done`, every time
    });
    const follow = followEventStream({ ...fast, maxRetries: 2, connect: server.connect });
    const error = await collect(follow).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(FollowEventStreamError);
    expect(error).toMatchObject({ code: 'RETRIES_EXHAUSTED', lastEventId: '4', attempts: 3 });
    expect(server.lastEventIds).toEqual([undefined, '4', '4', '4']);
  });

  it('lets isRetryable tell a down server on the first attempt from a later drop', async () => {
    await server.start(() => undefined);
    await server.stop(); // nothing listens on the port any more
    const contexts: unknown[] = [];
    const follow = followEventStream({
      ...fast,
      connect: server.connect,
      isRetryable: (_error, context) => {
        contexts.push(context);
        return context.hasConnected;
      },
    });
    await expect(collect(follow)).rejects.toThrow('fetch failed');
    expect(contexts).toEqual([{ attempt: 0, hasConnected: false }]);
  });

  it('ends quietly when its signal aborts, during a read or a back-off', async () => {
    await server.start((n, _req, res) => {
      if (n % 2 === 0)
        res.end(); // the first connection of each follower forces a back-off
      else sse(res, 'id: 1\nevent: stdout\ndata: a\n\n'); // then stays open
    });
    const controller = new AbortController();
    const events: string[] = [];
    for await (const event of followEventStream({
      connect: server.connect,
      retryDelaysMs: [30],
      signal: controller.signal,
    })) {
      events.push(event.data);
      controller.abort();
    }
    expect(events).toEqual(['a']);

    const early = new AbortController();
    const backoff = followEventStream({
      connect: server.connect,
      retryDelaysMs: [60_000],
      signal: early.signal,
    });
    setTimeout(() => early.abort(), 50);
    await expect(collect(backoff)).resolves.toEqual([]);
  });

  it('treats a non-numeric id equal to the last one as a replay', async () => {
    await server.start((n, _req, res) => {
      if (n === 0) {
        sse(res, 'id: a-1\nevent: stdout\ndata: x\n\n');
        res.end();
        return;
      }
      sse(res, 'id: a-1\nevent: stdout\ndata: x\n\nid: a-2\nevent: stdout\ndata: y\n\n');
      sse(res, 'event: end\ndata: bye\n\n');
    });
    const events = await collect(
      followEventStream({
        ...fast,
        connect: server.connect,
        isTerminal: (event) => event.event === 'end',
      }),
    );
    expect(events).toEqual(['stdout:x', 'stdout:y', 'end:bye']);
  });
});
