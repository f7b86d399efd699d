import { formatRbacHistoryError } from './format-rbac-history-error';

describe('formatRbacHistoryError', () => {
  const message =
    'RBAC check failed for execute. Missing or invalid claims: roles=viewer (required: sre, api)';

  it.each<[string | null | undefined, string]>([
    ['viewer1', 'viewer1'],
    ['', 'unknown'],
    [null, 'unknown'],
    [undefined, 'unknown'],
  ])('user %j is written as %s', (userId, shown) => {
    expect(formatRbacHistoryError(userId, message)).toBe(
      `RBAC Failure: Access denied for user ${shown}. ${message}`,
    );
  });
});
