import { join } from 'node:path';

import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Response } from 'express';
import { dump } from 'js-yaml';
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';

import { Public } from '../auth/public.decorator';
import { AppError } from '../errors/app-error';
import { ApiOperationDoc, ApiTextResult } from '../docs/api-docs.decorators';
import { OpenApiDocument } from './openapi-document';

const SWAGGER_FILES = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
]);

const EXPLORER_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Runbooks API explorer</title>
  <link rel="stylesheet" href="./swagger-ui/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="./swagger-ui/swagger-ui-bundle.js"></script>
  <script src="./explorer.js"></script>
</body>
</html>
`;

const EXPLORER_JS = `window.ui = SwaggerUIBundle({
  url: './openapi.yaml',
  dom_id: '#swagger-ui',
  supportedSubmitMethods: ['get', 'post', 'put', 'patch', 'delete'],
  persistAuthorization: false, // never keep bearer tokens in localStorage
});
`;

/** `/docs`: the generated OpenAPI document and a Swagger UI served from the npm package (no CDN). */
@Controller('docs')
@SkipThrottle()
export class DocsController {
  private yamlText: string | null = null;

  constructor(private readonly document: OpenApiDocument) {}

  @ApiOperationDoc({
    tag: 'Operations',
    operationId: 'getOpenApi',
    summary: 'This document (OpenAPI 3, YAML)',
    description:
      'Generated from the code at start-up. `/docs/openapi.json` serves the same as JSON.',
  })
  @ApiTextResult(200, 'application/yaml', 'The OpenAPI document', false)
  @Public()
  @Get('openapi.yaml')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  yaml(): string {
    this.yamlText ??= dump(this.document.get(), { noRefs: true, lineWidth: 120 });
    return this.yamlText;
  }

  @ApiExcludeEndpoint()
  @Public()
  @Get('openapi.json')
  json(): object {
    return this.document.get();
  }

  @ApiOperationDoc({
    tag: 'Operations',
    operationId: 'getExplorer',
    summary: 'API explorer (Swagger UI)',
    description:
      'Swagger UI served from the swagger-ui-dist package (no CDN), pointed at openapi.yaml.',
  })
  @ApiTextResult(200, 'text/html', 'The explorer page', false)
  @Public()
  @Get('explorer.html')
  @Header('Content-Type', 'text/html; charset=utf-8')
  explorer(): string {
    return EXPLORER_HTML;
  }

  @ApiExcludeEndpoint()
  @Public()
  @Get('explorer.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  explorerScript(): string {
    return EXPLORER_JS;
  }

  @ApiExcludeEndpoint()
  @Public()
  @Get('swagger-ui/:file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (!SWAGGER_FILES.has(file)) throw new AppError('NOT_FOUND', 'Not found');
    // Streamed from the package folder (the bundle is several MB), cacheable for a day.
    response.sendFile(join(getAbsoluteFSPath(), file), { maxAge: '1d' });
  }
}
