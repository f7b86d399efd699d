import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

import { PUBLIC_OPERATION_EXTENSION } from '../auth/public.decorator';
import { SERVER_VERSION } from '../config/server-version';
import { OPENAPI_SCHEMAS } from '../docs/openapi-schemas';

const DESCRIPTION = [
  'Lists, validates, authorizes and executes markdown runbooks, and keeps a queryable record of',
  'every run. Wire-compatible with the Stage0 Runbook API (same paths, fields, status codes and',
  'messages); the run endpoints, content negotiation on execute, rate limits and health checks are',
  'additions. Every error is JSON `{"error": "..."}`.',
  '',
  'Authentication: `Authorization: Bearer <JWT>` on everything except dev-login, metrics, health,',
  'docs and `/api/info`. Tokens are HS256 with `JWT_SECRET` by default, or RS256/ES256 through',
  '`JWT_PUBLIC_KEY` or `JWT_JWKS_URL`; `iss`, `aud` and (by default) `exp` are required.',
].join('\n');

/** The parts of an operation object this module rewrites. */
interface Operation {
  operationId?: string;
  security?: unknown[];
  [extension: string]: unknown;
}

const TAGS: [string, string][] = [
  ['Runbooks', 'The reference endpoints: list, read, validate and execute runbooks'],
  ['Runs', 'Run records: query, follow (SSE with resume) and cancel'],
  ['Config', 'Server configuration and lifecycle (admin claims required)'],
  ['Auth', 'Development tokens'],
  ['Schedules', "Runbooks' # Schedule sections and how their fires went"],
  ['Operations', 'Metrics, health checks and these docs (no token needed)'],
];

/** Builds the OpenAPI document from the controllers' decorators and the wire schemas. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.0.3')
    .setTitle('Runbooks API')
    .setDescription(DESCRIPTION)
    .setVersion(SERVER_VERSION)
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('http://localhost:8083')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT (see above)' },
      'bearerAuth',
    )
    .addSecurityRequirements('bearerAuth');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {});
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...OPENAPI_SCHEMAS },
  };
  const byId = new Map<string, { path: string; operation: Operation }[]>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const operation of Object.values(methods as Record<string, Operation>)) {
      if (operation[PUBLIC_OPERATION_EXTENSION]) {
        delete operation[PUBLIC_OPERATION_EXTENSION];
        operation.security = [];
      }
      if (operation.operationId) {
        const same = byId.get(operation.operationId) ?? [];
        same.push({ path, operation });
        byId.set(operation.operationId, same);
      }
    }
  }
  // A route with two paths (the reference's short form `/api/runbooks/{filename}` beside
  // `/validate` and `/execute`) is one operation: it is listed once, at its longest (canonical)
  // path, and its description names the alias.
  for (const operations of byId.values()) {
    const [canonical, ...aliases] = operations.sort((a, b) => b.path.length - a.path.length);
    if (!canonical || aliases.length === 0) continue;
    const paths = document.paths as Record<string, Record<string, Operation>>;
    for (const alias of aliases) {
      const methods = paths[alias.path] ?? {};
      for (const [method, operation] of Object.entries(methods)) {
        if (operation !== alias.operation) continue;
        delete methods[method];
        const note = `Also answered at \`${method.toUpperCase()} ${alias.path}\` (the reference's short form).`;
        const description = canonical.operation['description'];
        canonical.operation['description'] =
          typeof description === 'string' && description !== ''
            ? `${description}\n\n${note}`
            : note;
      }
      if (Object.keys(methods).length === 0) delete paths[alias.path];
    }
  }
  return document;
}
