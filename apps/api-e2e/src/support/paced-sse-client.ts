import { request, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';

/**
 * An event-stream client whose reading the test controls: it can stop reading (the server's
 * writes then fill the socket buffers and stall) and read again later.
 */
export class PacedSseClient {
  private text = '';
  private closedAt: number | null = null;
  private readonly closed: Promise<void>;

  private constructor(readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (this.text += chunk));
    this.closed = new Promise((resolve) => {
      const done = () => {
        this.closedAt ??= Date.now();
        resolve();
      };
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
  }

  /** Opens `path` with `Accept: text/event-stream`; reads nothing until `resume` unless `reading`. */
  static open(
    baseUrl: string,
    path: string,
    token: string,
    { reading = false, headers = {} }: { reading?: boolean; headers?: Record<string, string> } = {},
  ): Promise<PacedSseClient> {
    const url = new URL(path, baseUrl);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        {
          headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token}`, ...headers },
        },
        (response) => {
          if (!reading) response.pause();
          resolve(new PacedSseClient(response));
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  /** Everything read so far. */
  get received(): string {
    return this.text;
  }

  /** Whether the stream has ended (all of it read, or the connection closed). */
  get isClosed(): boolean {
    return this.closedAt !== null;
  }

  pause(): void {
    this.response.pause();
  }

  resume(): void {
    this.response.resume();
  }

  /** Reads in bursts (`readMs` reading, `pauseMs` not) until the stream ends. */
  async readSlowly(readMs: number, pauseMs: number): Promise<void> {
    while (!this.isClosed) {
      this.resume();
      await sleep(readMs);
      this.pause();
      await sleep(pauseMs);
    }
  }

  /** Reads the rest at full speed; resolves when the stream ends. */
  async readToEnd(): Promise<string> {
    this.resume();
    await this.closed;
    return this.text;
  }

  /** Closes the connection. */
  destroy(): void {
    this.response.destroy();
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resident memory of a process in bytes (from /proc). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** How long a GET takes to answer, in ms (or Infinity when it fails). */
export async function timeGet(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(20_000) }).catch(() => null);
  if (response === null) return Number.POSITIVE_INFINITY;
  await response.text();
  return performance.now() - started;
}
