import { evaluateClaims } from './evaluate-claims';
import type { ClaimFailure } from './evaluate-claims';
import { formatClaimFailure, formatDenial } from './format-denial';
import { normalizeTokenClaims } from './normalize-token-claims';

describe('formatClaimFailure', () => {
  it.each<[ClaimFailure, string]>([
    [{ claim: 'environment', have: null, required: ['prod'] }, 'environment (not present)'],
    [
      { claim: 'roles', have: ['viewer'], required: ['sre', 'api'] },
      'roles=viewer (required: sre, api)',
    ],
    [{ claim: 'roles', have: [], required: ['sre', 'api'] }, 'roles= (required: sre, api)'],
    [{ claim: 'roles', have: ['a', 'b'], required: ['c'] }, 'roles=a, b (required: c)'],
    [{ claim: 'roles', have: ['x'], required: ['sre', ''] }, 'roles=x (required: sre, )'],
  ])('%j → %s', (failure, expected) => {
    expect(formatClaimFailure(failure)).toBe(expected);
  });
});

describe('formatDenial reproduces the reference messages', () => {
  const sreApi = { roles: ['sre', 'api'] };

  // Each case runs the whole path: raw JWT payload → claim mapping → evaluation → message.
  it.each<[string, string, Record<string, string[]>, Record<string, unknown>, string]>([
    [
      'viewer token',
      'validate',
      sreApi,
      { sub: 'viewer1', roles: ['viewer'] },
      'RBAC check failed for validate. Missing or invalid claims: roles=viewer (required: sre, api)',
    ],
    [
      'missing claim',
      'validate',
      { environment: ['prod'] },
      { sub: 'u', roles: ['sre'] },
      'RBAC check failed for validate. Missing or invalid claims: environment (not present)',
    ],
    [
      'case matters',
      'validate',
      sreApi,
      { sub: 'u', roles: ['SRE'] },
      'RBAC check failed for validate. Missing or invalid claims: roles=SRE (required: sre, api)',
    ],
    [
      'token without roles',
      'execute',
      sreApi,
      { sub: 'u' },
      'RBAC check failed for execute. Missing or invalid claims: roles= (required: sre, api)',
    ],
    [
      'roles of a wrong type',
      'execute',
      sreApi,
      { sub: 'u', roles: 42 },
      'RBAC check failed for execute. Missing or invalid claims: roles= (required: sre, api)',
    ],
    [
      'comma-string roles listed plainly',
      'execute',
      sreApi,
      { roles: 'viewer, ux' },
      'RBAC check failed for execute. Missing or invalid claims: roles=viewer, ux (required: sre, api)',
    ],
    [
      'several failures joined with a comma',
      'execute',
      { roles: ['sre'], environment: ['prod'] },
      { roles: ['ux'] },
      'RBAC check failed for execute. Missing or invalid claims: roles=ux (required: sre), environment (not present)',
    ],
  ])('%s', (_label, operation, required, payload, expected) => {
    const decision = evaluateClaims(required, normalizeTokenClaims(payload).claims);
    expect(decision.allowed).toBe(false);
    expect(formatDenial(operation, decision)).toBe(expected);
  });

  it('never renders lists as Python or JSON reprs', () => {
    const message = formatDenial('execute', evaluateClaims(sreApi, { roles: ['a', 'b'] }));
    expect(message).not.toMatch(/[[\]'"]/);
  });
});
