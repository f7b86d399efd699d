import { diagnostic } from './diagnostic';
import type { FenceBlock } from './markdown-blocks';
import { allowedValues, FORBIDDEN_CLAIM_NAMES, readMapping, type Read } from './read-blocks';
import {
  MAX_APPROVAL_COUNT,
  MAX_APPROVAL_EXPIRY_SECONDS,
  type ApprovalPolicy,
  type RequiredClaims,
  type SectionRange,
} from './runbook';
import { yamlValueToString } from './yaml-block';

/** Settings an Approval section may hold. */
const APPROVAL_KEYS = ['approvers', 'count', 'allow_self_approval', 'expires_after'] as const;
/** Seconds per unit of `expires_after`. */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** The wait of an Approval section without `expires_after`: one hour. */
export const DEFAULT_APPROVAL_EXPIRY_SECONDS = 3600;

/**
 * Reads an `# Approval` section. Anything that cannot be read exactly (a syntax error, an unknown
 * or misspelled key, a value out of range, nobody able to approve) yields null with an
 * APPROVAL_INVALID error: validation then fails and every run is refused, so a typo never
 * removes the gate.
 */
export function readApproval(
  section: SectionRange,
  fences: FenceBlock[],
): Read<ApprovalPolicy | null> {
  const { result, fence, diagnostics } = readMapping(section, fences, 'error', 'as-written');
  diagnostics.forEach((d) => (d.code = 'APPROVAL_INVALID'));
  const fail = (message: string, line: number): Read<null> => ({
    value: null,
    diagnostics: [...diagnostics, diagnostic('APPROVAL_INVALID', 'error', message, line)],
  });
  if (!result || !fence) {
    if (diagnostics.length > 0) return { value: null, diagnostics };
    return fail('Approval: write a YAML block with approvers (claims)', section.headingLine);
  }
  if (result.kind === 'syntax-error' || result.kind === 'not-mapping')
    return { value: null, diagnostics };
  if (result.kind === 'empty')
    return fail('Approval: the YAML block is empty; approvers is required', fence.line);
  const policy: ApprovalPolicy = {
    approvers: {},
    count: 1,
    allowSelfApproval: false,
    expiresAfterSeconds: DEFAULT_APPROVAL_EXPIRY_SECONDS,
  };
  let hasApprovers = false;
  for (const [key, raw] of result.entries) {
    const line = result.keyLines.get(key) ?? fence.contentLine;
    if (!(APPROVAL_KEYS as readonly string[]).includes(key)) {
      return fail(`Approval: unknown key '${key}' (known: ${APPROVAL_KEYS.join(', ')})`, line);
    }
    if (key === 'approvers') {
      const approvers = readApprovers(raw);
      if (typeof approvers === 'string') return fail(`Approval: approvers ${approvers}`, line);
      policy.approvers = approvers;
      hasApprovers = true;
    } else if (key === 'count') {
      const text = yamlValueToString(raw);
      if (!/^[1-9]$/.test(text) || Number(text) > MAX_APPROVAL_COUNT)
        return fail(`Approval: count must be a whole number from 1 to ${MAX_APPROVAL_COUNT}`, line);
      policy.count = Number(text);
    } else if (key === 'allow_self_approval') {
      const text = yamlValueToString(raw);
      if (text !== 'true' && text !== 'false')
        return fail('Approval: allow_self_approval must be true or false', line);
      policy.allowSelfApproval = text === 'true';
    } else {
      const seconds = durationSeconds(yamlValueToString(raw));
      if (seconds === null)
        return fail(
          'Approval: expires_after must be a whole number with s, m, h or d (e.g. 30m, 1h), from 1s to 7d',
          line,
        );
      policy.expiresAfterSeconds = seconds;
    }
  }
  if (!hasApprovers)
    return fail('Approval: approvers is required (the claims an approver must hold)', fence.line);
  return { value: policy, diagnostics };
}

/** The approvers mapping, or why it cannot be used. */
function readApprovers(raw: unknown): RequiredClaims | string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return 'must be a mapping of claim: allowed values (e.g. roles: [lead])';
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) return 'is empty: nobody could approve';
  const claims: RequiredClaims = {};
  for (const [name, value] of entries) {
    if (FORBIDDEN_CLAIM_NAMES.includes(name)) return `cannot use '${name}' as a claim name`;
    const values = allowedValues(value);
    if (values === null) return `claim '${name}' must be a comma-separated string or a list`;
    if (values.length === 0) return `claim '${name}' lists no allowed values: nobody could approve`;
    claims[name] = values;
  }
  return claims;
}

/** `30s`, `15m`, `1h`, `2d` in seconds, within 1 s to 7 days; null otherwise. */
export function durationSeconds(text: string): number | null {
  const match = /^([0-9]{1,7})([smhd])$/.exec(text.trim());
  if (!match) return null;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] ?? ''] ?? 0);
  return seconds >= 1 && seconds <= MAX_APPROVAL_EXPIRY_SECONDS ? seconds : null;
}
