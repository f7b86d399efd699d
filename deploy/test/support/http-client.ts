import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Options of {@link httpCall} and {@link openStream}. */
export interface HttpCallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** CA certificate (PEM) trusted for https URLs. */
  ca?: string;
  timeoutMs?: number;
}

/** A complete HTTP response. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(
  url: string,
  options: HttpCallOptions,
  onResponse: (response: IncomingMessage) => void,
) {
  const target = new URL(url);
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined)
    headers['Content-Length'] = String(Buffer.byteLength(options.body));
  const common = {
    method: options.method ?? 'GET',
    hostname: target.hostname,
    port: target.port,
    path: `${target.pathname}${target.search}`,
    headers,
    // Nothing is pooled, so a finished test leaves no open sockets.
    agent: false as const,
  };
  const req =
    target.protocol === 'https:'
      ? httpsRequest({ ...common, ca: options.ca, servername: 'localhost' }, onResponse)
      : httpRequest(common, onResponse);
  if (options.body !== undefined) req.write(options.body);
  req.end();
  return req;
}

/** Sends one request and reads the whole response. */
export function httpCall(url: string, options: HttpCallOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolveAnswer, reject) => {
    const req = send(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolveAnswer({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error(`Timed out: ${url}`)));
  });
}

/** One piece of a streamed body and when it arrived (ms since the request was sent). */
export interface StreamChunk {
  atMs: number;
  text: string;
}

/** A streamed response: status and headers, every chunk with its arrival time, and how it ended. */
export interface StreamedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  chunks: StreamChunk[];
  body: string;
  /** `end` when the server finished the body, `aborted` when the connection broke first. */
  ending: 'end' | 'aborted';
  totalMs: number;
}

/** Sends a request and records its body as it streams in, until the server ends or drops it. */
export function openStream(url: string, options: HttpCallOptions = {}): Promise<StreamedAnswer> {
  const startedAt = Date.now();
  return new Promise((resolveAnswer, reject) => {
    const req = send(url, options, (response) => {
      const chunks: StreamChunk[] = [];
      let settled = false;
      const finish = (ending: 'end' | 'aborted') => {
        if (settled) return;
        settled = true;
        resolveAnswer({
          status: response.statusCode ?? 0,
          headers: response.headers,
          chunks,
          body: chunks.map((c) => c.text).join(''),
          ending,
          totalMs: Date.now() - startedAt,
        });
      };
      response.setEncoding('utf8');
      response.on('data', (text: string) => chunks.push({ atMs: Date.now() - startedAt, text }));
      response.on('end', () => finish(response.complete ? 'end' : 'aborted'));
      response.on('aborted', () => finish('aborted'));
      response.on('error', () => finish('aborted'));
      response.on('close', () => finish(response.complete ? 'end' : 'aborted'));
    });
    req.on('error', reject);
    req.setTimeout(options.timeoutMs ?? 120_000, () => req.destroy(new Error(`Timed out: ${url}`)));
  });
}
