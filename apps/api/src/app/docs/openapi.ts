import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

import { SERVER_VERSION } from '../config/server-version';

const SSE_GRAMMAR = [
  'Content negotiation: `Accept: text/event-stream` streams server-sent events; `Prefer: respond-async`',
  'answers 202 with `Location: /api/runs/{id}`; anything else waits and answers one JSON body with the',
  'done fields. Every answer carries the run id in `X-Run-Id`.',
  '',
  'SSE grammar (compatible with the Stage0 runbook API):',
  '```',
  'stream   = *( event / comment )',
  'event    = "event: " ("stdout" / "stderr") LF "id: " seq LF 1*( "data: " line LF ) LF',
  'done     = "event: done" LF "data: " json LF LF      ; last event, one JSON line:',
  '           ; {"success", "runbook", "return_code", "stdout", "stderr", "errors", "warnings", "run_id"}',
  'comment  = ":" text LF LF                            ; heartbeat every 15 s',
  '```',
  'Each stdout/stderr event carries one output line including its newline, split on `\\n` into',
  '`data:` lines (so `hello\\n` is `data: hello` + `data: `). Pre-stream failures (400, 403, 404,',
  '429, 503) are JSON `{"error": "...", "success": false}`. Recursion and validation failures are',
  'HTTP 200 with a done event whose `return_code` is 1.',
].join('\n');

/** Builds the OpenAPI document from the controllers' decorators. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Runbooks API')
    .setDescription(
      'Lists, validates, authorizes and executes markdown runbooks. Wire-compatible with the Stage0 Runbook API.',
    )
    .setVersion(SERVER_VERSION)
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('http://localhost:8083')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearerAuth')
    .addSecurityRequirements('bearerAuth')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const execute = document.paths['/api/runbooks/{filename}/execute']?.post;
  if (execute) execute.description = SSE_GRAMMAR;
  return document;
}
