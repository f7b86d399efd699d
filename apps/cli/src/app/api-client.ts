import {
  type EventStreamSource,
  runListQueryString,
  type RunListQuery,
} from '@runbooks/event-stream';
import type {
  ConfigResponse,
  DevLoginRequest,
  DevLoginResponse,
  ExecuteRequest,
  RequiredEnvResponse,
  RunAccepted,
  RunListResponse,
  RunRecord,
  RunbookContentResponse,
  RunbookListResponse,
  ScheduleListResponse,
  ValidateResponse,
} from '@runbooks/types';
import { CliError } from './cli-error';

/** How to reach a Runbooks API. */
export interface ApiClientOptions {
  /** Base URL, e.g. `http://localhost:8083` (a path prefix is kept). */
  baseUrl: string;
  /** Bearer token, or null to send none. */
  token: string | null;
  /** Limit for one request/response that is not a stream (default 30 s). */
  requestTimeoutMs?: number;
  /** Sent as `User-Agent`. */
  userAgent?: string;
}

/** Filters and paging of `GET /api/runs`: the encoding shared with the API and the console. */
export type RunQuery = RunListQuery;

/** An open event stream of a run (execute or run events). */
export interface RunEventStream {
  /** The run id from `X-Run-Id` (null if the server sent none). */
  runId: string | null;
  /** The `text/event-stream` body (a JSON answer is turned into the same events). */
  source: EventStreamSource;
  /**
   * Set when execute answered that the run waits for approval (202): `source` is then the run's
   * events stream, which stays open until the run starts (or ends without running).
   */
  pendingApproval?: RunAccepted;
}

