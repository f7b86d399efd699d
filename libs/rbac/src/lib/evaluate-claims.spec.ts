import fc from 'fast-check';
import { evaluateClaims, InvalidRequiredClaimsError } from './evaluate-claims';
import type { ClaimFailure, RequiredClaims } from './evaluate-claims';

const SRE_API: RequiredClaims = { roles: ['sre', 'api'] };

describe('evaluateClaims', () => {
  describe('allows', () => {
    it.each<[string, RequiredClaims, Record<string, unknown>]>([
      ['no required claims (empty record)', {}, {}],
      ['no required claims, token without roles', {}, { roles: [] }],
      ['one matching role in a list', SRE_API, { roles: ['sre'] }],
      ['any one allowed value (OR within a claim)', SRE_API, { roles: ['viewer', 'api'] }],
      ['a comma string token value', SRE_API, { roles: 'viewer, api' }],
      ['a single string token value', SRE_API, { roles: 'sre' }],
      ['a number matched via its string form', { tenant: ['123'] }, { tenant: 123 }],
      ['a boolean matched via its string form', { mfa: ['true'] }, { mfa: true }],
      ['numbers inside a roles list', { roles: ['2'] }, { roles: [1, 2] }],
      [
        'every required claim satisfied (AND)',
        { roles: ['sre'], environment: ['prod', 'staging'] },
        { roles: ['sre'], environment: 'staging' },
      ],
      [
        'a single-valued claim compared exactly',
        { name: ['Alice Admin'] },
        { name: 'Alice Admin' },
      ],
      ['ASCII spaces around a role are trimmed', SRE_API, { roles: [' sre\t'] }],
      ['required values given as a raw comma string', { roles: 'sre, api' }, { roles: ['api'] }],
      ['untrimmed required values', { roles: [' sre ', 'api'] }, { roles: ['sre'] }],
      ['extra token claims are ignored', SRE_API, { roles: ['sre'], other: 'x' }],
    ])('%s', (_label, required, claims) => {
      expect(evaluateClaims(required, claims)).toEqual({ allowed: true, failures: [] });
    });
  });

  describe('denies', () => {
    it.each<[string, RequiredClaims, Record<string, unknown>, ClaimFailure[]]>([
      [
        'a role that is not allowed',
        SRE_API,
        { roles: ['viewer'] },
        [{ claim: 'roles', have: ['viewer'], required: ['sre', 'api'] }],
      ],
      [
        'case-sensitive matching',
        SRE_API,
        { roles: ['SRE'] },
        [{ claim: 'roles', have: ['SRE'], required: ['sre', 'api'] }],
      ],
      [
        'an empty roles list',
        SRE_API,
        { roles: [] },
        [{ claim: 'roles', have: [], required: ['sre', 'api'] }],
      ],
      [
        'a missing claim (have: null)',
        { environment: ['prod'] },
        { roles: ['sre'] },
        [{ claim: 'environment', have: null, required: ['prod'] }],
      ],
      [
        'an explicit null claim counts as missing',
        { environment: ['prod'] },
        { environment: null },
        [{ claim: 'environment', have: null, required: ['prod'] }],
      ],
      [
        'a substring is not a match',
        SRE_API,
        { roles: 'sre-lead' },
        [{ claim: 'roles', have: ['sre-lead'], required: ['sre', 'api'] }],
      ],
      [
        'a list item holding a comma is one value',
        SRE_API,
        { roles: ['sre,api'] },
        [{ claim: 'roles', have: ['sre,api'], required: ['sre', 'api'] }],
      ],
      [
        'an empty required value never matches an empty token value',
        { roles: [''] },
        { roles: '' },
        [{ claim: 'roles', have: [], required: [''] }],
      ],
      [
        'a trailing comma adds an empty required value that never matches',
        { roles: 'ops,' },
        { roles: ', ' },
        [{ claim: 'roles', have: [], required: ['ops', ''] }],
      ],
      [
        'a required claim with no allowed values',
        { roles: [] },
        { roles: ['sre'] },
        [{ claim: 'roles', have: ['sre'], required: [] }],
      ],
      [
        'prototype names are not claims',
        { constructor: ['x'], toString: ['y'] },
        {},
        [
          { claim: 'constructor', have: null, required: ['x'] },
          { claim: 'toString', have: null, required: ['y'] },
        ],
      ],
      [
        'a comma in a single-valued claim is part of the value',
        { name: ['Alice Admin'] },
        { name: 'Mallory, Alice Admin' },
        [{ claim: 'name', have: ['Mallory, Alice Admin'], required: ['Alice Admin'] }],
      ],
      [
        'a single-valued claim is not trimmed',
        { name: ['Alice Admin'] },
        { name: ' Alice Admin' },
        [{ claim: 'name', have: [' Alice Admin'], required: ['Alice Admin'] }],
      ],
      [
        'a list in a single-valued claim is not a set of values',
        { team: ['core'] },
        { team: ['core', 'ops'] },
        [{ claim: 'team', have: ['["core","ops"]'], required: ['core'] }],
      ],
      [
        'NBSP and BOM around a role are not trimmed, and never match',
        { roles: ['admin'] },
        { roles: ['\u00a0admin\ufeff'] },
        [{ claim: 'roles', have: ['\u00a0admin\ufeff'], required: ['admin'] }],
      ],
      [
        'a zero-width space inside a comma-string role never matches',
        { roles: ['admin'] },
        { roles: 'viewer, admin\u200b' },
        [{ claim: 'roles', have: ['viewer', 'admin\u200b'], required: ['admin'] }],
      ],
      [
        'a required value holding an invisible character matches nothing',
        { roles: ['ad\u200dmin'] },
        { roles: ['ad\u200dmin'] },
        [{ claim: 'roles', have: ['ad\u200dmin'], required: ['ad\u200dmin'] }],
      ],
      [
        'one failing claim fails all (AND), failures in required order',
        { environment: ['prod'], roles: ['sre'], team: ['a'] },
        { roles: ['sre'], team: 'b' },
        [
          { claim: 'environment', have: null, required: ['prod'] },
          { claim: 'team', have: ['b'], required: ['a'] },
        ],
      ],
    ])('%s', (_label, required, claims, failures) => {
      expect(evaluateClaims(required, claims)).toEqual({ allowed: false, failures });
    });
  });

  it('splits the claims named in multiValuedClaims, and only those', () => {
    const required: RequiredClaims = { groups: ['ops'], team: ['ops'] };
    const claims = { groups: 'dev, ops', team: 'dev, ops' };
    expect(evaluateClaims(required, claims, { multiValuedClaims: ['groups'] }).failures).toEqual([
      { claim: 'team', have: ['dev, ops'], required: ['ops'] },
    ]);
    expect(
      evaluateClaims(
        { groups: ['ops'] },
        { groups: ['dev', 'ops'] },
        { multiValuedClaims: ['groups'] },
      ).allowed,
    ).toBe(true);
    expect(evaluateClaims({ groups: ['ops'] }, claims).allowed).toBe(false);
  });

  it('treats non-object claims as an empty token', () => {
    expect(evaluateClaims(SRE_API, null).failures).toEqual([
      { claim: 'roles', have: null, required: ['sre', 'api'] },
    ]);
    expect(evaluateClaims(SRE_API, undefined).allowed).toBe(false);
    expect(evaluateClaims(SRE_API, ['sre'] as unknown as Record<string, unknown>).allowed).toBe(
      false,
    );
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['an array', [['roles', ['sre']]], 'an array'],
    ['a string', 'roles: sre', 'string'],
  ])('refuses %s as required claims instead of allowing', (_label, required, received) => {
    const run = () => evaluateClaims(required as RequiredClaims, { roles: ['sre'] });
    expect(run).toThrow(InvalidRequiredClaimsError);
    expect(run).toThrow(
      `Required claims must be a record of claim name to allowed values, got ${received}`,
    );
    try {
      run();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'INVALID_REQUIRED_CLAIMS',
        name: 'InvalidRequiredClaimsError',
      });
    }
  });

  it('returns a copy of the required values, not the caller array', () => {
    const allowed = ['sre'];
    const [failure] = evaluateClaims({ roles: allowed }, { roles: 'x' }).failures;
    expect(failure?.required).toEqual(allowed);
    expect(failure?.required).not.toBe(allowed);
  });

  describe('properties', () => {
    const value = fc.stringMatching(/^[a-z]{1,6}$/);

    it('allowed is true exactly when there are no failures', () => {
      fc.assert(
        fc.property(
          fc.dictionary(value, fc.array(value)),
          fc.dictionary(value, fc.oneof(fc.array(value), value)),
          (required, claims) => {
            const decision = evaluateClaims(required, claims);
            expect(decision.allowed).toBe(decision.failures.length === 0);
          },
        ),
      );
    });

    it('a claim passes iff the token and allowed values intersect, in any order', () => {
      fc.assert(
        fc.property(
          fc.array(value, { maxLength: 5 }),
          fc.array(value, { maxLength: 5 }),
          (allowed, have) => {
            const expected = have.some((v) => allowed.includes(v));
            expect(evaluateClaims({ roles: allowed }, { roles: have }).allowed).toBe(expected);
            expect(
              evaluateClaims({ roles: [...allowed].reverse() }, { roles: have.join(',') }).allowed,
            ).toBe(expected);
          },
        ),
      );
    });
  });
});
