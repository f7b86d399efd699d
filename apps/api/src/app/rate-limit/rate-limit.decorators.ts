import { SetMetadata } from '@nestjs/common';

/** Metadata key for routes that also count against the stricter execute limit. */
export const EXECUTE_LIMITED = 'runbooks:executeLimited';

/** Puts a route under `RATE_LIMIT_EXECUTE_PER_MINUTE` (execute and dev-login) on top of the global limit. */
export const ExecuteRateLimit = () => SetMetadata(EXECUTE_LIMITED, true);