/** Client of the Runbooks HTTP API (reference §3 plus runs): JSON calls and SSE streams. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string | null;
  private readonly requestTimeoutMs: number;
  private readonly userAgent: string;

  constructor(options: ApiClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.baseUrl);
    } catch {
      throw new CliError(
        'USAGE',
        `invalid API URL '${options.baseUrl}' (expected http(s)://host:port)`,
      );
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new CliError('USAGE', `invalid API URL '${options.baseUrl}' (expected http or https)`);
    }
    this.baseUrl = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
    this.token = options.token;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? 'runbook-cli';
  }

  /** Whether a token is sent. */
  get hasToken(): boolean {
    return this.token !== null && this.token !== '';
  }

  /** `GET /api/runbooks`. */
  listRunbooks(): Promise<RunbookListResponse> {
    return this.json('GET', '/api/runbooks');
  }

  /** `GET /api/runbooks/:f`. */
  getRunbook(filename: string): Promise<RunbookContentResponse> {
    return this.json('GET', `/api/runbooks/${encodeURIComponent(filename)}`);
  }

  /** `GET /api/runbooks/:f/required-env`. */
  requiredEnv(filename: string): Promise<RequiredEnvResponse> {
    return this.json('GET', `/api/runbooks/${encodeURIComponent(filename)}/required-env`);
  }

  /** `PATCH /api/runbooks/:f/validate`: 200 (valid) and 400 (invalid) both answer the result. */
  validate(filename: string, envVars: Record<string, string>): Promise<ValidateResponse> {
    return this.json('PATCH', `/api/runbooks/${encodeURIComponent(filename)}/validate`, {
      body: { env_vars: envVars },
      isResult: (body) =>
        typeof body === 'object' && body !== null && 'success' in body && 'errors' in body,
    });
  }

  /** `POST /api/runbooks/:f/execute` as an SSE stream (`Accept: text/event-stream`). */
  async executeStream(
    filename: string,
    request: ExecuteRequest,
    signal?: AbortSignal,
  ): Promise<RunEventStream> {
    const path = `/api/runbooks/${encodeURIComponent(filename)}/execute`;
    const response = await this.openStream('POST', path, { body: request, signal });
    if (response.status === 202) {
      // The runbook has an Approval section: the run waits; follow its events until it starts.
      const accepted = (await readJson(response, 'POST', path)) as RunAccepted;
      const events = await this.runEvents(accepted.run_id, null, signal);
      return { ...events, runId: accepted.run_id, pendingApproval: accepted };
    }
    return this.toEventStream(response, 'POST', path);
  }

  /** `POST /api/runbooks/:f/execute` with `Prefer: respond-async`: 202 and the run's location. */
  async executeDetached(filename: string, request: ExecuteRequest): Promise<RunAccepted> {
    const path = `/api/runbooks/${encodeURIComponent(filename)}/execute`;
    const {
      status,
      headers,
      body: answer,
    } = await this.exchange('POST', path, {
      body: request,
      headers: { Prefer: 'respond-async' },
    });
    if (status !== 202) {
      throw new CliError(
        'API_ERROR',
        `the API answered ${status} instead of 202 to a detached execute (does it support runs?)`,
      );
    }
    const body = answer as Partial<RunAccepted>;
    const runId = body.run_id ?? headers.get('x-run-id') ?? '';
    return {
      run_id: runId,
      status: body.status ?? 'queued',
      location: body.location ?? headers.get('location') ?? `/api/runs/${runId}`,
      ...(body.approval ? { approval: body.approval } : {}),
    };
  }

  /** `GET /api/approvals`: runs pending approval the caller could approve now. */
  listApprovals(limit: number): Promise<RunListResponse> {
    return this.json('GET', `/api/approvals?limit=${limit}`);
  }

  /** `POST /api/runs/:id/approve`. */
  approveRun(id: string, comment?: string): Promise<RunRecord> {
    return this.json('POST', `/api/runs/${encodeURIComponent(id)}/approve`, {
      body: comment === undefined ? {} : { comment },
    });
  }

  /** `POST /api/runs/:id/reject` (the reason is required). */
  rejectRun(id: string, reason: string): Promise<RunRecord> {
    return this.json('POST', `/api/runs/${encodeURIComponent(id)}/reject`, { body: { reason } });
  }

  /** `GET /api/config`. */
  getConfig(): Promise<ConfigResponse> {
    return this.json('GET', '/api/config');
  }

  /** `POST /dev-login`. */
  devLogin(request: DevLoginRequest): Promise<DevLoginResponse> {
    return this.json('POST', '/dev-login', { body: request, anonymous: true });
  }

  /** `GET /api/runs` with filters (`filter[...]`), `limit` and `cursor`. */
  listRuns(query: RunQuery): Promise<RunListResponse> {
    return this.json('GET', `/api/runs${runListQueryString(query)}`);
  }

  /** Follows a `links.next` value: a URL or path carrying `cursor=…`, or the cursor itself. */
  listRunsNext(next: string, query: RunQuery): Promise<RunListResponse> {
    return this.listRuns({ ...query, cursor: cursorOf(next) });
  }

  /** `GET /api/schedules`. */
  listSchedules(): Promise<ScheduleListResponse> {
    return this.json('GET', '/api/schedules');
  }

  /** `GET /api/runs/:id`. */
  getRun(id: string): Promise<RunRecord> {
    return this.json('GET', `/api/runs/${encodeURIComponent(id)}`);
  }

  /** `POST /api/runs/:id/cancel`. */
  cancelRun(id: string, reason?: string): Promise<RunRecord> {
    return this.json('POST', `/api/runs/${encodeURIComponent(id)}/cancel`, {
      body: reason === undefined ? {} : { reason },
    });
  }

  /** `GET /api/runs/:id/events`: replay then live tail, resumed after `lastEventId` when given. */
  async runEvents(
    id: string,
    lastEventId: string | null,
    signal?: AbortSignal,
  ): Promise<RunEventStream> {
    const path = `/api/runs/${encodeURIComponent(id)}/events`;
    const response = await this.openStream('GET', path, {
      headers: lastEventId === null ? {} : { 'Last-Event-ID': lastEventId },
      signal,
    });
    return this.toEventStream(response, 'GET', path);
  }

  private async toEventStream(
    response: Response,
    method: string,
    path: string,
  ): Promise<RunEventStream> {
    const runId = response.headers.get('x-run-id');
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('text/event-stream')) {
      // A server without content negotiation answered JSON: replay it as events.
      const result = (await readJson(response, method, path)) as Record<string, unknown>;
      const chunks: string[] = [];
      for (const stream of ['stdout', 'stderr'] as const) {
        const text = result[stream];
        if (typeof text === 'string' && text !== '') chunks.push(sseText(stream, text));
      }
      chunks.push(sseText('done', JSON.stringify(result)));
      return { runId: runId ?? stringOrNull(result['run_id']), source: arrayStream(chunks) };
    }
    const body = response.body;
    if (!body) throw new CliError('API_ERROR', `${method} ${path}: empty event stream`);
    return { runId, source: body };
  }

  private async json<T>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      isResult?: (body: unknown) => boolean;
      anonymous?: boolean;
    } = {},
  ): Promise<T> {
    const answer = await this.exchange(method, path, options);
    if (answer.status < 200 || answer.status > 299) {
      if (options.isResult?.(answer.body)) return answer.body as T;
      throw apiError(
        answer,
        answer.body,
        `${method} ${this.baseUrl}${path}`,
        this.sendsToken(options),
      );
    }
    return answer.body as T;
  }

  private sendsToken(options: { anonymous?: boolean }): boolean {
    return this.hasToken && !options.anonymous;
  }

  private headersFor(
    accept: string,
    options: { body?: unknown; headers?: Record<string, string>; anonymous?: boolean },
  ): Record<string, string> {
    const headers: Record<string, string> = {
      Accept: accept,
      'User-Agent': this.userAgent,
      ...options.headers,
    };
    if (this.token && !options.anonymous) headers['Authorization'] = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    return headers;
  }

  /** One JSON request and its whole answer, bounded by the request timeout. */
  private async exchange(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; anonymous?: boolean },
  ): Promise<{ status: number; headers: Headers; body: unknown }> {
    const timeout = this.startTimeout(method, path);
    try {
      const response = await this.fetch(method, path, {
        headers: this.headersFor('application/json', options),
        body: options.body,
        signal: timeout.signal,
      });
      const body = await readJson(response, method, path);
      return { status: response.status, headers: response.headers, body };
    } catch (error) {
      if (timeout.signal.aborted) throw timeout.signal.reason;
      throw error;
    } finally {
      timeout.clear();
    }
  }

  /** Opens an SSE stream: its headers must arrive within the request timeout, then only `signal` ends it. */
  private async openStream(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal | undefined },
  ): Promise<Response> {
    const timeout = this.startTimeout(method, path);
    const signal = options.signal
      ? AbortSignal.any([options.signal, timeout.signal])
      : timeout.signal;
    let response: Response;
    try {
      response = await this.fetch(method, path, {
        headers: this.headersFor('text/event-stream', options),
        body: options.body,
        signal,
      });
    } catch (error) {
      if (timeout.signal.aborted) throw timeout.signal.reason;
      throw error;
    } finally {
      timeout.clear();
    }
    if (!response.ok) {
      const body = await readJson(response, method, path).catch(() => null);
      throw apiError(response, body, `${method} ${this.baseUrl}${path}`, this.hasToken);
    }
    return response;
  }

  private startTimeout(method: string, path: string): { signal: AbortSignal; clear: () => void } {
    const controller = new AbortController();
    const limit =
      this.requestTimeoutMs >= 1000
        ? `${Math.round(this.requestTimeoutMs / 1000)} s`
        : `${this.requestTimeoutMs} ms`;
    const timer = setTimeout(() => {
      controller.abort(
        new CliError(
          'API_UNREACHABLE',
          `no answer from ${this.baseUrl} within ${limit} (${method} ${path})`,
        ),
      );
    }, this.requestTimeoutMs);
    return { signal: controller.signal, clear: () => clearTimeout(timer) };
  }

  private async fetch(
    method: string,
    path: string,
    init: { headers: Record<string, string>; body?: unknown; signal: AbortSignal },
  ): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: init.headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch (error) {
      if (init.signal.aborted) throw error;
      throw unreachable(this.baseUrl, error);
    }
  }
}

