import { HttpErrorResponse } from '@angular/common/http';

/** What kind of failure an API call ended in; the UI picks its wording from this. */
export type ApiErrorKind =
  | 'network'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'rate-limited'
  | 'invalid'
  | 'server'
  | 'unknown';

/** A failed API call, reduced to what the UI needs to explain it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly kind: ApiErrorKind,
    /** HTTP status, 0 when the server could not be reached. */
    readonly status: number,
    message: string,
    /** The `error` text the server sent, if any. */
    readonly serverMessage: string | null = null,
    /** For 429: seconds until the limit resets, when the server said so. */
    readonly retryAfterSeconds: number | null = null,
    /** The parsed JSON body, if any (validate answers 400 with a result body). */
    readonly body: unknown = null,
  ) {
    super(message);
  }

  /** A short heading for error panels. */
  get title(): string {
    return TITLES[this.kind];
  }
}

const TITLES: Record<ApiErrorKind, string> = {
  network: 'Cannot reach the server',
  unauthorized: 'Sign-in required',
  forbidden: 'Access denied',
  'not-found': 'Not found',
  'rate-limited': 'Too many requests',
  invalid: 'Request rejected',
  server: 'Server error',
  unknown: 'Something went wrong',
};

/** Minimal view of response headers shared by HttpHeaders and fetch's Headers. */
interface HeaderReader {
  get(name: string): string | null;
}

function kindOf(status: number): ApiErrorKind {
  if (status === 0) return 'network';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  if (status >= 400 && status < 500) return 'invalid';
  if (status >= 500) return 'server';
  return 'unknown';
}

/** Reads `{ error: string }` (or a bare string) out of an error body. */
function serverMessageOf(body: unknown): string | null {
  if (typeof body === 'string') {
    const text = body.trim();
    if (text === '' || text.startsWith('<')) return null;
    try {
      return serverMessageOf(JSON.parse(text) as unknown);
    } catch {
      return text.length <= 300 ? text : null;
    }
  }
  if (body && typeof body === 'object' && 'error' in body) {
    const error = body.error;
    if (typeof error === 'string' && error.trim() !== '') return error;
  }
  return null;
}

/**
 * Seconds until a rate limit resets. `Retry-After` is seconds; `X-RateLimit-Reset` is seconds
 * from now in our API, but some servers send an epoch timestamp, so both are understood.
 */
export function retryAfterSeconds(headers: HeaderReader | null, nowMs: number): number | null {
  if (!headers) return null;
  const raw = headers.get('Retry-After') ?? headers.get('X-RateLimit-Reset');
  if (raw === null) return null;
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || value < 0) return null;
  if (value > 1_000_000_000) return Math.max(0, Math.ceil(value - nowMs / 1000));
  return Math.ceil(value);
}

function messageFor(
  kind: ApiErrorKind,
  status: number,
  server: string | null,
  retry: number | null,
): string {
  switch (kind) {
    case 'network':
      return 'The server did not answer. Check your connection or whether the API is running, then try again.';
    case 'unauthorized':
      return 'Your session has expired or the server rejected your token. Please sign in again.';
    case 'forbidden':
      return server ?? 'You do not have the claims this action requires.';
    case 'not-found':
      return server ?? 'The requested item does not exist.';
    case 'rate-limited': {
      const base = server ?? 'Rate limit exceeded. Please try again later.';
      return retry !== null ? `${base} You can retry in ${retry} s.` : base;
    }
    case 'invalid':
      return server ?? `The server rejected the request (HTTP ${status}).`;
    case 'server':
      return server
        ? `The server failed: ${server}`
        : `The server failed to answer (HTTP ${status}). Try again in a moment.`;
    default:
      return server ?? `Unexpected answer from the server (HTTP ${status}).`;
  }
}

/** Builds an ApiError from a status, headers and body (fetch responses use this directly). */
export function apiErrorFrom(
  status: number,
  headers: HeaderReader | null,
  body: unknown,
  nowMs: number = Date.now(),
): ApiError {
  const kind = kindOf(status);
  const server = serverMessageOf(body);
  const retry = kind === 'rate-limited' ? retryAfterSeconds(headers, nowMs) : null;
  return new ApiError(kind, status, messageFor(kind, status, server, retry), server, retry, body);
}

/** Turns anything a call can throw (HttpErrorResponse, fetch TypeError, ApiError) into an ApiError. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HttpErrorResponse) {
    // status 0: the request never got an HTTP answer (offline, DNS, CORS, server down).
    const body: unknown = error.error instanceof ProgressEvent ? null : error.error;
    return apiErrorFrom(error.status, error.headers, body);
  }
  if (error instanceof TypeError) {
    // fetch() rejects with a TypeError when the network fails.
    return apiErrorFrom(0, null, null);
  }
  const text = error instanceof Error ? error.message : String(error);
  return new ApiError('unknown', -1, text || 'Something went wrong.');
}
