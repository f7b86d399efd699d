import * as rbac from './index';

describe('@runbooks/rbac public API', () => {
  it('exports exactly the documented functions and error class', () => {
    expect(Object.keys(rbac).sort()).toEqual([
      'ALWAYS_MULTI_VALUED_CLAIMS',
      'InvalidRequiredClaimsError',
      'evaluateClaims',
      'formatClaimFailure',
      'formatDenial',
      'formatRbacHistoryError',
      'hasHiddenCharacters',
      'normalizeTokenClaims',
      'splitCommaList',
      'toClaimValues',
      'trimAsciiSpace',
    ]);
  });

  it('composes into the reference flow: map token, evaluate, format the 403 and the history error', () => {
    const token = rbac.normalizeTokenClaims({ sub: 'viewer1', roles: 'viewer' });
    const decision = rbac.evaluateClaims({ roles: ['sre', 'api'] }, token.claims);
    const denial = rbac.formatDenial('execute', decision);
    expect(rbac.formatRbacHistoryError(token.userId, denial)).toBe(
      'RBAC Failure: Access denied for user viewer1. RBAC check failed for execute. Missing or invalid claims: roles=viewer (required: sre, api)',
    );
  });
});
