import {
  ALWAYS_MULTI_VALUED_CLAIMS,
  hasHiddenCharacters,
  splitCommaList,
  toClaimValues,
  trimAsciiSpace,
} from './claim-values';

/**
 * The `# Required Claims` of a runbook: claim name → allowed values, in document order.
 * A value may also be the raw comma-separated string (`"sre, api"`), which is split and trimmed.
 */
export type RequiredClaims = Readonly<Record<string, readonly string[] | string>>;

/** The decoded token claims RBAC runs against (see `normalizeTokenClaims`). */
export type TokenClaims = Readonly<Record<string, unknown>>;

/** One required claim the token did not satisfy. */
export interface ClaimFailure {
  /** Name of the required claim, e.g. `roles`. */
  claim: string;
  /** The token's values for the claim after normalization, or `null` when the claim is absent. */
  have: string[] | null;
  /** The values the runbook allows for this claim, as the runbook lists them. */
  required: string[];
}

/** Outcome of an RBAC check: `allowed` is true exactly when `failures` is empty. */
export interface ClaimsDecision {
  allowed: boolean;
  failures: ClaimFailure[];
}

/** How claims are compared. */
export interface EvaluateOptions {
  /**
   * Claims besides `roles` whose token value is a list of values (a JSON list, or a string split
   * on commas). Every other claim is one value compared exactly.
   */
  multiValuedClaims?: readonly string[];
}

/** Thrown by `evaluateClaims` when the required claims are not a record (code `INVALID_REQUIRED_CLAIMS`). */
export class InvalidRequiredClaimsError extends Error {
  /** Stable error code for callers that map errors to responses. */
  readonly code = 'INVALID_REQUIRED_CLAIMS';

  constructor(received: string) {
    super(`Required claims must be a record of claim name to allowed values, got ${received}`);
    this.name = 'InvalidRequiredClaimsError';
  }
}

/**
 * Checks a token's claims against a runbook's required claims.
 *
 * Every required claim must be satisfied (AND); within one claim any single allowed value
 * suffices (OR). Matching is exact and case-sensitive; empty values never match, nor do values
 * holding invisible or non-ASCII space characters; only `roles` and `multiValuedClaims` are
 * split into several values; a claim missing from the token fails with `have: null`. An empty record (no restriction) allows.
 * Anything but a record as `required` throws `InvalidRequiredClaimsError` rather than allow:
 * a caller whose claims block could not be read must decide to deny, not pass `null` through.
 */
export function evaluateClaims(
  required: RequiredClaims,
  claims: TokenClaims | null | undefined,
  options: EvaluateOptions = {},
): ClaimsDecision {
  if (!isRecord(required)) {
    throw new InvalidRequiredClaimsError(describe(required));
  }
  const failures: ClaimFailure[] = [];
  const tokenClaims: TokenClaims = isRecord(claims) ? claims : {};
  const multiValued = new Set([
    ...ALWAYS_MULTI_VALUED_CLAIMS,
    ...(options.multiValuedClaims ?? []),
  ]);

  for (const [claim, rawAllowed] of Object.entries(required)) {
    const allowedValues =
      typeof rawAllowed === 'string' ? splitCommaList(rawAllowed) : [...rawAllowed];
    // Own properties only: a required claim named `constructor` must not find Object's.
    const have = Object.hasOwn(tokenClaims, claim)
      ? toClaimValues(tokenClaims[claim], multiValued.has(claim))
      : null;
    if (have === null || !hasAllowedValue(have, allowedValues)) {
      failures.push({ claim, have, required: allowedValues });
    }
  }
  return { allowed: failures.length === 0, failures };
}

function hasAllowedValue(have: readonly string[], allowedValues: readonly string[]): boolean {
  const allowed = new Set(
    allowedValues
      .map(trimAsciiSpace)
      .filter((value) => value !== '' && !hasHiddenCharacters(value)),
  );
  return have.some((value) => allowed.has(value) && !hasHiddenCharacters(value));
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
