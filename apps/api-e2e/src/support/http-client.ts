import type { ApiServer } from './api-server';

/** One HTTP exchange's outcome, body read as text and (when possible) JSON. */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  body: T;
}

/** A request to the server under test. */
export interface ApiRequest {
  method?: string;
  token?: string;
  /** A JSON body (serialized; Content-Type set) or a raw string body. */
  json?: unknown;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

/** Sends one request and reads the whole answer. */
export async function call<T = Record<string, unknown>>(
  server: ApiServer | string,
  path: string,
  request: ApiRequest = {},
): Promise<ApiResponse<T>> {
  const base = typeof server === 'string' ? server : server.url;
  const headers: Record<string, string> = { ...request.headers };
  if (request.token !== undefined) headers['Authorization'] = `Bearer ${request.token}`;
  let body: string | Buffer | undefined = request.body;
  if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, {
    method: request.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed as T };
}
