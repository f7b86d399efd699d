import { SetMetadata } from '@nestjs/common';

/** Metadata key marking a route as open (no token needed). */
export const IS_PUBLIC = 'runbooks:isPublic';

/** Opts a route out of the global JWT guard: everything else requires a valid token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
