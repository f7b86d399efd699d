export {
  ALWAYS_MULTI_VALUED_CLAIMS,
  hasHiddenCharacters,
  splitCommaList,
  toClaimValues,
  trimAsciiSpace,
} from './lib/claim-values';
export { evaluateClaims, InvalidRequiredClaimsError } from './lib/evaluate-claims';
export type {
  RequiredClaims,
  TokenClaims,
  ClaimFailure,
  ClaimsDecision,
  EvaluateOptions,
} from './lib/evaluate-claims';
export { formatDenial, formatClaimFailure } from './lib/format-denial';
export { formatRbacHistoryError } from './lib/format-rbac-history-error';
export { normalizeTokenClaims } from './lib/normalize-token-claims';
export type { NormalizedClaims } from './lib/normalize-token-claims';
