import type { Request } from 'express';

/** Who is calling: the verified token, mapped as the reference maps it. */
export interface Caller {
  userId: string;
  roles: string[];
  /** Decoded token claims plus `user_id` and normalized `roles` (what RBAC checks). */
  claims: Record<string, unknown>;
  /** The raw bearer token (handed to scripts as `RUNBOOK_API_TOKEN`). */
  token: string;
}

/** An Express request after the JWT guard has run. */
export type AuthenticatedRequest = Request & { user: Caller };