/** The cursor in a `links.next` value (`/api/runs?cursor=abc&limit=5` → `abc`). */
export function cursorOf(next: string): string {
  if (!next.includes('?') && !/^https?:\/\//.test(next)) return next;
  const url = new URL(next, 'http://localhost');
  return url.searchParams.get('cursor') ?? next;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

async function* arrayStream<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

/** One event in `text/event-stream` form (every line of `data` on its own `data:` line). */
function sseText(event: string, data: string): string {
  return `event: ${event}\n${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}

/** Reads a JSON body; a non-JSON body becomes `{ error: <first line of the text> }`. */
async function readJson(response: Response, method: string, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new CliError(
      'API_UNREACHABLE',
      `${method} ${path}: the connection broke while reading the answer`,
      {
        cause: error,
      },
    );
  }
  if (text.trim() === '') return response.ok ? {} : { error: `HTTP ${response.status}` };
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (response.ok) {
      throw new CliError(
        'API_ERROR',
        `${method} ${path}: the API answered something that is not JSON`,
      );
    }
    const firstLine =
      text
        .replace(/<[^>]*>/g, ' ')
        .trim()
        .split('\n')[0] ?? '';
    return { error: `HTTP ${response.status}${firstLine ? `: ${firstLine.slice(0, 200)}` : ''}` };
  }
}

/** Maps an HTTP error answer to a one-line {@link CliError}. */
export function apiError(
  response: Pick<Response, 'status' | 'headers'>,
  body: unknown,
  request: string,
  sentToken: boolean,
): CliError {
  const raw =
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : `HTTP ${response.status}`;
  const message = raw.replace(/\s+/g, ' ').trim();
  switch (response.status) {
    case 400:
      return new CliError('BAD_REQUEST', `bad request: ${message}`);
    case 401:
      return new CliError(
        'UNAUTHENTICATED',
        `not authenticated: ${message} (${
          sentToken
            ? 'the token was refused; run `runbook login` for a new one'
            : 'no token: run `runbook login` or pass --token / RUNBOOK_TOKEN'
        })`,
      );
    case 403:
      return new CliError('FORBIDDEN', `forbidden: ${message}`);
    case 404:
      return new CliError('NOT_FOUND', message);
    case 409:
      return new CliError('CONFLICT', message);
    case 429: {
      const wait = retryAfterSeconds(response.headers);
      return new CliError(
        'RATE_LIMITED',
        `rate limited by the API: ${message}${wait === null ? '' : ` (retry in ${wait} s)`}`,
      );
    }
    default:
      if (response.status >= 500) {
        return new CliError('API_ERROR', `the API failed (${response.status}): ${message}`);
      }
      return new CliError('FAILED', `${request} answered ${response.status}: ${message}`);
  }
}

function retryAfterSeconds(headers: Pick<Headers, 'get'>): number | null {
  for (const name of ['retry-after', 'x-ratelimit-reset']) {
    const value = headers.get(name);
    if (value === null) continue;
    const seconds = Number(value);
    if (Number.isFinite(seconds) && seconds >= 0) {
      // X-RateLimit-Reset may be an epoch time; turn it into a delay.
      const now = Date.now() / 1000;
      return Math.ceil(seconds > 1_000_000_000 ? Math.max(0, seconds - now) : seconds);
    }
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  return null;
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
};

function unreachable(baseUrl: string, error: unknown): CliError {
  // Walk the cause chain by shape: undici's errors may come from another realm (instanceof fails).
  let cause: unknown = error;
  let code: string | undefined;
  for (let depth = 0; depth < 4 && typeof cause === 'object' && cause !== null; depth++) {
    const current = cause as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof current.code === 'string') code = current.code;
    if (Array.isArray(current.errors)) {
      const inner = (current.errors[0] as { code?: unknown } | undefined)?.code;
      if (typeof inner === 'string') code = inner;
    }
    cause = current.cause;
  }
  const reason = code
    ? (NETWORK_REASONS[code] ?? code)
    : error instanceof Error
      ? error.message
      : String(error);
  return new CliError('API_UNREACHABLE', `cannot reach the API at ${baseUrl}: ${reason}`, {
    cause: error,
  });
}
