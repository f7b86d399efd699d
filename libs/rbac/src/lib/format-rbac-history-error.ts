/**
 * The text recorded for an RBAC refusal in the markdown history `**Error:**` block and in the
 * JSON history record's `errors`: `RBAC Failure: Access denied for user <id>. <message>`.
 * An empty or missing user id is written as `unknown`.
 */
export function formatRbacHistoryError(userId: string | null | undefined, message: string): string {
  const who = userId === null || userId === undefined || userId === '' ? 'unknown' : userId;
  return `RBAC Failure: Access denied for user ${who}. ${message}`;
}
