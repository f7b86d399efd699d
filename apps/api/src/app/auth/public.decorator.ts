import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

/** Metadata key marking a route as open (no token needed). */
export const IS_PUBLIC = 'runbooks:isPublic';

/** OpenAPI extension the document builder turns into `security: []` (an open operation). */
export const PUBLIC_OPERATION_EXTENSION = 'x-runbooks-public';

/**
 * Opts a route out of the global JWT guard: everything else requires a valid token. The OpenAPI
 * document shows the route without security requirements.
 */
export const Public = () =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_OPERATION_EXTENSION, true));
