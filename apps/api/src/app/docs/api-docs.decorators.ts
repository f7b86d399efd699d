import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
  type HeaderObject,
  type ReferenceObject,
} from '@nestjs/swagger';

import type { SchemaName } from './openapi-schemas';

/** A `$ref` to a component schema of {@link OPENAPI_SCHEMAS}. */
export const schemaRef = (name: SchemaName): ReferenceObject => ({
  $ref: `#/components/schemas/${name}`,
});

const integerHeader = (description: string): HeaderObject => ({
  description,
  schema: { type: 'integer' },
});

/** Headers every answer of a rate-limited route carries. */
export const RATE_LIMIT_HEADERS: Record<string, HeaderObject> = {
  'X-RateLimit-Limit': integerHeader(
    'Requests allowed per minute on this route (the stricter limit)',
  ),
  'X-RateLimit-Remaining': integerHeader('Requests left in the current minute'),
  'X-RateLimit-Reset': integerHeader('Seconds until the window resets'),
};

/** The correlation id header every answer carries. */
export const CORRELATION_HEADER_DOC: Record<string, HeaderObject> = {
  'X-Correlation-Id': {
    description:
      "The request's X-Correlation-Id (letters, digits and ._:@/+=-), or a generated UUID",
    schema: { type: 'string' },
  },
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request: an invalid file name (traversal, NUL, separators), malformed JSON or invalid parameters',
  401: 'Missing, malformed, expired or otherwise invalid bearer token (reference messages)',
  403: 'The caller lacks the required claims (RBAC); runbook denials are recorded in its history',
  404: 'Not found',
  409: 'The run is not active any more',
  413: 'Request body larger than 1 MB',
  429: 'Rate limit exceeded: {"error":"Rate limit exceeded. Please try again later."}',
  500: 'Unexpected error ({"error":"A processing error occurred"}; never a path or a stack trace)',
  503: 'The server is shutting down',
};

/** Where an operation sits and what it does. */
export interface OperationDoc {
  tag: 'Runbooks' | 'Runs' | 'Schedules' | 'Config' | 'Auth' | 'Operations';
  operationId: string;
  summary: string;
  description?: string;
}

/** Tag, operation id, summary and description of an operation. */
export function ApiOperationDoc(doc: OperationDoc) {
  return applyDecorators(
    ApiTags(doc.tag),
    ApiOperation({
      operationId: doc.operationId,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
    }),
  );
}

/** A JSON success answer with its schema and headers. */
export function ApiJsonResult(
  status: number,
  schema: SchemaName,
  description: string,
  options: { rateLimited?: boolean; headers?: Record<string, HeaderObject> } = {},
) {
  return ApiResponse({
    status,
    description,
    content: { 'application/json': { schema: schemaRef(schema) } },
    headers: {
      ...CORRELATION_HEADER_DOC,
      ...(options.rateLimited === false ? {} : RATE_LIMIT_HEADERS),
      ...options.headers,
    },
  });
}

/** A non-JSON success answer (SSE, text, YAML, HTML). */
export function ApiTextResult(
  status: number,
  mediaType: string,
  description: string,
  rateLimited = true,
) {
  return ApiResponse({
    status,
    description,
    content: { [mediaType]: { schema: { type: 'string' } } },
    headers: { ...CORRELATION_HEADER_DOC, ...(rateLimited ? RATE_LIMIT_HEADERS : {}) },
  });
}

/** The `{ "error": ... }` answers an operation can give, by status. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/json': { schema: schemaRef('ErrorResponse') } },
        headers: {
          ...CORRELATION_HEADER_DOC,
          ...(status === 429
            ? {
                ...RATE_LIMIT_HEADERS,
                'Retry-After': integerHeader('Seconds until a request is accepted again'),
              }
            : {}),
        },
      }),
    ),
  );
}

/** A JSON request body. */
export function ApiJsonBody(schema: SchemaName, description: string, required = false) {
  return ApiBody({ required, description, schema: schemaRef(schema) });
}

/** The `{filename}` path parameter of the runbook routes. */
export function ApiFilenameParam() {
  return ApiParam({
    name: 'filename',
    description:
      'A `*.md` file directly in RUNBOOKS_DIR, e.g. SimpleRunbook.md (traversal attempts are 400)',
    schema: { type: 'string', example: 'SimpleRunbook.md' },
  });
}

/** An optional request header. */
export function ApiOptionalHeader(name: string, description: string) {
  return ApiHeader({ name, description, required: false, schema: { type: 'string' } });
}
